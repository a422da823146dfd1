import NIOCore
import Synchronization

/// A single relaxed atomic counter. A class so counters can live in arrays (`Atomic` is
/// non-copyable); the extra indirection is cheaper than any lock.
final class Counter: Sendable {
    private let storage = Atomic<Int>(0)
    @inline(__always) func add(_ n: Int = 1) { storage.wrappingAdd(n, ordering: .relaxed) }
    var value: Int { storage.load(ordering: .relaxed) }
}

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

/// Counters of one colour. Every request touches only atomics of its own colour object, which
/// it gets from the snapshot — no dictionary lookups or locks on the hot path.
final class ColourMetrics: Sendable {
    static let bucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let bucketBoundsNanos: [Int64] = bucketBounds.map { Int64($0 * 1e9) }

    let colour: String
    private let inFlightCount = Atomic<Int>(0)
    /// Index 0 = 1xx … 4 = 5xx.
    let statusClasses: [Counter] = (0..<5).map { _ in Counter() }
    /// Non-cumulative; the last one is +Inf.
    let buckets: [Counter] = (0...bucketBounds.count).map { _ in Counter() }
    let durationSumNanos = Counter()
    let upstreamErrors: [Counter] = UpstreamErrorKind.allCases.map { _ in Counter() }

    init(colour: String) { self.colour = colour }

    var inFlight: Int { inFlightCount.load(ordering: .relaxed) }
    func requestStarted() { inFlightCount.wrappingAdd(1, ordering: .relaxed) }
    func requestEnded() { inFlightCount.wrappingSubtract(1, ordering: .relaxed) }

    func recordStatus(_ code: UInt) {
        let index = Int(code / 100) - 1
        if index >= 0 && index < 5 { statusClasses[index].add() }
    }

    func recordDuration(nanos: Int64) {
        var index = 0
        let bounds = Self.bucketBoundsNanos
        while index < bounds.count && nanos > bounds[index] { index += 1 }
        buckets[index].add()
        durationSumNanos.add(Int(nanos))
    }

    func recordError(_ kind: UpstreamErrorKind) { upstreamErrors[kind.rawValue].add() }
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

    func render() -> String {
        var all = colours.withLock { Array($0.values) }
        all.sort { $0.colour < $1.colour }
        all.append(assets)
        all.append(unrouted)
        return MetricsRenderer.render(all)
    }
}

/// Prometheus text exposition (version 0.0.4).
enum MetricsRenderer {
    static func render(_ colours: [ColourMetrics]) -> String {
        var out = ""
        out += "# HELP slipway_proxy_requests_total Requests answered, by colour and status class.\n"
        out += "# TYPE slipway_proxy_requests_total counter\n"
        for c in colours {
            for (i, counter) in c.statusClasses.enumerated() {
                out += "slipway_proxy_requests_total{colour=\"\(escape(c.colour))\",code=\"\(i + 1)xx\"} \(counter.value)\n"
            }
        }
        out += "# HELP slipway_proxy_request_duration_seconds Time from request head to response end.\n"
        out += "# TYPE slipway_proxy_request_duration_seconds histogram\n"
        for c in colours {
            let label = escape(c.colour)
            var cumulative = 0
            for (i, bound) in ColourMetrics.bucketBounds.enumerated() {
                cumulative += c.buckets[i].value
                out += "slipway_proxy_request_duration_seconds_bucket{colour=\"\(label)\",le=\"\(formatBound(bound))\"} \(cumulative)\n"
            }
            cumulative += c.buckets[ColourMetrics.bucketBounds.count].value
            out += "slipway_proxy_request_duration_seconds_bucket{colour=\"\(label)\",le=\"+Inf\"} \(cumulative)\n"
            out += "slipway_proxy_request_duration_seconds_sum{colour=\"\(label)\"} \(Double(c.durationSumNanos.value) / 1e9)\n"
            out += "slipway_proxy_request_duration_seconds_count{colour=\"\(label)\"} \(cumulative)\n"
        }
        out += "# HELP slipway_proxy_upstream_errors_total Upstream failures, by colour and kind.\n"
        out += "# TYPE slipway_proxy_upstream_errors_total counter\n"
        for c in colours {
            for kind in UpstreamErrorKind.allCases {
                out += "slipway_proxy_upstream_errors_total{colour=\"\(escape(c.colour))\",kind=\"\(kind.label)\"} \(c.upstreamErrors[kind.rawValue].value)\n"
            }
        }
        out += "# HELP slipway_proxy_requests_in_flight Requests currently being served, by colour.\n"
        out += "# TYPE slipway_proxy_requests_in_flight gauge\n"
        for c in colours {
            out += "slipway_proxy_requests_in_flight{colour=\"\(escape(c.colour))\"} \(c.inFlight)\n"
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
