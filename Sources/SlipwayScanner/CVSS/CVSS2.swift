/// CVSS v2 base score, as defined in "A Complete Guide to the Common Vulnerability Scoring System Version 2.0"
/// (FIRST, 2007), section 3.2.1 "Base Equation".
///
/// Temporal (E, RL, RC; section 2.2) and environmental (CDP, TD, CR, IR, AR; section 2.3) metrics are validated
/// and otherwise ignored: the result is the base score.
enum CVSS2 {
    /// Metric names and values, v2 guide section 2.4 "Base, Temporal, Environmental Vectors".
    static let definitions: [MetricDefinition] = [
        MetricDefinition("AV", ["L", "A", "N"], mandatory: true),
        MetricDefinition("AC", ["H", "M", "L"], mandatory: true),
        MetricDefinition("Au", ["M", "S", "N"], mandatory: true),
        MetricDefinition("C", ["N", "P", "C"], mandatory: true),
        MetricDefinition("I", ["N", "P", "C"], mandatory: true),
        MetricDefinition("A", ["N", "P", "C"], mandatory: true),
        MetricDefinition("E", ["U", "POC", "F", "H", "ND"]),
        MetricDefinition("RL", ["OF", "TF", "W", "U", "ND"]),
        MetricDefinition("RC", ["UC", "UR", "C", "ND"]),
        MetricDefinition("CDP", ["N", "L", "LM", "MH", "H", "ND"]),
        MetricDefinition("TD", ["N", "L", "M", "H", "ND"]),
        MetricDefinition("CR", ["L", "M", "H", "ND"]),
        MetricDefinition("IR", ["L", "M", "H", "ND"]),
        MetricDefinition("AR", ["L", "M", "H", "ND"]),
    ]

    /// Metrics that exist only in v3.x / v4.0; seeing one in an unprefixed vector means the prefix was forgotten.
    private static let laterVersionMetrics: Set<String> = [
        "PR", "UI", "S", "AT", "VC", "VI", "VA", "SC", "SI", "SA", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI",
        "MA",
    ]

    // Section 3.2.1 metric weights.
    private static let accessVector: [String: Double] = ["L": 0.395, "A": 0.646, "N": 1.0]
    private static let accessComplexity: [String: Double] = ["H": 0.35, "M": 0.61, "L": 0.71]
    private static let authentication: [String: Double] = ["M": 0.45, "S": 0.56, "N": 0.704]
    private static let impact: [String: Double] = ["N": 0.0, "P": 0.275, "C": 0.660]

    static func score(vector: String, body: Substring) throws -> CVSSScore {
        let metrics = try VectorParser.parse(
            vector: vector,
            body: body,
            definitions: definitions,
            versionName: "CVSS v2",
            unknownMetricHint: { name in
                laterVersionMetrics.contains(name)
                    ? "CVSS v3/v4 vectors need a \"CVSS:3.1/\" or \"CVSS:4.0/\" prefix"
                    : nil
            }
        )
        let score = baseScore(metrics)
        return CVSSScore(version: .v2, vector: vector, baseScore: score, rating: SeverityRating(cvss2Score: score))
    }

    /// Section 3.2.1:
    ///
    ///     BaseScore = round_to_1_decimal(((0.6*Impact)+(0.4*Exploitability)-1.5)*f(Impact))
    ///     Impact = 10.41*(1-(1-ConfImpact)*(1-IntegImpact)*(1-AvailImpact))
    ///     Exploitability = 20* AccessVector*AccessComplexity*Authentication
    ///     f(impact) = 0 if Impact=0, 1.176 otherwise
    ///
    /// `round_to_1_decimal` rounds half up; the result is clamped at 0.
    static func baseScore(_ metrics: [String: String]) -> Double {
        func weight(_ table: [String: Double], _ name: String) -> Double {
            table[metrics[name] ?? ""] ?? 0
        }
        let impactValue = 10.41 * (1 - (1 - weight(impact, "C")) * (1 - weight(impact, "I"))
            * (1 - weight(impact, "A")))
        let exploitability = 20 * weight(accessVector, "AV") * weight(accessComplexity, "AC")
            * weight(authentication, "Au")
        let fImpact = impactValue == 0 ? 0.0 : 1.176
        let raw = ((0.6 * impactValue) + (0.4 * exploitability) - 1.5) * fImpact
        return Rounding.halfUpOneDecimal(max(0.0, raw))
    }
}
