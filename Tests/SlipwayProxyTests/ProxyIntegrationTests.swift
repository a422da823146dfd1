import Foundation
import NIOCore
import Synchronization
import Testing
@testable import SlipwayProxy

/// Real sockets on 127.0.0.1. Serialized: they share two cores and some measure memory.
@Suite(.serialized) struct Integration {}

extension Integration {
    @Suite struct Proxying {
        @Test func forwardsWithHeadersAndPoolsUpstreamConnections() async throws {
            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([upstream.upstream], colour: "a")
            #expect(proxy.server.live?.colour == "a")
            #expect(proxy.server.live?.upstreams == [upstream.upstream])

            let response = try await curl(proxy.base + "/headers", [
                "-H", "Host: app.example", "-H", "X-Forwarded-For: 10.1.2.3",
                "-H", "Connection: keep-alive, X-Drop-Me", "-H", "X-Drop-Me: 1", "-H", "Proxy-Authorization: x",
            ])
            #expect(response.status == 200)
            let lines = Set(response.body.split(separator: "\n").map(String.init))
            #expect(lines.contains("x-forwarded-for: 10.1.2.3, 127.0.0.1"))
            #expect(lines.contains("x-forwarded-proto: http"))
            #expect(lines.contains("x-forwarded-host: app.example"))
            #expect(lines.contains("host: app.example"))
            #expect(!lines.contains { $0.hasPrefix("x-drop-me") || $0.hasPrefix("proxy-authorization") || $0.hasPrefix("connection") })
            // Hop-by-hop response headers from the upstream do not reach the client.
            #expect(response.headers["x-upstream"] == "a")
            #expect(response.headers["keep-alive"] == nil)
            #expect(response.headers["x-private-hop"] == nil)

            // 40 requests over one client connection: the upstream connection is reused.
            let before = upstream.connections
            let urls = Array(repeating: proxy.base + "/colour", count: 40)
            let many = try await run(["curl", "-sS", "-w", "|%{http_code}\\n"] + urls)
            #expect(many.stdout.split(separator: "\n") == Array(repeating: "a|200", count: 40))
            #expect(upstream.connections - before <= 1)
            #expect(upstream.requests >= 41)

            // HEAD of a chunked response and a chunked response body.
            let chunked = try await curl(proxy.base + "/chunked")
            #expect(chunked.body == "one two three")
            let head = try await run(["curl", "-sS", "-I", "--max-time", "5", proxy.base + "/chunked"])
            #expect(head.status == 0 && head.stdout.hasPrefix("HTTP/1.1 200"))
            await proxy.stop()
            await upstream.stop()
        }

        @Test func discardsPooledConnectionsTheUpstreamClosed() async throws {
            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([upstream.upstream], colour: "a")
            // The upstream advertises keep-alive but closes after every response.
            let urls = Array(repeating: proxy.base + "/close-after", count: 20)
            let result = try await run(["curl", "-sS", "-w", "|%{http_code}\\n"] + urls)
            #expect(result.stdout.split(separator: "\n") == Array(repeating: "bye|200", count: 20))
            #expect(upstream.connections == 20)
            await proxy.stop()
            await upstream.stop()
        }

        @Test func retriesIdempotentRequestsOnlyAfterStaleReuse() async throws {
            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([upstream.upstream], colour: "a")
            // One client connection → one event loop → one pool. The upstream closes without an
            // answer on the 2nd request of each of its connections.
            let result = try await run([
                "curl", "-sS", "-w", "|%{http_code}\\n",
                proxy.base + "/drop-second",  // fresh connection: 200, pooled
                "--next", "-sS", "-w", "|%{http_code}\\n", proxy.base + "/drop-second",  // reused → dropped → GET retried fresh: 200
                "--next", "-sS", "-w", "|%{http_code}\\n", "-X", "POST", "-d", "x=1", proxy.base + "/drop-second",  // reused → dropped → POST: 502
            ])
            let codes = result.stdout.split(separator: "\n").filter { $0.contains("|") }.map { String($0.split(separator: "|").last!) }
            #expect(codes == ["200", "200", "502"])
            let metrics = proxy.server.metrics()
            #expect(metricValue(metrics, #"slipway_proxy_upstream_errors_total{colour="a",kind="retried"}"#) == 1)
            #expect(metricValue(metrics, #"slipway_proxy_upstream_errors_total{colour="a",kind="reset"}"#) == 1)
            await proxy.stop()
            await upstream.stop()
        }

        @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
            let a = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([a.upstream], colour: "a")
            let request = "GET /slow?ms=50 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /colour HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            let text = try await rawExchange(port: proxy.port, send: request)
            let statuses = text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { $0.prefix(3) }
            #expect(statuses == ["200", "200", "200"])
            let slow = text.range(of: "slow")!, count = text.range(of: "\r\n\r\n5")!, colour = text.range(of: "\r\n\r\na")!
            #expect(slow.lowerBound < count.lowerBound && count.lowerBound < colour.lowerBound)

