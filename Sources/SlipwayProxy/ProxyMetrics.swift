import NIOCore
import Synchronization

/// Why an upstream failed, as a label of `slipway_proxy_upstream_errors_total`.
enum UpstreamErrorKind: Int, CaseIterable {
    case connect = 0          // refused / unreachable
    case connectTimeout
    case responseTimeout
    case reset                // closed or errored before a response head
    case aborted              // closed or errored mid-response
    case retried              // stale pooled connection, request replayed

    var label: String {
        switch self {
        case .connect: "connect"
        case .connectTimeout: "connect_timeout"
        case .responseTimeout: "response_timeout"
        case .reset: "reset"
        case .aborted: "aborted"
        case .retried: "retried"
        }
    }
}

/// The counters of one colour as written by one event loop. Each loop writes only its own shard,
/// so the relaxed atomics below are never contended and no cache line bounces between cores on
/// the hot path; readers (`metrics()`, `inFlight`) add the shards up. The counters are stored
/// inline (not in arrays of boxes) to keep one shard's counters together in memory.
final class MetricsShard: Sendable {
    static let bucketBoundsNanos: [Int64] = ColourMetrics.bucketBounds.map { Int64($0 * 1e9) }

    private let inFlightCount = Atomic<Int>(0)
    private let s1 = Atomic<Int>(0), s2 = Atomic<Int>(0), s3 = Atomic<Int>(0), s4 = Atomic<Int>(0), s5 = Atomic<Int>(0)
    private let b0 = Atomic<Int>(0), b1 = Atomic<Int>(0), b2 = Atomic<Int>(0), b3 = Atomic<Int>(0)
    private let b4 = Atomic<Int>(0), b5 = Atomic<Int>(0), b6 = Atomic<Int>(0), b7 = Atomic<Int>(0)
    private let b8 = Atomic<Int>(0), b9 = Atomic<Int>(0), b10 = Atomic<Int>(0), bInf = Atomic<Int>(0)
    private let sumNanos = Atomic<Int>(0)
    private let e0 = Atomic<Int>(0), e1 = Atomic<Int>(0), e2 = Atomic<Int>(0)
    private let e3 = Atomic<Int>(0), e4 = Atomic<Int>(0), e5 = Atomic<Int>(0)

    var inFlight: Int { inFlightCount.load(ordering: .relaxed) }
    func requestStarted() { inFlightCount.wrappingAdd(1, ordering: .relaxed) }
    func requestEnded() { inFlightCount.wrappingSubtract(1, ordering: .relaxed) }

    /// `code / 100`, i.e. 1…5. (`Atomic` is non-copyable, hence a switch per operation.)
    func recordStatus(_ code: UInt) {
        switch Int(code / 100) {
        case 1: s1.wrappingAdd(1, ordering: .relaxed)
        case 2: s2.wrappingAdd(1, ordering: .relaxed)
        case 3: s3.wrappingAdd(1, ordering: .relaxed)
        case 4: s4.wrappingAdd(1, ordering: .relaxed)
        case 5: s5.wrappingAdd(1, ordering: .relaxed)
        default: break
        }
    }

    func recordDuration(nanos: Int64) {
        var index = 0
        let bounds = Self.bucketBoundsNanos
        while index < bounds.count && nanos > bounds[index] { index += 1 }
        switch index {
        case 0: b0.wrappingAdd(1, ordering: .relaxed)
        case 1: b1.wrappingAdd(1, ordering: .relaxed)
        case 2: b2.wrappingAdd(1, ordering: .relaxed)
        case 3: b3.wrappingAdd(1, ordering: .relaxed)
        case 4: b4.wrappingAdd(1, ordering: .relaxed)
        case 5: b5.wrappingAdd(1, ordering: .relaxed)
        case 6: b6.wrappingAdd(1, ordering: .relaxed)
        case 7: b7.wrappingAdd(1, ordering: .relaxed)
        case 8: b8.wrappingAdd(1, ordering: .relaxed)
        case 9: b9.wrappingAdd(1, ordering: .relaxed)
        case 10: b10.wrappingAdd(1, ordering: .relaxed)
        default: bInf.wrappingAdd(1, ordering: .relaxed)
        }
        sumNanos.wrappingAdd(Int(nanos), ordering: .relaxed)
    }

    func recordError(_ kind: UpstreamErrorKind) {
        switch kind {
        case .connect: e0.wrappingAdd(1, ordering: .relaxed)
        case .connectTimeout: e1.wrappingAdd(1, ordering: .relaxed)
        case .responseTimeout: e2.wrappingAdd(1, ordering: .relaxed)
        case .reset: e3.wrappingAdd(1, ordering: .relaxed)
        case .aborted: e4.wrappingAdd(1, ordering: .relaxed)
        case .retried: e5.wrappingAdd(1, ordering: .relaxed)
        }
    }

    func statusCount(_ statusClass: Int) -> Int {
        switch statusClass {
        case 1: s1.load(ordering: .relaxed)
        case 2: s2.load(ordering: .relaxed)
        case 3: s3.load(ordering: .relaxed)
        case 4: s4.load(ordering: .relaxed)
        case 5: s5.load(ordering: .relaxed)
        default: 0
        }
    }

    func bucketCount(_ index: Int) -> Int {
        switch index {
        case 0: b0.load(ordering: .relaxed)
        case 1: b1.load(ordering: .relaxed)
        case 2: b2.load(ordering: .relaxed)
        case 3: b3.load(ordering: .relaxed)
        case 4: b4.load(ordering: .relaxed)
        case 5: b5.load(ordering: .relaxed)
        case 6: b6.load(ordering: .relaxed)
        case 7: b7.load(ordering: .relaxed)
        case 8: b8.load(ordering: .relaxed)
        case 9: b9.load(ordering: .relaxed)
        case 10: b10.load(ordering: .relaxed)
        default: bInf.load(ordering: .relaxed)
        }
    }

