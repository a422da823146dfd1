import Foundation

/// A CVSS specification version.
///
/// - v2: "A Complete Guide to the Common Vulnerability Scoring System Version 2.0" (FIRST, 2007).
/// - v3.0: "CVSS v3.0: Specification Document" (FIRST, 2015).
/// - v3.1: "CVSS v3.1: Specification Document" (FIRST, 2019).
/// - v4.0: "CVSS v4.0: Specification Document" (FIRST, 2023).
public enum CVSSVersion: String, Sendable, Codable {
    case v2 = "2.0"
    case v3_0 = "3.0"
    case v3_1 = "3.1"
    case v4_0 = "4.0"
}

/// The result of scoring one vector string.
public struct CVSSScore: Sendable, Equatable, Codable {
    /// The specification the vector was scored with.
    public var version: CVSSVersion
    /// The vector string as given (surrounding whitespace removed).
    public var vector: String
    /// The score, rounded to one decimal as the specification prescribes.
    ///
    /// For v2 and v3.x this is the *base* score: temporal and environmental metrics in the vector are validated
    /// but do not change it. For v4.0 it is the score of the whole vector as the FIRST reference calculator
    /// computes it, i.e. CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE depending on which threat and environmental
    /// metrics are present (v4.0 specification, section 1.3 "CVSS Nomenclature").
    public var baseScore: Double
    /// The qualitative severity rating of ``baseScore``.
    public var rating: SeverityRating

    public init(version: CVSSVersion, vector: String, baseScore: Double, rating: SeverityRating) {
        self.version = version
        self.vector = vector
        self.baseScore = baseScore
        self.rating = rating
    }
}

/// A vector string that cannot be scored: malformed, unknown or duplicate metric, invalid value, missing
/// mandatory metric or unsupported version. ``reason`` names the offending metric where there is one.
public struct CVSSError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The vector string that was rejected.
    public var vector: String
    /// Why it was rejected, e.g. `invalid value "Q" for metric "AV" (allowed: N, A, L, P)`.
    public var reason: String

    public init(vector: String, reason: String) {
        self.vector = vector
        self.reason = reason
    }

    public var description: String {
        "invalid CVSS vector \"\(vector)\": \(reason)"
    }
}

/// Entry point: scores CVSS v2, v3.0, v3.1 and v4.0 vector strings.
public enum CVSS {
    /// Scores a vector string.
    ///
    /// The version is detected from the prefix: `CVSS:3.0/`, `CVSS:3.1/` and `CVSS:4.0/` select v3.0, v3.1 and
    /// v4.0 (v3.1 specification section 6, v4.0 specification section 7 "Vector String"). A vector without a
    /// prefix is a v2 vector ("AV:N/AC:L/Au:N/C:P/I:P/A:P", v2 guide section 2.4 "Base, Temporal, Environmental
    /// Vectors"); for convenience an NVD-style parenthesised v2 vector and a `CVSS:2.0/` prefix are accepted too.
    ///
    /// Metrics may appear in any order. Unknown or duplicate metrics, invalid values and missing mandatory
    /// metrics are rejected with a ``CVSSError`` naming the metric.
    public static func score(_ vector: String) throws -> CVSSScore {
        let trimmed = vector.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw CVSSError(vector: vector, reason: "vector is empty")
        }
        if trimmed.hasPrefix("CVSS:") {
            guard let slash = trimmed.firstIndex(of: "/") else {
                throw CVSSError(vector: trimmed, reason: "no metrics after the \"\(trimmed)\" prefix")
            }
            let versionLabel = trimmed[trimmed.index(trimmed.startIndex, offsetBy: 5)..<slash]
            let body = trimmed[trimmed.index(after: slash)...]
            switch versionLabel {
            case "3.0":
                return try CVSS3.score(vector: trimmed, body: body, version: .v3_0)
            case "3.1":
                return try CVSS3.score(vector: trimmed, body: body, version: .v3_1)
            case "4.0":
                return try CVSS4.score(vector: trimmed, body: body)
            case "2.0":
                return try CVSS2.score(vector: trimmed, body: body)
            default:
                throw CVSSError(
                    vector: trimmed,
                    reason: "unsupported CVSS version \"\(versionLabel)\" (supported: CVSS:3.0/, CVSS:3.1/, "
                        + "CVSS:4.0/, or no prefix for CVSS v2)"
                )
            }
        }
        var body = Substring(trimmed)
        if body.hasPrefix("("), body.hasSuffix(")"), body.count >= 2 {
            body = body.dropFirst().dropLast()
        }
        return try CVSS2.score(vector: trimmed, body: body)
    }
}