            // Pipelined requests followed by a half-close are all answered, then the proxy closes.
            let halfClosed = try await rawExchange(
                port: proxy.port,
                send: "GET /slow?ms=50 HTTP/1.1\r\nHost: x\r\n\r\nGET /colour HTTP/1.1\r\nHost: x\r\n\r\n",
                halfClose: true
            )
            #expect(halfClosed.components(separatedBy: "HTTP/1.1 200").count == 3, "\(halfClosed)")
            #expect(halfClosed.hasSuffix("\r\n\r\na"))
            await proxy.stop()
            await a.stop()
        }
    }

    @Suite struct Failures {
        @Test func statusCodesWhenUpstreamsFail() async throws {
            let errors = ErrorLog()
            let proxy = try await RunningProxy.start(ProxyConfiguration(responseTimeout: .milliseconds(300)))
            proxy.server.onError = errors.hook

            // No live upstreams: 503.
            #expect(try await curl(proxy.base + "/colour").status == 503)

            // Only a dead upstream: 502 with a short text body.
            let dead = try await deadPort()
            proxy.server.switchTo([Upstream(host: "127.0.0.1", port: dead)], colour: "a")
            let bad = try await curl(proxy.base + "/colour")
            #expect(bad.status == 502)
            #expect(bad.body.hasPrefix("bad gateway"))
            #expect(errors.all.contains { $0.contains("127.0.0.1:\(dead)") && $0.contains("connect failed") })

            // Dead + live: every request succeeds (failover, then the dead one is skipped).
            let live = try await TestUpstream.start(name: "b", group: testGroup)
            let dead2 = try await deadPort()
            proxy.server.switchTo([Upstream(host: "127.0.0.1", port: dead2), live.upstream], colour: "b")
            let urls = Array(repeating: proxy.base + "/colour", count: 10)
            let result = try await run(["curl", "-sS", "-w", " %{http_code}\\n"] + urls)
            #expect(result.stdout.split(separator: "\n") == Array(repeating: "b 200", count: 10))
            let refused = metricValue(proxy.server.metrics(), #"slipway_proxy_upstream_errors_total{colour="b",kind="connect"}"#)
            #expect(refused == 1)  // marked down after the first refusal

            // No response head in time: 504.
            let started = ContinuousClock.now
            let hang = try await curl(proxy.base + "/hang")
            #expect(hang.status == 504)
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(metricValue(proxy.server.metrics(), #"slipway_proxy_upstream_errors_total{colour="b",kind="response_timeout"}"#) == 1)
            let metrics = proxy.server.metrics()
            #expect(metricValue(metrics, #"slipway_proxy_requests_total{colour="none",code="5xx"}"#) == 1)
            #expect(metricValue(metrics, #"slipway_proxy_requests_total{colour="a",code="5xx"}"#) == 1)
            #expect(metricValue(metrics, #"slipway_proxy_requests_total{colour="b",code="2xx"}"#) == 10)
            #expect(metricValue(metrics, #"slipway_proxy_requests_total{colour="b",code="5xx"}"#) == 1)
            #expect(proxy.server.inFlight(colour: "b") == 0)
            await proxy.stop()
            await live.stop()
        }

        @Test func connectTimeoutFailsOverAndMarksDown() async throws {
            let directory = try makeTempDirectory()
            try blackholeScript.write(toFile: directory + "/blackhole.py", atomically: true, encoding: .utf8)
            let blackhole = try await PythonHelper.start(script: directory + "/blackhole.py", arguments: [])
            defer { blackhole.stop() }
            let live = try await TestUpstream.start(name: "c", group: testGroup)
            let proxy = try await RunningProxy.start(ProxyConfiguration(connectTimeout: .milliseconds(300)))
            proxy.server.switchTo([Upstream(host: "127.0.0.1", port: blackhole.port), live.upstream], colour: "c")

            let started = ContinuousClock.now
            let urls = Array(repeating: proxy.base + "/colour", count: 6)
            let result = try await run(["curl", "-sS", "-w", "|%{http_code}\\n"] + urls)
            #expect(result.stdout.split(separator: "\n") == Array(repeating: "c|200", count: 6))
            // Only the first request waited for the timeout; then the server was skipped.
            #expect(ContinuousClock.now - started < .milliseconds(1500))
            let metrics = proxy.server.metrics()
            #expect(metricValue(metrics, #"slipway_proxy_upstream_errors_total{colour="c",kind="connect_timeout"}"#) == 1)
            await proxy.stop()
            await live.stop()
        }

        /// A port that refuses connections (bound, then closed).
        func deadPort() async throws -> Int {
            let upstream = try await TestUpstream.start(name: "x", group: testGroup)
            let port = upstream.port
            await upstream.stop()
            return port
        }
    }
}
