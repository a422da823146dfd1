import NIOCore
import NIOHTTP1
import Testing
@testable import SlipwayProxy

@Suite struct HeaderRewritingTests {
    @Test func requestGetsForwardedHeadersAndLosesHopByHop() {
        var head = HTTPRequestHead(version: .http1_0, method: .GET, uri: "/x")
        head.headers.add(name: "Host", value: "app.example")
        head.headers.add(name: "Connection", value: "keep-alive, X-Secret")
        head.headers.add(name: "Keep-Alive", value: "timeout=5")
        head.headers.add(name: "X-Secret", value: "s")
        head.headers.add(name: "Proxy-Authorization", value: "Basic x")
        head.headers.add(name: "TE", value: "trailers")
        head.headers.add(name: "Trailer", value: "X-T")
        head.headers.add(name: "X-Forwarded-For", value: "10.0.0.1")
        head.headers.add(name: "X-Forwarded-For", value: "10.0.0.2")
        head.headers.add(name: "X-Forwarded-Proto", value: "spoofed")
        head.headers.add(name: "Accept", value: "*/*")
        HeaderRewriting.rewriteRequest(&head, clientAddress: "127.0.0.9", scheme: "https", isUpgrade: false)
        #expect(head.version == .http1_1)
        for name in ["connection", "keep-alive", "x-secret", "proxy-authorization", "te", "trailer"] {
            #expect(!head.headers.contains(name: name), "\(name) should be removed")
        }
        #expect(head.headers["X-Forwarded-For"] == ["10.0.0.1, 10.0.0.2, 127.0.0.9"])
        #expect(head.headers["X-Forwarded-Proto"] == ["https"])
        #expect(head.headers["X-Forwarded-Host"] == ["app.example"])
        #expect(head.headers["Accept"] == ["*/*"])
    }

    @Test func upgradeRequestKeepsUpgradeHeaders() {
        var headers = HTTPHeaders([("Connection", "keep-alive, Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Key", "k")])
        #expect(HeaderRewriting.isUpgradeRequest(headers))
        HeaderRewriting.removeHopByHop(&headers, keepUpgrade: true)
        #expect(headers["Upgrade"] == ["websocket"])
        #expect(headers["Connection"] == ["upgrade"])
        #expect(headers["Sec-WebSocket-Key"] == ["k"])
        #expect(!HeaderRewriting.isUpgradeRequest(HTTPHeaders([("Upgrade", "websocket")])))
        #expect(!HeaderRewriting.isUpgradeRequest(HTTPHeaders([("Connection", "upgrade")])))
    }

    @Test func unchangedHeadersAreNotRebuilt() {
        var headers = HTTPHeaders([("Content-Type", "text/plain"), ("Content-Length", "3")])
        HeaderRewriting.removeHopByHop(&headers)
        #expect(headers == HTTPHeaders([("Content-Type", "text/plain"), ("Content-Length", "3")]))
    }

    @Test func responseFraming() {
        // Close-delimited upstream body to an HTTP/1.1 client: re-framed as chunked.
        var head = HTTPResponseHead(version: .http1_0, status: .ok, headers: ["Connection": "close"])
        var plan = HeaderRewriting.rewriteResponse(&head, requestMethod: .GET, clientVersion: .http1_1, keepAlive: true)
        #expect(head.headers["Transfer-Encoding"] == ["chunked"])
        #expect(!head.headers.contains(name: "connection"))
        #expect(plan.closeDelimited == false)

        // Chunked body to an HTTP/1.0 client: close-delimited instead.
        head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Transfer-Encoding": "chunked"])
        plan = HeaderRewriting.rewriteResponse(&head, requestMethod: .GET, clientVersion: .http1_0, keepAlive: true)
        #expect(!head.headers.contains(name: "transfer-encoding"))
        #expect(plan.closeDelimited)
        #expect(head.headers["Connection"] == ["close"])

        // HEAD: no chunked terminator may be written.
        head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Transfer-Encoding": "chunked"])
        _ = HeaderRewriting.rewriteResponse(&head, requestMethod: .HEAD, clientVersion: .http1_1, keepAlive: true)
        #expect(!head.headers.contains(name: "transfer-encoding"))

        // Content-Length passes; client asked to close.
        head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Content-Length": "3", "Keep-Alive": "timeout=5"])
        plan = HeaderRewriting.rewriteResponse(&head, requestMethod: .GET, clientVersion: .http1_1, keepAlive: false)
        #expect(head.headers["Content-Length"] == ["3"])
        #expect(head.headers["Connection"] == ["close"])
        #expect(!head.headers.contains(name: "keep-alive"))

        // HTTP/1.0 keep-alive client is told so explicitly.
        head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Content-Length": "3"])
        _ = HeaderRewriting.rewriteResponse(&head, requestMethod: .GET, clientVersion: .http1_0, keepAlive: true)
        #expect(head.headers["Connection"] == ["keep-alive"])
        #expect(head.version == .http1_0)
    }