// MARK: - Shared vector parsing

/// One metric a version's vector string may carry.
struct MetricDefinition: Sendable {
    var name: String
    /// Allowed values in specification order.
    var values: [String]
    var mandatory: Bool

    init(_ name: String, _ values: [String], mandatory: Bool = false) {
        self.name = name
        self.values = values
        self.mandatory = mandatory
    }
}

/// Splits `METRIC:VALUE/METRIC:VALUE/...` and validates it against a version's metric definitions.
enum VectorParser {
    /// Parses `body` (the vector without its `CVSS:x.y/` prefix).
    ///
    /// - Parameters:
    ///   - unknownMetricHint: extra text for an unknown metric's error (e.g. that v3 vectors need a prefix).
    /// - Returns: metric name to value, only for metrics present in the vector.
    static func parse(
        vector: String,
        body: Substring,
        definitions: [MetricDefinition],
        versionName: String,
        unknownMetricHint: (String) -> String? = { _ in nil }
    ) throws -> [String: String] {
        guard !body.isEmpty else {
            throw CVSSError(vector: vector, reason: "no metrics in \(versionName) vector")
        }
        var byName: [String: MetricDefinition] = [:]
        for definition in definitions {
            byName[definition.name] = definition
        }
        var metrics: [String: String] = [:]
        let fields = body.split(separator: "/", omittingEmptySubsequences: false)
        for (position, field) in fields.enumerated() {
            guard !field.isEmpty else {
                throw CVSSError(vector: vector, reason: "empty field at position \(position + 1) (stray \"/\")")
            }
            let parts = field.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw CVSSError(vector: vector, reason: "malformed field \"\(field)\", expected METRIC:VALUE")
            }
            let name = String(parts[0])
            let value = String(parts[1])
            guard let definition = byName[name] else {
                var reason = "unknown metric \"\(name)\" for \(versionName)"
                if let hint = unknownMetricHint(name) {
                    reason += " (\(hint))"
                }
                throw CVSSError(vector: vector, reason: reason)
            }
            guard metrics[name] == nil else {
                throw CVSSError(vector: vector, reason: "duplicate metric \"\(name)\"")
            }
            guard definition.values.contains(value) else {
                let allowed = definition.values.joined(separator: ", ")
                throw CVSSError(
                    vector: vector,
                    reason: "invalid value \"\(value)\" for metric \"\(name)\" (allowed: \(allowed))"
                )
            }
            metrics[name] = value
        }
        let missing = definitions.filter { $0.mandatory && metrics[$0.name] == nil }.map(\.name)
        if !missing.isEmpty {
            let list = missing.map { "\"\($0)\"" }.joined(separator: ", ")
            let noun = missing.count == 1 ? "metric" : "metrics"
            throw CVSSError(vector: vector, reason: "missing mandatory \(versionName) base \(noun) \(list)")
        }
        return metrics
    }
}

// MARK: - Shared rounding

enum Rounding {
    /// Rounds `value` to one decimal place, halves away from zero, deciding on the *exact* binary value of
    /// `value` (as Python's `Decimal(x).quantize(Decimal("0.1"), ROUND_HALF_UP)` does), not on `value * 10`,
    /// which can itself be rounded across a tie. Intended for non-negative scores.
    static func halfUpOneDecimal(_ value: Double) -> Double {
        guard value.isFinite else { return value }
        var tenths = (value * 10).rounded(.toNearestOrAwayFromZero)
        // Exact sign of value*10 - boundary via a fused multiply-add (single rounding preserves the sign).
        while tenths > 0, (-(tenths - 0.5)).addingProduct(value, 10) < 0 {
            tenths -= 1
        }
        while (-(tenths + 0.5)).addingProduct(value, 10) >= 0 {
            tenths += 1
        }
        return tenths / 10
    }
}
