import Foundation
import NIOCore
import Testing
@testable import SlipwayProxy

/// A raw upstream for what NIO's server would never send. By path:
/// `/extra` answers with more bytes than its Content-Length (a second, forged response) and
/// keeps the connection; `/early` answers 413 right after the head without reading the body and
/// keeps the connection; anything else gets a body delimited only by closing the connection
/// (no Content-Length), echoing the request line. The first line printed is the port; each
/// accepted connection is counted on stderr.
let rawUpstreamScript = #"""
import socket, sys, threading
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(16)
print(ls.getsockname()[1], flush=True)
def serve(c):
    data = b""
    while True:
        while b"\r\n\r\n" not in data:
            more = c.recv(65536)
            if not more: return c.close()
            data += more
        head, data = data.split(b"\r\n\r\n", 1)
        line = head.split(b"\r\n")[0]
        path = line.split(b" ")[1]
        if path == b"/extra":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!")
        elif path == b"/early":
            c.sendall(b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 9\r\n\r\ntoo large")
        else:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-close:" + line)
            return c.close()
def accept():
    while True:
        c, _ = ls.accept()
        print("connection", file=sys.stderr, flush=True)
        threading.Thread(target=serve, args=(c,), daemon=True).start()
threading.Thread(target=accept, daemon=True).start()
sys.stdin.read()
"""#

private func startRawUpstream() async throws -> PythonHelper {
    let directory = try makeTempDirectory()
    let script = directory + "/raw_upstream.py"
    try rawUpstreamScript.write(toFile: script, atomically: true, encoding: .utf8)
    return try await PythonHelper.start(script: script, arguments: [])
}

extension Integration {
    /// The proxy's own HTTP/1.1 framing, seen from a client on a raw socket.
    @Suite struct Wire {
        /// A request whose length two parsers could read differently is refused before any of it
        /// reaches the upstream, and the connection is closed so nothing after it is read.
        @Test func smugglingAttemptsAreRefusedAndNeverForwarded() async throws {
            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([upstream.upstream], colour: "a")
            let attempts = [
                "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /colour HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcd",
                "POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX: a\r\n folded\r\n\r\n0\r\n\r\n",
                "GET /colour HTTP/1.1\r\nHost : x\r\n\r\n",
            ]
            for attempt in attempts {
                let text = try await rawExchange(port: proxy.port, send: attempt)
                #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(text)")
                #expect(text.contains("Connection: close"))
                #expect(text.components(separatedBy: "HTTP/1.1").count == 2, "one answer only: \(text)")
            }
            #expect(upstream.requests == 0)

            // Chunk framing that breaks mid-body: the exchange is torn down, the upstream
            // connection is not reused.
            let broken = try await rawExchange(
                port: proxy.port, send: "POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n")
            #expect(!broken.contains("200 OK"), "\(broken)")

            let huge = try await rawExchange(
                port: proxy.port, send: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 70_000))\r\n\r\n")
            #expect(huge.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "\(huge.prefix(200))")
            let http2 = try await rawExchange(port: proxy.port, send: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            #expect(http2.hasPrefix("HTTP/1.1 505 HTTP Version Not Supported\r\n"), "\(http2)")
            await proxy.stop()
            await upstream.stop()
        }

        /// HTTP/1.0 clients cannot read chunked bodies: they get the payload, ended by a close.
        /// HTTP/1.1 clients get the chunks exactly as the upstream framed them.
        @Test func chunkedResponsesFollowTheClientsVersion() async throws {
            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([upstream.upstream], colour: "a")

            let old = try await rawExchange(port: proxy.port, send: "GET /chunked HTTP/1.0\r\n\r\n")
            let (oldHead, oldBody) = split(old)
            #expect(oldHead.hasPrefix("HTTP/1.0 200 OK\r\n"), "\(old)")
            #expect(!oldHead.lowercased().contains("transfer-encoding"))
            #expect(oldHead.contains("Connection: close"))
            #expect(oldBody == "one two three")

            let current = try await rawExchange(port: proxy.port, send: "GET /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let (head, body) = split(current)
            #expect(head.lowercased().contains("transfer-encoding: chunked"), "\(current)")
            #expect(body == "4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n")

            let headRequest = try await rawExchange(port: proxy.port, send: "HEAD /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(headRequest.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(headRequest.hasSuffix("\r\n\r\n"), "no body after a HEAD response: \(headRequest)")
            await proxy.stop()
            await upstream.stop()
        }

        /// An upstream that ends its body by closing: an HTTP/1.1 client gets it chunked and keeps
        /// its connection for the next request.
        @Test func closeDelimitedUpstreamBodiesAreChunkedForKeepAliveClients() async throws {
            let helper = try await startRawUpstream()
            defer { helper.stop() }
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([Upstream(host: "127.0.0.1", port: helper.port)], colour: "a")

            let text = try await rawExchange(
                port: proxy.port,
                send: "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let responses = text.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst()
            #expect(responses.count == 2, "\(text)")
            for (response, path) in zip(responses, ["/one", "/two"]) {
                #expect(response.contains("Transfer-Encoding: chunked"))
                let line = "until-close:GET \(path) HTTP/1.1"
                #expect(response.hasSuffix("\r\n\r\n\(String(line.utf8.count, radix: 16))\r\n\(line)\r\n0\r\n\r\n"), "\(response)")
            }

            let old = try await rawExchange(port: proxy.port, send: "GET /three HTTP/1.0\r\n\r\n")
            #expect(old.hasPrefix("HTTP/1.0 200 OK\r\n"))
            #expect(old.hasSuffix("\r\n\r\nuntil-close:GET /three HTTP/1.1"), "\(old)")
            await proxy.stop()
        }

        /// An upstream that sends more than its response (here a forged second response) is not
        /// trusted with another request: the next request gets a fresh connection and its own answer.
        @Test func bytesPastAResponseRetireTheUpstreamConnection() async throws {
            let helper = try await startRawUpstream()
            defer { helper.stop() }
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([Upstream(host: "127.0.0.1", port: helper.port)], colour: "a")
            let client = try await KeepAliveClient.connect(port: proxy.port)
            let first = try await client.get("/extra")
            let second = try await client.get("/extra")
            #expect(first.body == "ok")
            #expect(second.body == "ok", "the forged response must never be served: \(second.body)")
            await client.close()
            // Pipelined on one client connection, too.
            let text = try await rawExchange(
                port: proxy.port, send: "GET /extra HTTP/1.1\r\nHost: x\r\n\r\nGET /extra HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(!text.contains("evil"), "\(text)")
            #expect(text.components(separatedBy: "\r\n\r\nok").count == 3, "\(text)")
            await proxy.stop()
        }

        /// A final response to an `Expect: 100-continue` request whose body never came: the client
        /// may never send it, so the proxy closes instead of waiting to read it.
        @Test func earlyAnswerToAnExpectingRequestClosesTheConnection() async throws {
            let helper = try await startRawUpstream()
            defer { helper.stop() }
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([Upstream(host: "127.0.0.1", port: helper.port)], colour: "a")
            let started = ContinuousClock.now
            let text = try await rawExchange(
                port: proxy.port,
                send: "POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n",
                timeout: .seconds(4))
            #expect(text.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"), "\(text)")
            #expect(text.contains("Connection: close\r\n"))
            #expect(text.hasSuffix("too large"))
            #expect(ContinuousClock.now - started < .seconds(3), "the proxy should close, not wait for the body")
            await proxy.stop()
        }

        /// A client that half-closes after pipelining gets every answer, in full, before the close:
        /// local answers (no live upstream) and a large proxied one alike.
        @Test func halfClosedClientsGetEveryAnswerInFull() async throws {
            // Repeated: the end of input may arrive in the same read as the requests or after their answers.
            let unrouted = try await RunningProxy.start()
            for _ in 0..<30 {
                let text = try await rawExchange(
                    port: unrouted.port, send: "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n", halfClose: true)
                #expect(text.components(separatedBy: "HTTP/1.1 503").count == 3, "\(text)")
            }
            await unrouted.stop()

            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([upstream.upstream], colour: "a")
            let size = 4 * 1024 * 1024
            let big = try await rawExchange(port: proxy.port, send: "GET /generate?n=\(size) HTTP/1.1\r\nHost: x\r\n\r\n", halfClose: true)
            let body = big.range(of: "\r\n\r\n").map { big.utf8.count - big[..<$0.upperBound].utf8.count }
            #expect(body == size, "got \(body ?? -1) of \(size) body bytes")
            await proxy.stop()
            await upstream.stop()
        }

        /// `Connection: content-length` cannot make the upstream read a body as a second request.
        @Test func connectionCannotStripTheBodysLength() async throws {
            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([upstream.upstream], colour: "a")
            let inner = "GET /colour HTTP/1.1\r\nHost: x\r\n\r\n"
            let text = try await rawExchange(
                port: proxy.port,
                send: "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: \(inner.utf8.count)\r\nConnection: content-length, close\r\n\r\n"
                    + inner)
            #expect(text.hasSuffix("\r\n\r\n\(inner.utf8.count)"), "\(text)")
            #expect(upstream.requests == 1)
            await proxy.stop()
            await upstream.stop()
        }

        /// A chunked upload keeps its chunk extensions and trailers on the way to the upstream.
        @Test func chunkedRequestBodiesAreRelayedAsFramed() async throws {
            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([upstream.upstream], colour: "a")
            let text = try await rawExchange(
                port: proxy.port,
                send: "POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    + "3;name=value\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Checksum: 1\r\n\r\n")
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(text)")
            #expect(split(text).1 == "7")
            await proxy.stop()
            await upstream.stop()
        }

        private func split(_ response: String) -> (String, String) {
            guard let end = response.range(of: "\r\n\r\n") else { return (response, "") }
            return (String(response[..<end.upperBound]), String(response[end.upperBound...]))
        }
    }
}
