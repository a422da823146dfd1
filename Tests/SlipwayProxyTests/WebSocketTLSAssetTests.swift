import Foundation
import NIOCore
import Testing
@testable import SlipwayProxy

/// Minimal WebSocket server ("server" mode) and client ("client PORT" mode) on raw sockets.
/// The server sends a frame in the same packet as its 101 and echoes frames; the client sends
/// a frame right behind its handshake, so bytes buffered in both HTTP decoders are exercised.
let webSocketScript = #"""
import base64, hashlib, os, socket, struct, sys, threading
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
def accept_key(k): return base64.b64encode(hashlib.sha1((k + GUID).encode()).digest()).decode()
def frame(payload, mask):
    b = bytearray([0x81]); n = len(payload); m = 0x80 if mask else 0
    if n < 126: b.append(m | n)
    else: b.append(m | 126); b += struct.pack("!H", n)
    if mask:
        k = os.urandom(4); b += k; b += bytes(p ^ k[i % 4] for i, p in enumerate(payload))
    else: b += payload
    return bytes(b)
def read_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk: return None
        out += chunk
    return out
def read_frame(s):
    h = read_exact(s, 2)
    if h is None: return None
    n = h[1] & 0x7f
    if n == 126: n = struct.unpack("!H", read_exact(s, 2))[0]
    k = read_exact(s, 4) if h[1] & 0x80 else None
    p = read_exact(s, n)
    if k: p = bytes(c ^ k[i % 4] for i, c in enumerate(p))
    return p
def read_head(s):
    out = b""
    while not out.endswith(b"\r\n\r\n"):
        c = s.recv(1)
        if not c: raise SystemExit("eof in head")
        out += c
    return out.decode()
def header(head, name):
    for line in head.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"): return line.split(":", 1)[1].strip()
def serve(conn):
    head = read_head(conn)
    key = header(head, "Sec-WebSocket-Key")
    conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Accept: " + accept_key(key) + "\r\n\r\n").encode() + frame(b"hello", False))
    while True:
        p = read_frame(conn)
        if p is None:
            conn.shutdown(socket.SHUT_WR); conn.close(); return
        conn.sendall(frame(b"echo:" + p, False))
def exit_when_parent_goes():
    sys.stdin.read(); os._exit(0)
if sys.argv[1] == "server":
    threading.Thread(target=exit_when_parent_goes, daemon=True).start()
    ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0)); ls.listen(16)
    print(ls.getsockname()[1], flush=True)
    while True:
        c, _ = ls.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
else:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[2]))); s.settimeout(5)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /ws HTTP/1.1\r\nHost: app.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n").encode() + frame(b"early", True))
    head = read_head(s)
    assert head.startswith("HTTP/1.1 101"), head
    assert header(head, "Sec-WebSocket-Accept") == accept_key(key), head
    assert read_frame(s) == b"hello"
    assert read_frame(s) == b"echo:early"
    big = os.urandom(3000)
    s.sendall(frame(big, True))
    assert read_frame(s) == b"echo:" + big
    s.shutdown(socket.SHUT_WR)
    assert s.recv(10) == b"", "expected EOF after half-close"
    print("OK")
