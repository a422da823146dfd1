import Foundation
import Synchronization

/// Counters and a histogram in Prometheus' text format, for `/metrics`: requests by route, method and status,
/// bytes in and out, and how long blob uploads take.
/// https://prometheus.io/docs/instrumenting/exposition_formats/
public final class RegistryMetrics: Sendable {
    private struct State {
        var requests: [String: Int] = [:]
        var bytesIn: Int64 = 0
        var bytesOut: Int64 = 0
        var uploadBuckets = [Int](repeating: 0, count: RegistryMetrics.uploadBounds.count)
        var uploadCount = 0
        var uploadSum: Double = 0
    }

    static let uploadBounds: [Double] = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300]
    private let state = Mutex(State())

    public init() {}

    public func recordRequest(route: String, method: String, status: Int, bytesIn: Int64, bytesOut: Int64) {
        state.withLock { state in
            state.requests["route=\"\(route)\",method=\"\(method)\",status=\"\(status)\"", default: 0] += 1
            state.bytesIn += bytesIn
            state.bytesOut += bytesOut
        }
    }

    public func recordUpload(seconds: Double) {
        state.withLock { state in
            for (index, bound) in Self.uploadBounds.enumerated() where seconds <= bound { state.uploadBuckets[index] += 1 }
            state.uploadCount += 1
            state.uploadSum += seconds
        }
    }

    /// The exposition text.
    public func render() -> String {
        let state = state.withLock { $0 }
        var out = "# HELP slipway_http_requests_total HTTP requests by route, method and status.\n"
        out += "# TYPE slipway_http_requests_total counter\n"
        for key in state.requests.keys.sorted() { out += "slipway_http_requests_total{\(key)} \(state.requests[key]!)\n" }
        out += "# HELP slipway_http_received_bytes_total Bytes received in request bodies.\n"
        out += "# TYPE slipway_http_received_bytes_total counter\nslipway_http_received_bytes_total \(state.bytesIn)\n"
        out += "# HELP slipway_http_sent_bytes_total Bytes sent in response bodies.\n"
        out += "# TYPE slipway_http_sent_bytes_total counter\nslipway_http_sent_bytes_total \(state.bytesOut)\n"
        out += "# HELP slipway_blob_upload_seconds Time from an upload's first byte to its verified commit.\n"
        out += "# TYPE slipway_blob_upload_seconds histogram\n"
        for (index, bound) in Self.uploadBounds.enumerated() {
            out += "slipway_blob_upload_seconds_bucket{le=\"\(bound)\"} \(state.uploadBuckets[index])\n"
        }
        out += "slipway_blob_upload_seconds_bucket{le=\"+Inf\"} \(state.uploadCount)\n"
        out += "slipway_blob_upload_seconds_sum \(state.uploadSum)\nslipway_blob_upload_seconds_count \(state.uploadCount)\n"
        return out
    }
}
