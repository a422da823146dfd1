import NIOCore
import NIOHTTP1
import Testing
@testable import SlipwayProxy

private func request(_ text: String) throws -> RequestHead {
    var buffer = ByteBuffer(string: text)
    var reader = HeadReader()
    return try #require(try reader.readRequest(&buffer))
}

private func response(_ text: String, to method: HTTPMethod = .GET) throws -> ResponseHead {
    var buffer = ByteBuffer(string: text)
    var reader = HeadReader()
    return try #require(try reader.readResponse(&buffer, requestMethod: method))
}

private func requestError(_ text: String) -> HTTPWireError? {
    var buffer = ByteBuffer(string: text)
    var reader = HeadReader()
    do {
        _ = try reader.readRequest(&buffer)
        return nil
    } catch {
        return error
    }
}

private func forwarded(_ text: String, client: String = "127.0.0.9", scheme: String = "http") throws -> String {
    var out = ByteBuffer()
    HeaderRewriting.writeRequest(try request(text), clientAddress: client, scheme: scheme, into: &out)
    return String(buffer: out)
}

private func relayed(_ text: String, method: HTTPMethod = .GET, clientMinor: Int = 1, keepAlive: Bool = true)
    throws -> (String, HeaderRewriting.ResponsePlan)
{
    var out = ByteBuffer()
    let plan = HeaderRewriting.writeResponse(
        try response(text, to: method), requestMethod: method, clientMinorVersion: clientMinor, keepAlive: keepAlive, into: &out)
    return (String(buffer: out), plan)
}

/// Every body piece `BodyDecoder` gives for `wire`, fed in pieces of `step` bytes.
private func decode(_ framing: BodyFraming, _ wire: String, output: BodyDecoder.Output = .forward, step: Int = 1000)
    throws -> (body: String, ended: Bool, left: String)
{
    var decoder = try #require(BodyDecoder(framing: framing, output: output))
    var pending = ByteBuffer()
    var body = ""
    var ended = false
    let bytes = Array(wire.utf8)
    var offset = 0
    while offset < bytes.count && !ended {
        pending.writeBytes(bytes[offset..<min(offset + step, bytes.count)])
        offset += step
        while true {
            let (slice, done) = try decoder.next(&pending)
            if let slice { body += String(buffer: slice) }
            if done { ended = true; break }
            if slice == nil { break }
        }
    }
    pending.writeBytes(bytes[min(offset, bytes.count)...])
    return (body, ended, String(buffer: pending))
}

@Suite struct HeadParserTests {
    @Test func readsARequestHead() throws {
        let head = try request("POST /a?b=1 HTTP/1.1\r\nHost: app.example\r\nContent-Length: 5\r\nX-Empty:\r\n\r\nhello")
        #expect(head.method == .POST)
        #expect(head.targetString == "/a?b=1")
        #expect(head.minorVersion == 1)
        #expect(head.framing == .length(5))
        #expect(head.keepAlive)
        #expect(head.headers.first("host") == "app.example")
        #expect(head.headers.first("x-empty") == "")
    }

    @Test func waitsForTheWholeHeadAndConsumesOnlyIt() throws {
        var buffer = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\n")
        var reader = HeadReader()
        #expect(try reader.readRequest(&buffer) == nil)
        buffer.writeString("\r\nGET /next")
        let head = try #require(try reader.readRequest(&buffer))
        #expect(head.targetString == "/")
        #expect(String(buffer: buffer) == "GET /next")
    }

    @Test func acceptsBareLFLinesAndLeadingEmptyLines() throws {
        let head = try request("\r\n\nGET /x HTTP/1.0\nConnection: keep-alive\n\n")
        #expect(head.minorVersion == 0)
        #expect(head.keepAlive)
    }

    @Test func keepAliveAndUpgradeFollowTheConnectionField() throws {
        #expect(try !request("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keepAlive)
        #expect(try !request("GET / HTTP/1.0\r\n\r\n").keepAlive)
        let upgrade = try request("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n")
        #expect(upgrade.isUpgrade)
        #expect(try !request("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n").isUpgrade)
        #expect(try !request("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n").isUpgrade)
    }