"""#

extension Integration {
    @Suite struct WebSocketAndTLS {
        @Test func webSocketUpgradeBecomesAByteStream() async throws {
            let directory = try makeTempDirectory()
            let script = directory + "/ws.py"
            try webSocketScript.write(toFile: script, atomically: true, encoding: .utf8)

            let helper = try await PythonHelper.start(script: script, arguments: ["server"])
            defer { helper.stop() }
            let upstreamPort = helper.port

            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([Upstream(host: "127.0.0.1", port: upstreamPort)], colour: "a")
            for _ in 0..<3 {
                let client = try await run(["python3", script, "client", String(proxy.port)])
                #expect(client.stdout == "OK\n", "\(client.stderr)")
            }
            let metrics = proxy.server.metrics()
            #expect(metricValue(metrics, #"slipway_proxy_requests_total{colour="a",code="1xx"}"#) == 3)
            #expect(proxy.server.inFlight(colour: "a") == 0)
            await proxy.stop()
        }

        @Test func servesHTTPSWithPEMFiles() async throws {
            let directory = try makeTempDirectory()
            let cert = directory + "/cert.pem", key = directory + "/key.pem"
            let made = try await run([
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-days", "2", "-keyout", key, "-out", cert,
            ])
            #expect(made.status == 0, "\(made.stderr)")
            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            var configuration = ProxyConfiguration()
            configuration.tls = TLSFiles(certificateChainPath: cert, privateKeyPath: key)
            let proxy = try await RunningProxy.start(configuration)
            proxy.server.switchTo([upstream.upstream], colour: "a")
            let url = "https://localhost:\(proxy.port)"
            let response = try await curl(url + "/headers", ["--cacert", cert])
            #expect(response.status == 200)
            #expect(response.body.contains("x-forwarded-proto: https"))
            // Keep-alive over TLS, and a streamed body.
            let result = try await run(["curl", "-sS", "--cacert", cert, "-w", "|%{http_code}\\n", url + "/colour", url + "/colour"])
            #expect(result.stdout == "a|200\na|200\n")
            let echoed = try await run(["curl", "-sS", "--cacert", cert, "--data-binary", "ping-over-tls", url + "/echo"])
            #expect(echoed.stdout == "ping-over-tls")
            // Plain HTTP to the TLS port fails cleanly.
            let plain = try await run(["curl", "-sS", "--max-time", "3", "http://127.0.0.1:\(proxy.port)/colour"])
            #expect(plain.status != 0)

            let broken = ProxyServer(
                configuration: ProxyConfiguration(tls: TLSFiles(certificateChainPath: directory + "/missing.pem", privateKeyPath: key)),
                group: testGroup)
            await #expect(throws: ProxyError.self) { try await broken.start() }
            await proxy.stop()
            await upstream.stop()
        }
    }

    @Suite struct Assets {
        @Test func servesAssetsSafelyFromOrderedRoots() async throws {
            let base = try makeTempDirectory()
            let fm = FileManager.default
            let newRoot = base + "/new", oldRoot = base + "/old"
            try fm.createDirectory(atPath: newRoot + "/css", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: oldRoot, withIntermediateDirectories: true)
            try "new".write(toFile: newRoot + "/app.js", atomically: true, encoding: .utf8)
            try "body{}".write(toFile: newRoot + "/css/site.css", atomically: true, encoding: .utf8)
            try "old".write(toFile: oldRoot + "/app.js", atomically: true, encoding: .utf8)
            try "legacy".write(toFile: oldRoot + "/legacy.txt", atomically: true, encoding: .utf8)
            try "TOP SECRET".write(toFile: base + "/secret.txt", atomically: true, encoding: .utf8)
            try fm.createSymbolicLink(atPath: newRoot + "/leak.txt", withDestinationPath: base + "/secret.txt")
            try fm.createSymbolicLink(atPath: newRoot + "/alias.css", withDestinationPath: newRoot + "/css/site.css")
            let big = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            try big.write(to: URL(fileURLWithPath: newRoot + "/big.bin"))

            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            var configuration = ProxyConfiguration()
            configuration.assets = AssetsRoute(prefix: "/static/")
            let proxy = try await RunningProxy.start(configuration)
            proxy.server.switchTo([upstream.upstream], colour: "a")
            proxy.server.setAssetRoots([newRoot, oldRoot])
            let s = proxy.base + "/static"

            let js = try await curl(s + "/app.js")
            #expect(js.status == 200 && js.body == "new")
            #expect(js.headers["content-type"] == "text/javascript; charset=utf-8")
            #expect(js.headers["content-length"] == "3")
            #expect(js.headers["last-modified"]?.hasSuffix(" GMT") == true)
            let etag = try #require(js.headers["etag"])

            let notModified = try await curl(s + "/app.js", ["-H", "If-None-Match: \(etag)"])
            #expect(notModified.status == 304 && notModified.body.isEmpty)
            #expect(notModified.headers["etag"] == etag)
            #expect(try await curl(s + "/app.js", ["-H", "If-None-Match: \"nope\""]).status == 200)

            #expect(try await curl(s + "/legacy.txt").body == "legacy")  // falls back to the previous image
            #expect(try await curl(s + "/css/site.css").headers["content-type"] == "text/css; charset=utf-8")
            #expect(try await curl(s + "/alias.css").status == 200)  // symlink inside the root is fine

            let head = try await run(["curl", "-sS", "-I", s + "/app.js"])
            #expect(head.stdout.contains("Content-Length: 3"))

            let requestsBefore = upstream.requests
            for path in ["/leak.txt", "/../secret.txt", "/%2e%2e/secret.txt", "/css/%2E%2E/%2e%2e/secret.txt", "/missing.js", "/css", "/.hidden"] {
                let response = try await curl(s + path, ["--path-as-is"])
                #expect(response.status == 404, "\(path)")
                #expect(!response.body.contains("SECRET"))
            }
            #expect(upstream.requests == requestsBefore, "asset misses must not be proxied")
            #expect(try await curl(s + "/app.js", ["-X", "POST", "-d", "x"]).status == 405)

            let download = try await run(["curl", "-sS", "-o", base + "/downloaded.bin", "-w", "%{http_code}", s + "/big.bin"])
            #expect(download.stdout == "200")
            #expect(try Data(contentsOf: URL(fileURLWithPath: base + "/downloaded.bin")) == big)

            // A new deploy swaps the roots.
            proxy.server.setAssetRoots([oldRoot])
            #expect(try await curl(s + "/app.js").body == "old")
            // Non-asset paths are still proxied.
            #expect(try await curl(proxy.base + "/colour").body == "a")
            #expect(metricValue(proxy.server.metrics(), #"slipway_proxy_requests_total{colour="assets",code="4xx"}"#) == 8)
            await proxy.stop()
            await upstream.stop()
        }
    }
}