    @Test func caseInsensitiveHelpers() {
        #expect(HeaderRewriting.isHopByHop("CONNECTION"))
        #expect(HeaderRewriting.isHopByHop("Proxy-Connection"))
        #expect(HeaderRewriting.isHopByHop("te"))
        #expect(!HeaderRewriting.isHopByHop("Transfer-Encoding"))
        #expect(!HeaderRewriting.isHopByHop("Content-Type"))
        #expect(!HeaderRewriting.isHopByHop("proxy"))
        #expect(!HeaderRewriting.equalsIgnoringCase("[", "{"))
    }
}

@Suite struct RoundRobinTests {
    @Test func rotatesFromStart() {
        #expect(RoundRobin.pick(count: 3, start: 0, excluded: 0) { _ in false } == 0)
        #expect(RoundRobin.pick(count: 3, start: 4, excluded: 0) { _ in false } == 1)
        #expect(RoundRobin.pick(count: 0, start: 0, excluded: 0) { _ in false } == nil)
    }

    @Test func skipsDownAndExcluded() {
        #expect(RoundRobin.pick(count: 3, start: 0, excluded: 0) { $0 == 0 } == 1)
        #expect(RoundRobin.pick(count: 3, start: 0, excluded: 0b010) { $0 == 0 } == 2)
        // All remaining are down: still try one rather than fail.
        #expect(RoundRobin.pick(count: 3, start: 1, excluded: 0b001) { _ in true } == 1)
        // Everything excluded.
        #expect(RoundRobin.pick(count: 2, start: 0, excluded: 0b11) { _ in false } == nil)
    }

    @Test func snapshotCursorDistributesEvenly() {
        let metrics = ColourMetrics(colour: "a")
        let servers = (0..<3).map { UpstreamState(upstream: Upstream(host: "127.0.0.1", port: 1000 + $0)) }
        let snapshot = UpstreamSnapshot(colour: "a", servers: servers, metrics: metrics)
        var counts = [0, 0, 0]
        for start in 0..<300 {
            counts[snapshot.pick(start: start, excluded: 0, now: .now())!] += 1
        }
        #expect(counts == [100, 100, 100])
        servers[1].markDown(until: .now() + .seconds(5))
        #expect(servers[1].isDown(now: .now()))
        #expect(!servers[1].isDown(now: .now() + .seconds(6)))
        for start in 0..<30 { #expect(snapshot.pick(start: start, excluded: 0, now: .now()) != 1) }
        #expect(servers[0].address != nil)
        #expect(UpstreamState(upstream: Upstream(host: "app-a-1", port: 80)).address == nil)
    }
}

@Suite struct RetryPolicyTests {
    @Test func onlyIdempotentReplayableRequestsOnReusedConnections() {
        func may(_ m: HTTPMethod, reused: Bool = true, replayable: Bool = true, started: Bool = false, retried: Bool = false) -> Bool {
            RetryPolicy.mayRetryOnFreshConnection(
                method: m, connectionWasReused: reused, bodyReplayable: replayable, responseStarted: started, alreadyRetried: retried)
        }
        for m in [HTTPMethod.GET, .HEAD, .OPTIONS, .PUT, .DELETE] { #expect(may(m), "\(m)") }
        #expect(!may(.POST))
        #expect(!may(.PATCH))
        #expect(!may(.GET, reused: false))
        #expect(!may(.PUT, replayable: false))
        #expect(!may(.GET, started: true))
        #expect(!may(.GET, retried: true))
    }
}

@Suite struct AssetPathTests {
    @Test func normalisation() {
        #expect(AssetPath.segments(uri: "/static/app.js", prefix: "/static/") == ["app.js"])
        #expect(AssetPath.segments(uri: "/static/css//./site.css?v=3#x", prefix: "/static/") == ["css", "site.css"])
        #expect(AssetPath.segments(uri: "/static/a%20b.txt", prefix: "/static/") == ["a b.txt"])
        #expect(AssetPath.segments(uri: "/static/../etc/passwd", prefix: "/static/") == nil)
        #expect(AssetPath.segments(uri: "/static/%2e%2e/etc/passwd", prefix: "/static/") == nil)
        #expect(AssetPath.segments(uri: "/static/%2E%2E%2Fetc%2Fpasswd", prefix: "/static/") == nil)
        #expect(AssetPath.segments(uri: "/static/x/..", prefix: "/static/") == nil)
        #expect(AssetPath.segments(uri: "/static/.env", prefix: "/static/") == nil)
        #expect(AssetPath.segments(uri: "/static/a%00b", prefix: "/static/") == nil)
        #expect(AssetPath.segments(uri: "/static/a\\..\\b", prefix: "/static/") == nil)
        #expect(AssetPath.segments(uri: "/static/%zz", prefix: "/static/") == nil)
        #expect(AssetPath.segments(uri: "/static/", prefix: "/static/") == nil)
        #expect(AssetPath.segments(uri: "/other/app.js", prefix: "/static/") == nil)
    }