    @Test func framingOfRequests() throws {
        #expect(try request("GET / HTTP/1.1\r\nHost: a\r\n\r\n").framing == .none)
        #expect(try request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").framing == .none)
        #expect(try request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 7\r\n\r\n").framing == .length(7))
        #expect(try request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n").framing == .chunked)
    }

    /// The ambiguities request smuggling is built on are refused, each with a reason.
    @Test func refusesAmbiguousOrMalformedRequests() {
        let cases: [(String, HTTPWireError.Kind, String)] = [
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", .malformed, "both"),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", .malformed, "conflicting"),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\n", .malformed, "conflicting"),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .malformed, "Content-Length"),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n", .malformed, "Content-Length"),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", .malformed, "Content-Length"),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .malformed, "after chunked"),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", .malformed, "does not end with chunked"),
            ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .malformed, "HTTP/1.0"),
            ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .malformed, "header field name"),
            ("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n", .malformed, "folding"),
            ("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\u{0}2\r\n\r\n", .malformed, "control character"),
            ("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r2\r\n\r\n", .malformed, "control character"),
            ("GET / HTTP/1.1\r\n\r\n", .malformed, "Host"),
            ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .malformed, "Host"),
            ("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", .malformed, "version"),
            ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .malformed, "request line"),
            ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .malformed, "method"),
            ("PRI * HTTP/2.0\r\n\r\n", .unsupportedVersion, "HTTP/2.0"),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\nContent-Length: 3\r\n\r\n", .malformed, "empty Transfer-Encoding"),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,\r\n\r\n", .malformed, "empty Transfer-Encoding"),
            ("GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "a: 1\r\n", count: 300) + "\r\n", .headTooLarge, "header fields"),
            ("GET / HTTP/1.1\r\nHost: a\r\nConnection: " + (1...40).map { "o\($0)" }.joined(separator: ",") + "\r\n\r\n", .malformed,
             "Connection options"),
            ("GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "a", count: 70_000) + "\r\n\r\n", .headTooLarge, "64"),
        ]
        for (text, kind, reason) in cases {
            let error = requestError(text)
            #expect(error?.kind == kind, "\(text.prefix(80).debugDescription)")
            #expect(error?.reason.contains(reason) == true, "\(String(describing: error)) should mention \(reason)")
        }
        #expect(HTTPWireError.malformed("x").status == .badRequest)
        #expect(HTTPWireError(kind: .headTooLarge, reason: "").status == .requestHeaderFieldsTooLarge)
        #expect(HTTPWireError(kind: .unsupportedVersion, reason: "").status == .httpVersionNotSupported)
    }

    /// An endless head is refused once it passes the limit, not buffered without bound.
    @Test func headWithoutEndIsRefusedAtTheLimit() {
        var buffer = ByteBuffer(string: "GET / HTTP/1.1\r\nX: ")
        var reader = HeadReader()
        var error: HTTPWireError?
        for _ in 0..<100 {
            buffer.writeString(String(repeating: "a", count: 1000))
            do { _ = try reader.readRequest(&buffer) } catch let caught {
                error = caught
                break
            }
        }
        #expect(error?.kind == .headTooLarge)
    }

    @Test func framingOfResponses() throws {
        #expect(try response("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n").framing == .length(12))
        #expect(try response("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", to: .HEAD).framing == .none)
        #expect(try response("HTTP/1.1 204 No Content\r\n\r\n").framing == .none)
        #expect(try response("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n").framing == .none)
        #expect(try response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").framing == .chunked)
        let unframed = try response("HTTP/1.1 200 OK\r\n\r\n")
        #expect(unframed.framing == .untilClose)
        #expect(!unframed.keepAlive)
        // Transfer-Encoding overrides Content-Length, and such a connection is not reused.
        let both = try response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n")
        #expect(both.framing == .chunked)
        #expect(!both.keepAlive)
        let old = try response("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n")
        #expect(!old.keepAlive)
        #expect(try response("HTTP/1.1 100 Continue\r\n\r\n").isInterim)
        #expect(try response("HTTP/1.1 204\r\n\r\n").status == 204)
        var buffer = ByteBuffer(string: "HTTP/1.1 2x0 OK\r\n\r\n")
        var reader = HeadReader()
        #expect(throws: HTTPWireError.self) { try reader.readResponse(&buffer, requestMethod: .GET) }
    }
}