    var durationSumNanos: Int { sumNanos.load(ordering: .relaxed) }

    func errorCount(_ kind: UpstreamErrorKind) -> Int {
        switch kind {
        case .connect: e0.load(ordering: .relaxed)
        case .connectTimeout: e1.load(ordering: .relaxed)
        case .responseTimeout: e2.load(ordering: .relaxed)
        case .reset: e3.load(ordering: .relaxed)
        case .aborted: e4.load(ordering: .relaxed)
        case .retried: e5.load(ordering: .relaxed)
        }
    }
}

/// Counters of one colour: one shard per event loop (see `MetricsShard`). Requests reach their
/// shard through the snapshot and their loop's pool index — no lookups or locks per request.
final class ColourMetrics: Sendable {
    static let bucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let shardCount = 8

    let colour: String
    private let shards: [MetricsShard] = (0..<shardCount).map { _ in MetricsShard() }

    init(colour: String) { self.colour = colour }

    @inline(__always) func shard(_ index: Int) -> MetricsShard { shards[index & (Self.shardCount - 1)] }

    var inFlight: Int { shards.reduce(0) { $0 + $1.inFlight } }
    func statusCount(_ statusClass: Int) -> Int { shards.reduce(0) { $0 + $1.statusCount(statusClass) } }
    func bucketCount(_ index: Int) -> Int { shards.reduce(0) { $0 + $1.bucketCount(index) } }
    var durationSumNanos: Int { shards.reduce(0) { $0 + $1.durationSumNanos } }
    func errorCount(_ kind: UpstreamErrorKind) -> Int { shards.reduce(0) { $0 + $1.errorCount(kind) } }
}

/// Registry of per-colour metrics and the Prometheus text rendering.
final class ProxyMetrics: Sendable {
    /// Local answers that belong to no colour: 503 without live upstreams, 400 on bad requests.
    let unrouted = ColourMetrics(colour: "none")
    /// Requests served from the asset directories.
    let assets = ColourMetrics(colour: "assets")
    private let colours = Mutex<[String: ColourMetrics]>([:])

    /// Get-or-create; called on `switchTo` and `inFlight(colour:)`, never per request.
    func colour(_ name: String) -> ColourMetrics {
        colours.withLock { table in
            if let existing = table[name] { return existing }
            let created = ColourMetrics(colour: name)
            table[name] = created
            return created
        }
    }

    func existingColour(_ name: String) -> ColourMetrics? {
        if name == unrouted.colour { return unrouted }
        if name == assets.colour { return assets }
        return colours.withLock { $0[name] }
    }

    /// Every colour's counters, live colours first (by name), then assets and unrouted answers.
    var all: [ColourMetrics] {
        var all = colours.withLock { Array($0.values) }
        all.sort { $0.colour < $1.colour }
        all.append(assets)
        all.append(unrouted)
        return all
    }

    func render() -> String { MetricsRenderer.render([("", all)]) }
}

/// Prometheus text exposition (version 0.0.4).
enum MetricsRenderer {
    /// `groups`: each proxy's colours, with the labels that tell the proxies apart (`environment="staging",`, or
    /// empty for one proxy alone). Each metric's HELP and TYPE appear once, as the format requires.
    static func render(_ groups: [(labels: String, colours: [ColourMetrics])]) -> String {
        let series = groups.flatMap { group in group.colours.map { (group.labels + "colour=\"\(escape($0.colour))\"", $0) } }
        var out = ""
        out += "# HELP slipway_proxy_requests_total Requests answered, by colour and status class.\n"
        out += "# TYPE slipway_proxy_requests_total counter\n"
        for (labels, c) in series {
            for statusClass in 1...5 {
                out += "slipway_proxy_requests_total{\(labels),code=\"\(statusClass)xx\"} \(c.statusCount(statusClass))\n"
            }
        }
        out += "# HELP slipway_proxy_request_duration_seconds Time from request head to response end.\n"
        out += "# TYPE slipway_proxy_request_duration_seconds histogram\n"
        for (labels, c) in series {
            var cumulative = 0
            for (i, bound) in ColourMetrics.bucketBounds.enumerated() {
                cumulative += c.bucketCount(i)
                out += "slipway_proxy_request_duration_seconds_bucket{\(labels),le=\"\(formatBound(bound))\"} \(cumulative)\n"
            }
            cumulative += c.bucketCount(ColourMetrics.bucketBounds.count)
            out += "slipway_proxy_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(cumulative)\n"
            out += "slipway_proxy_request_duration_seconds_sum{\(labels)} \(Double(c.durationSumNanos) / 1e9)\n"
            out += "slipway_proxy_request_duration_seconds_count{\(labels)} \(cumulative)\n"
        }
        out += "# HELP slipway_proxy_upstream_errors_total Upstream failures, by colour and kind.\n"
        out += "# TYPE slipway_proxy_upstream_errors_total counter\n"
        for (labels, c) in series {
            for kind in UpstreamErrorKind.allCases {
                out += "slipway_proxy_upstream_errors_total{\(labels),kind=\"\(kind.label)\"} \(c.errorCount(kind))\n"
            }
        }
        out += "# HELP slipway_proxy_requests_in_flight Requests currently being served, by colour.\n"
        out += "# TYPE slipway_proxy_requests_in_flight gauge\n"
        for (labels, c) in series {
            out += "slipway_proxy_requests_in_flight{\(labels)} \(c.inFlight)\n"
        }
        return out
    }

    static func formatBound(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for ch in value {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out
    }
}