    @Test func contentTypes() {
        #expect(AssetPath.contentType(forPath: "/x/app.JS") == "text/javascript; charset=utf-8")
        #expect(AssetPath.contentType(forPath: "/x/site.css") == "text/css; charset=utf-8")
        #expect(AssetPath.contentType(forPath: "/x/logo.svg") == "image/svg+xml")
        #expect(AssetPath.contentType(forPath: "/x.d/README") == "application/octet-stream")
    }

    @Test func validators() {
        let tag = AssetPath.etag(size: 255, modifiedNanos: 4096)
        #expect(tag == "\"ff-1000\"")
        #expect(AssetPath.ifNoneMatch(tag, matches: tag))
        #expect(AssetPath.ifNoneMatch("\"other\", W/\(tag)", matches: tag))
        #expect(AssetPath.ifNoneMatch("*", matches: tag))
        #expect(!AssetPath.ifNoneMatch("\"other\"", matches: tag))
        #expect(AssetPath.httpDate(epochSeconds: 784111777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    }
}

@Suite struct MetricsTests {
    @Test func rendersCountersAndCumulativeHistogram() {
        let metrics = ProxyMetrics()
        let a = metrics.colour("a").shard(0)
        let a1 = metrics.colour("a").shard(1)
        a1.recordStatus(200)
        a.recordStatus(204)
        a1.requestStarted()
        a1.requestEnded()
        a.recordStatus(502)
        a.recordDuration(nanos: 3_000_000)  // 3 ms → le 0.005
        a.recordDuration(nanos: 300_000_000)  // 300 ms → le 0.5
        a.recordDuration(nanos: 20_000_000_000)  // 20 s → +Inf only
        a.recordError(.connect)
        a.requestStarted()
        let text = metrics.render()
        #expect(metricValue(text, #"slipway_proxy_requests_total{colour="a",code="2xx"}"#) == 2)
        #expect(metricValue(text, #"slipway_proxy_requests_total{colour="a",code="5xx"}"#) == 1)
        #expect(metricValue(text, #"slipway_proxy_request_duration_seconds_bucket{colour="a",le="0.005"}"#) == 1)
        #expect(metricValue(text, #"slipway_proxy_request_duration_seconds_bucket{colour="a",le="0.25"}"#) == 1)
        #expect(metricValue(text, #"slipway_proxy_request_duration_seconds_bucket{colour="a",le="0.5"}"#) == 2)
        #expect(metricValue(text, #"slipway_proxy_request_duration_seconds_bucket{colour="a",le="10"}"#) == 2)
        #expect(metricValue(text, #"slipway_proxy_request_duration_seconds_bucket{colour="a",le="+Inf"}"#) == 3)
        #expect(metricValue(text, #"slipway_proxy_request_duration_seconds_count{colour="a"}"#) == 3)
        #expect(metricValue(text, #"slipway_proxy_upstream_errors_total{colour="a",kind="connect"}"#) == 1)
        #expect(metricValue(text, #"slipway_proxy_requests_in_flight{colour="a"}"#) == 1)
        #expect(text.contains("# TYPE slipway_proxy_request_duration_seconds histogram"))
        #expect(MetricsRenderer.escape("a\"b") == "a\\\"b")
    }
}