@Suite struct HeaderRewritingTests {
    @Test func requestGetsForwardedHeadersAndLosesHopByHop() throws {
        let text = try forwarded(
            "GET /x HTTP/1.0\r\nHost: app.example\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\n"
                + "X-Secret: s\r\nProxy-Authorization: Basic x\r\nTE: trailers\r\nTrailer: X-T\r\n"
                + "X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-For: 10.0.0.2\r\nX-Forwarded-Proto: spoofed\r\n"
                + "X-Forwarded-Host: spoofed\r\nAccept: */*\r\n\r\n",
            scheme: "https")
        #expect(
            text
                == "GET /x HTTP/1.1\r\nHost: app.example\r\nTrailer: X-T\r\nAccept: */*\r\n"
                + "X-Forwarded-For: 10.0.0.1, 10.0.0.2, 127.0.0.9\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: app.example\r\n\r\n")
    }

    @Test func upgradeRequestKeepsUpgradeHeaders() throws {
        let text = try forwarded(
            "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n")
        #expect(
            text
                == "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n"
                + "X-Forwarded-For: 127.0.0.9\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: a\r\nConnection: upgrade\r\n\r\n")
    }

    @Test func responseFraming() throws {
        // Close-delimited upstream body to an HTTP/1.1 client: chunked by the proxy.
        var (text, plan) = try relayed("HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n")
        #expect(text == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(plan == .init(body: .rechunk, closeDelimited: false, close: false))

        // Chunked body to an HTTP/1.0 client: close-delimited instead.
        (text, plan) = try relayed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", clientMinor: 0)
        #expect(text == "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n")
        #expect(plan == .init(body: .dechunk, closeDelimited: true, close: true))

        // An HTTP/1.0 upstream's Transfer-Encoding cannot frame its body: it ends at close, and the
        // client sees one chunked coding, ours.
        (text, plan) = try relayed("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(text == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(plan.body == .rechunk)

        // HEAD: no chunked framing announced for a body that never comes.
        (text, _) = try relayed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", method: .HEAD)
        #expect(text == "HTTP/1.1 200 OK\r\n\r\n")

        // Content-Length passes; the client asked to close; hop-by-hop fields go.
        (text, plan) = try relayed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive\r\n\r\n", keepAlive: false)
        #expect(text == "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n")
        #expect(plan == .init(body: .forward, closeDelimited: false, close: true))

        // An HTTP/1.0 keep-alive client is told so explicitly.
        (text, _) = try relayed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", clientMinor: 0)
        #expect(text == "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n")

        // Transfer-Encoding with Content-Length: the length goes (RFC 9112 §6.3).
        (text, _) = try relayed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(text == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    }

    @Test func interimAndSwitchingResponses() throws {
        var out = ByteBuffer()
        HeaderRewriting.writeInterim(try response("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\nConnection: x\r\n\r\n"), into: &out)
        #expect(String(buffer: out) == "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n")
        out.clear()
        HeaderRewriting.writeSwitchingProtocols(
            try response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n"),
            into: &out)
        #expect(
            String(buffer: out)
                == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: x\r\nConnection: upgrade\r\n\r\n")
    }

    /// `Connection: content-length` must not strip the length of a body that is relayed as framed:
    /// the upstream would read that body as a second request.
    @Test func connectionCannotNameFramingFieldsOrHost() throws {
        let text = try forwarded(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: content-length, Host, transfer-encoding, x-a\r\nX-A: 1\r\n\r\n")
        #expect(text.hasPrefix("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-Forwarded-For: "), "\(text)")
        let chunked = try forwarded("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: Transfer-Encoding\r\n\r\n")
        #expect(chunked.contains("\r\nTransfer-Encoding: chunked\r\n"))
    }

    @Test func absoluteFormBecomesOriginFormAndHostIsAlwaysSent() throws {
        var text = try forwarded("GET http://user@App.example:8080?q=1 HTTP/1.1\r\nHost: other\r\n\r\n")
        #expect(text.hasPrefix("GET /?q=1 HTTP/1.1\r\nHost: App.example:8080\r\n"), "\(text)")
        #expect(text.contains("X-Forwarded-Host: App.example:8080\r\n"))
        #expect(!text.contains("other"))
        text = try forwarded("GET HTTPS://app.example/a/b HTTP/1.1\r\nHost: app.example\r\n\r\n")
        #expect(text.hasPrefix("GET /a/b HTTP/1.1\r\nHost: app.example\r\n"))
        // HTTP/1.0 without Host: an empty Host, as HTTP/1.1 asks when there is no authority.
        text = try forwarded("GET /x HTTP/1.0\r\n\r\n")
        #expect(text.hasPrefix("GET /x HTTP/1.1\r\nHost: \r\nX-Forwarded-For: "), "\(text)")
        #expect(!text.contains("X-Forwarded-Host"))
    }

    @Test func upgradeIsIgnoredOnHTTP10() throws {
        #expect(try !request("GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n").isUpgrade)
    }

    @Test func hopByHopNamesAreCaseInsensitive() throws {
        let head = try request("GET / HTTP/1.1\r\nHost: a\r\nCONNECTION: X-Mine\r\nProxy-Connection: x\r\nx-mine: 1\r\nTransfer-Encoding: chunked\r\nProxy: p\r\n\r\n")
        let hopByHop = head.headers.fields.map { head.headers.isHopByHop($0) }
        #expect(hopByHop == [false, true, true, true, false, false])
        // Trailer announces the trailers relayed with a chunked body: it is not hop-by-hop.
        let trailer = try request("POST / HTTP/1.1\r\nHost: a\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(!trailer.headers.isHopByHop(trailer.headers.fields[1]))
    }
}

@Suite struct BodyDecoderTests {
    static let chunked = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"

    @Test func lengthDelimited() throws {
        var result = try decode(.length(5), "helloGET /")
        #expect(result.body == "hello" && result.ended && result.left == "GET /")
        result = try decode(.length(5), "hel", step: 1)
        #expect(result.body == "hel" && !result.ended)
        #expect(BodyDecoder(framing: .none) == nil)
    }

    @Test func chunkedIsForwardedAsFramedWhateverTheSplit() throws {
        for step in [1, 2, 3, 7, 1000] {
            let result = try decode(.chunked, Self.chunked + "NEXT", step: step)
            #expect(result.body == Self.chunked, "step \(step)")
            #expect(result.ended)
            #expect(result.left == "NEXT")
        }
    }

    @Test func chunkedPayloadForHTTP10Clients() throws {
        for step in [1, 4, 1000] {
            let result = try decode(.chunked, Self.chunked, output: .payload, step: step)
            #expect(result.body == "hello world", "step \(step)")
            #expect(result.ended)
        }
    }

    @Test func untilCloseNeverEnds() throws {
        let result = try decode(.untilClose, "all of it")
        #expect(result.body == "all of it" && !result.ended)
    }

    @Test func refusesBrokenChunkFraming() {
        let cases = [
            ("x\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
            ("5\nhello\r\n0\r\n\r\n", "bare LF"),
            ("5\r\nhelloXX0\r\n\r\n", "CRLF"),
            ("5 x\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
            ("fffffffffffffffff\r\n", "too large"),
            (String(repeating: "1", count: 3) + ";" + String(repeating: "e", count: 5000) + "\r\n", "longer than"),
            ("0\r\nX: 1\rY\r\n\r\n", "bare CR"),
        ]
        for (wire, reason) in cases {
            for output in [BodyDecoder.Output.forward, .payload] {
                #expect {
                    _ = try decode(.chunked, wire, output: output, step: 3)
                } throws: { error in
                    (error as? HTTPWireError)?.reason.contains(reason) == true
                }
            }
        }
    }
}
