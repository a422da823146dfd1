import Foundation

/// CVSS v3.0 and v3.1 base score, as defined in the FIRST "CVSS v3.1: Specification Document" section 7.1 "Base
/// Metrics Equations" (identical equations in the v3.0 document, section 8.1).
///
/// The only difference between 3.0 and 3.1 that affects the *base* score is the `Roundup` function: v3.0
/// section 8.1 defines it as "the smallest number, specified to one decimal place, that is equal to or higher
/// than its input" (the 3.0 reference calculator computes `ceil(x * 10) / 10` in binary floating point), while
/// v3.1 Appendix A defines an integer-based `Roundup` that is immune to floating-point artefacts such as
/// `Roundup(4.000000000000001)`. Both are implemented exactly. (The other 3.0/3.1 difference, the modified impact
/// exponent, only affects the environmental score.)
///
/// Temporal (E, RL, RC; section 3) and environmental (CR, IR, AR, MAV, …; section 4) metrics are validated and
/// otherwise ignored.
enum CVSS3 {
    /// Metric names and values, v3.1 specification section 6 "Vector String".
    static let definitions: [MetricDefinition] = [
        MetricDefinition("AV", ["N", "A", "L", "P"], mandatory: true),
        MetricDefinition("AC", ["L", "H"], mandatory: true),
        MetricDefinition("PR", ["N", "L", "H"], mandatory: true),
        MetricDefinition("UI", ["N", "R"], mandatory: true),
        MetricDefinition("S", ["U", "C"], mandatory: true),
        MetricDefinition("C", ["H", "L", "N"], mandatory: true),
        MetricDefinition("I", ["H", "L", "N"], mandatory: true),
        MetricDefinition("A", ["H", "L", "N"], mandatory: true),
        MetricDefinition("E", ["X", "H", "F", "P", "U"]),
        MetricDefinition("RL", ["X", "U", "W", "T", "O"]),
        MetricDefinition("RC", ["X", "C", "R", "U"]),
        MetricDefinition("CR", ["X", "H", "M", "L"]),
        MetricDefinition("IR", ["X", "H", "M", "L"]),
        MetricDefinition("AR", ["X", "H", "M", "L"]),
        MetricDefinition("MAV", ["X", "N", "A", "L", "P"]),
        MetricDefinition("MAC", ["X", "L", "H"]),
        MetricDefinition("MPR", ["X", "N", "L", "H"]),
        MetricDefinition("MUI", ["X", "N", "R"]),
        MetricDefinition("MS", ["X", "U", "C"]),
        MetricDefinition("MC", ["X", "H", "L", "N"]),
        MetricDefinition("MI", ["X", "H", "L", "N"]),
        MetricDefinition("MA", ["X", "H", "L", "N"]),
    ]

    // Section 7.4 "Metric Values".
    private static let attackVector: [String: Double] = ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2]
    private static let attackComplexity: [String: Double] = ["L": 0.77, "H": 0.44]
    private static let privilegesUnchanged: [String: Double] = ["N": 0.85, "L": 0.62, "H": 0.27]
    /// Privileges Required weights when Scope is Changed.
    private static let privilegesChanged: [String: Double] = ["N": 0.85, "L": 0.68, "H": 0.5]
    private static let userInteraction: [String: Double] = ["N": 0.85, "R": 0.62]
    private static let impact: [String: Double] = ["H": 0.56, "L": 0.22, "N": 0.0]

    static func score(vector: String, body: Substring, version: CVSSVersion) throws -> CVSSScore {
        let metrics = try VectorParser.parse(
            vector: vector,
            body: body,
            definitions: definitions,
            versionName: "CVSS v\(version.rawValue)",
            unknownMetricHint: { name in
                ["AT", "VC", "VI", "VA", "SC", "SI", "SA", "MAT"].contains(name)
                    ? "this looks like a CVSS v4.0 metric; use the \"CVSS:4.0/\" prefix"
                    : nil
            }
        )
        let score = baseScore(metrics, version: version)
        return CVSSScore(version: version, vector: vector, baseScore: score, rating: SeverityRating(score: score))
    }

    /// Section 7.1:
    ///
    ///     ISS = 1 - [(1 - Confidentiality) × (1 - Integrity) × (1 - Availability)]
    ///     Impact = 6.42 × ISS                                          (Scope Unchanged)
    ///            = 7.52 × (ISS - 0.029) - 3.25 × (ISS - 0.02)^15       (Scope Changed)
    ///     Exploitability = 8.22 × AttackVector × AttackComplexity × PrivilegesRequired × UserInteraction
    ///     BaseScore = 0                                                 if Impact <= 0
    ///               = Roundup(Minimum((Impact + Exploitability), 10))        (Scope Unchanged)
    ///               = Roundup(Minimum(1.08 × (Impact + Exploitability), 10)) (Scope Changed)
    static func baseScore(_ metrics: [String: String], version: CVSSVersion) -> Double {
        func weight(_ table: [String: Double], _ name: String) -> Double {
            table[metrics[name] ?? ""] ?? 0
        }
        let scopeChanged = metrics["S"] == "C"
        let iss = 1 - (1 - weight(impact, "C")) * (1 - weight(impact, "I")) * (1 - weight(impact, "A"))
        let impactScore = scopeChanged
            ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15)
            : 6.42 * iss
        let privileges = weight(scopeChanged ? privilegesChanged : privilegesUnchanged, "PR")
        let exploitability = 8.22 * weight(attackVector, "AV") * weight(attackComplexity, "AC") * privileges
            * weight(userInteraction, "UI")
        guard impactScore > 0 else { return 0.0 }
        let raw = scopeChanged
            ? min(1.08 * (impactScore + exploitability), 10)
            : min(impactScore + exploitability, 10)
        return version == .v3_0 ? roundUp30(raw) : roundUp31(raw)
    }

    /// v3.0 `Roundup` (v3.0 specification section 8.1): smallest one-decimal number ≥ input, computed as the 3.0
    /// reference calculator does, `ceil(input × 10) / 10` in binary floating point.
    static func roundUp30(_ input: Double) -> Double {
        (input * 10).rounded(.up) / 10
    }

    /// v3.1 `Roundup` (v3.1 specification Appendix A "Floating Point Rounding"):
    ///
    ///     int_input = round_to_nearest_integer(input * 100000)
    ///     if (int_input % 10000) == 0: return int_input / 100000.0
    ///     else: return (floor(int_input / 10000) + 1) / 10.0
    static func roundUp31(_ input: Double) -> Double {
        let intInput = Int((input * 100_000).rounded())
        if intInput % 10_000 == 0 {
            return Double(intInput) / 100_000.0
        }
        return Double(intInput / 10_000 + 1) / 10.0
    }
}
