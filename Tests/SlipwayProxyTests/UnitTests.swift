import NIOCore
import NIOHTTP1
import Testing
@testable import SlipwayProxy

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
