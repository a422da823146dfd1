/// CVSS v4.0 scoring, as defined in the FIRST "CVSS v4.0: Specification Document" section 8 "CVSS v4.0 Scoring"
/// and in the FIRST reference calculator (`cvss_score.js` / `cvss_lookup.js` / `max_composed.js`, maintained with
/// Red Hat), whose arithmetic this follows step by step so that scores match it exactly.
///
/// Outline:
/// 1. Every metric gets its *effective* value: a Modified environmental metric (MAV, MVC, …) other than `X`
///    replaces its base metric; `E:X` counts as `E:A` and `CR/IR/AR:X` as `H` (sections 3.1 and 4.1: Not Defined
///    is scored as the worst case).
/// 2. The effective values are grouped into six equivalence sets EQ1–EQ6 (section 8); the resulting macrovector
///    is looked up in ``macroVectorScores``.
/// 3. The score is lowered within the macrovector by interpolation: for each EQ, the vector's severity distance
///    from the highest-severity vector of its macrovector, as a fraction of the macrovector's depth ("max severity"),
///    times the score gap to the next lower macrovector; the mean over the EQs that have a lower macrovector is
///    subtracted.
/// 4. The result is clamped to 0…10 and rounded half up to one decimal.
///
/// Which metrics are present decides what the score is (section 1.3 "CVSS Nomenclature"): CVSS-B with base
/// metrics only, CVSS-BT with E, CVSS-BE with environmental metrics, CVSS-BTE with both. Supplemental metrics (S,
/// AU, R, V, RE, U; section 5) never change the score.
enum CVSS4 {
    /// Metric names and values, section 7 "Vector String". Mandatory metrics are the eleven base ones.
    static let definitions: [MetricDefinition] = [
        // Base (section 2)
        MetricDefinition("AV", ["N", "A", "L", "P"], mandatory: true),
        MetricDefinition("AC", ["L", "H"], mandatory: true),
        MetricDefinition("AT", ["N", "P"], mandatory: true),
        MetricDefinition("PR", ["N", "L", "H"], mandatory: true),
        MetricDefinition("UI", ["N", "P", "A"], mandatory: true),
        MetricDefinition("VC", ["H", "L", "N"], mandatory: true),
        MetricDefinition("VI", ["H", "L", "N"], mandatory: true),
        MetricDefinition("VA", ["H", "L", "N"], mandatory: true),
        MetricDefinition("SC", ["H", "L", "N"], mandatory: true),
        MetricDefinition("SI", ["H", "L", "N"], mandatory: true),
        MetricDefinition("SA", ["H", "L", "N"], mandatory: true),
        // Threat (section 3)
        MetricDefinition("E", ["X", "A", "P", "U"]),
        // Environmental (section 4)
        MetricDefinition("CR", ["X", "H", "M", "L"]),
        MetricDefinition("IR", ["X", "H", "M", "L"]),
        MetricDefinition("AR", ["X", "H", "M", "L"]),
        MetricDefinition("MAV", ["X", "N", "A", "L", "P"]),
        MetricDefinition("MAC", ["X", "L", "H"]),
        MetricDefinition("MAT", ["X", "N", "P"]),
        MetricDefinition("MPR", ["X", "N", "L", "H"]),
        MetricDefinition("MUI", ["X", "N", "P", "A"]),
        MetricDefinition("MVC", ["X", "H", "L", "N"]),
        MetricDefinition("MVI", ["X", "H", "L", "N"]),
        MetricDefinition("MVA", ["X", "H", "L", "N"]),
        MetricDefinition("MSC", ["X", "H", "L", "N"]),
        MetricDefinition("MSI", ["X", "S", "H", "L", "N"]),
        MetricDefinition("MSA", ["X", "S", "H", "L", "N"]),
        // Supplemental (section 5)
        MetricDefinition("S", ["X", "N", "P"]),
        MetricDefinition("AU", ["X", "N", "Y"]),
        MetricDefinition("R", ["X", "A", "U", "I"]),
        MetricDefinition("V", ["X", "D", "C"]),
        MetricDefinition("RE", ["X", "L", "M", "H"]),
        MetricDefinition("U", ["X", "Clear", "Green", "Amber", "Red"]),
    ]

    static func score(vector: String, body: Substring) throws -> CVSSScore {
        let metrics = try VectorParser.parse(
            vector: vector,
            body: body,
            definitions: definitions,
            versionName: "CVSS v4.0",
            unknownMetricHint: { name in
                ["S", "C", "I", "A", "RL", "RC", "MS", "MC", "MI", "MA"].contains(name)
                    ? "this looks like a CVSS v3 metric; use the \"CVSS:3.1/\" prefix"
                    : nil
            }
        )
        guard let score = score(CVSS4Metrics(selected: metrics)) else {
            throw CVSSError(vector: vector, reason: "internal error: macrovector missing from the v4.0 lookup table")
        }
        return CVSSScore(version: .v4_0, vector: vector, baseScore: score, rating: SeverityRating(score: score))
    }

    // MARK: Scoring

    /// Scores validated metrics; `nil` only if the macrovector table were incomplete (an internal invariant).
    static func score(_ vector: CVSS4Metrics) -> Double? {
        let impactMetrics = ["VC", "VI", "VA", "SC", "SI", "SA"]
        if impactMetrics.allSatisfy({ vector.effective($0) == "N" }) {
            return 0.0
        }
        let eq = vector.macroVector
        guard let value = lookup(eq) else { return nil }

        // Scores of the next lower macrovector along each EQ (nil where none exists).
        let nextEQ1 = lookup(eq, bumping: [0])
        let nextEQ2 = lookup(eq, bumping: [1])
        let nextEQ3EQ6: Double?
        switch (eq[2], eq[5]) {
        case (0, 1), (1, 1):
            nextEQ3EQ6 = lookup(eq, bumping: [2])
        case (1, 0):
            nextEQ3EQ6 = lookup(eq, bumping: [5])
        case (0, 0):
            // Two lower neighbours: the reference takes the higher score (Python's max() semantics with NaN).
            let left = lookup(eq, bumping: [5])
            let right = lookup(eq, bumping: [2])
            if let left, let right {
                nextEQ3EQ6 = max(left, right)
            } else {
                nextEQ3EQ6 = left
            }
        default:
            nextEQ3EQ6 = lookup(eq, bumping: [2, 5])
        }
        let nextEQ4 = lookup(eq, bumping: [3])
        let nextEQ5 = lookup(eq, bumping: [4])

        let distances = severityDistances(vector, macroVector: eq)
        func distance(_ metric: String) -> Double { distances[metric] ?? 0 }
        let currentEQ1 = distance("AV") + distance("PR") + distance("UI")
        let currentEQ2 = distance("AC") + distance("AT")
        let currentEQ3EQ6 = distance("VC") + distance("VI") + distance("VA") + distance("CR") + distance("IR")
            + distance("AR")
        let currentEQ4 = distance("SC") + distance("SI") + distance("SA")

        let step = 0.1
        let maxSeverityEQ1 = Double(maxSeverity.eq1[eq[0]]) * step
        let maxSeverityEQ2 = Double(maxSeverity.eq2[eq[1]]) * step
        let maxSeverityEQ3EQ6 = Double(maxSeverity.eq3eq6[eq[2]]?[eq[5]] ?? 1) * step
        let maxSeverityEQ4 = Double(maxSeverity.eq4[eq[3]]) * step

        var existingLower = 0
        var normalizedEQ1 = 0.0
        var normalizedEQ2 = 0.0
        var normalizedEQ3EQ6 = 0.0
        var normalizedEQ4 = 0.0
        var normalizedEQ5 = 0.0
        if let next = nextEQ1, value - next >= 0 {
            existingLower += 1
            normalizedEQ1 = (value - next) * (currentEQ1 / maxSeverityEQ1)
        }
        if let next = nextEQ2, value - next >= 0 {
            existingLower += 1
            normalizedEQ2 = (value - next) * (currentEQ2 / maxSeverityEQ2)
        }
        if let next = nextEQ3EQ6, value - next >= 0 {
            existingLower += 1
            normalizedEQ3EQ6 = (value - next) * (currentEQ3EQ6 / maxSeverityEQ3EQ6)
        }
        if let next = nextEQ4, value - next >= 0 {
            existingLower += 1
            normalizedEQ4 = (value - next) * (currentEQ4 / maxSeverityEQ4)
        }
        if let next = nextEQ5, value - next >= 0 {
            // EQ5 (E) has no severity distance inside a macrovector: it counts, but moves nothing.
            existingLower += 1
            normalizedEQ5 = (value - next) * 0
        }
        let meanDistance = existingLower == 0
            ? 0
            : (normalizedEQ1 + normalizedEQ2 + normalizedEQ3EQ6 + normalizedEQ4 + normalizedEQ5)
                / Double(existingLower)
        let interpolated = min(10.0, max(0.0, value - meanDistance))
        return finalRounding(interpolated)
    }

    /// Rounds half up to one decimal after adding 10⁻⁶, as the reference implementations do so that values such
    /// as `8.6 - 7.15 = 1.4499999999999993` round to 1.5 as they would in exact arithmetic.
    static func finalRounding(_ value: Double) -> Double {
        Rounding.halfUpOneDecimal(value + 1e-6)
    }

    private static func lookup(_ eq: [Int], bumping indices: [Int] = []) -> Double? {
        var key = eq
        for index in indices {
            key[index] += 1
        }
        return macroVectorScores[key.map(String.init).joined()]
    }

    /// Per-metric severity distance of the vector from the first highest-severity vector of its macrovector that
    /// it does not exceed in any metric (reference `max_composed.js` order). If it exceeds every candidate (which
    /// the reference tolerates), the distances to the last candidate are used, as the reference does.
    private static func severityDistances(_ vector: CVSS4Metrics, macroVector eq: [Int]) -> [String: Double] {
        let eq1Candidates = maxComposed.eq1[eq[0]]
        let eq2Candidates = maxComposed.eq2[eq[1]]
        let eq3eq6Candidates = maxComposed.eq3eq6[eq[2]]?[eq[5]] ?? []
        let eq4Candidates = maxComposed.eq4[eq[3]]
        var distances: [String: Double] = [:]
        // EQ5 has exactly one highest vector per level and E has no distance, so it does not take part here.
        for eq1Max in eq1Candidates {
            for eq2Max in eq2Candidates {
                for eq3eq6Max in eq3eq6Candidates {
                    for eq4Max in eq4Candidates {
                        let maxVector = eq1Max.merging(eq2Max) { a, _ in a }
                            .merging(eq3eq6Max) { a, _ in a }
                            .merging(eq4Max) { a, _ in a }
                        distances = [:]
                        var exceeds = false
                        for (metric, levels) in severityLevels {
                            let own = levels[vector.effective(metric)] ?? 0
                            let highest = levels[maxVector[metric] ?? ""] ?? 0
                            let distance = own - highest
                            distances[metric] = distance
                            if distance < 0 {
                                exceeds = true
                            }
                        }
                        if !exceeds {
                            return distances
                        }
                    }
                }
            }
        }
        return distances
    }

    // MARK: Reference constants

    /// Severity level of each metric value, in steps of 0.1 (reference `cvss_score.js`); lower is more severe.
    static let severityLevels: [(String, [String: Double])] = [
        ("AV", ["N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3]),
        ("PR", ["N": 0.0, "L": 0.1, "H": 0.2]),
        ("UI", ["N": 0.0, "P": 0.1, "A": 0.2]),
        ("AC", ["L": 0.0, "H": 0.1]),
        ("AT", ["N": 0.0, "P": 0.1]),
        ("VC", ["H": 0.0, "L": 0.1, "N": 0.2]),
        ("VI", ["H": 0.0, "L": 0.1, "N": 0.2]),
        ("VA", ["H": 0.0, "L": 0.1, "N": 0.2]),
        ("SC", ["H": 0.1, "L": 0.2, "N": 0.3]),
        ("SI", ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3]),
        ("SA", ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3]),
        ("CR", ["H": 0.0, "M": 0.1, "L": 0.2]),
        ("IR", ["H": 0.0, "M": 0.1, "L": 0.2]),
        ("AR", ["H": 0.0, "M": 0.1, "L": 0.2]),
    ]

    /// Highest-severity vectors of each EQ level (reference `max_composed.js`), in the reference's order.
    static let maxComposed = (
        eq1: [
            [fragment("AV:N/PR:N/UI:N")],
            [fragment("AV:A/PR:N/UI:N"), fragment("AV:N/PR:L/UI:N"), fragment("AV:N/PR:N/UI:P")],
            [fragment("AV:P/PR:N/UI:N"), fragment("AV:A/PR:L/UI:P")],
        ],
        eq2: [
            [fragment("AC:L/AT:N")],
            [fragment("AC:H/AT:N"), fragment("AC:L/AT:P")],
        ],
        // Indexed by EQ3 level, then EQ6 level.
        eq3eq6: [
            0: [
                0: [fragment("VC:H/VI:H/VA:H/CR:H/IR:H/AR:H")],
                1: [fragment("VC:H/VI:H/VA:L/CR:M/IR:M/AR:H"), fragment("VC:H/VI:H/VA:H/CR:M/IR:M/AR:M")],
            ],
            1: [
                0: [fragment("VC:L/VI:H/VA:H/CR:H/IR:H/AR:H"), fragment("VC:H/VI:L/VA:H/CR:H/IR:H/AR:H")],
                1: [
                    fragment("VC:L/VI:H/VA:L/CR:H/IR:M/AR:H"), fragment("VC:L/VI:H/VA:H/CR:H/IR:M/AR:M"),
                    fragment("VC:H/VI:L/VA:H/CR:M/IR:H/AR:M"), fragment("VC:H/VI:L/VA:L/CR:M/IR:H/AR:H"),
                    fragment("VC:L/VI:L/VA:H/CR:H/IR:H/AR:M"),
                ],
            ],
            2: [
                1: [fragment("VC:L/VI:L/VA:L/CR:H/IR:H/AR:H")],
            ],
        ] as [Int: [Int: [[String: String]]]],
        eq4: [
            [fragment("SC:H/SI:S/SA:S")],
            [fragment("SC:H/SI:H/SA:H")],
            [fragment("SC:L/SI:L/SA:L")],
        ]
    )

    /// Depth of each EQ level in severity steps, +1 (reference `max_severity.js`).
    static let maxSeverity = (
        eq1: [1, 4, 5],
        eq2: [1, 2],
        eq3eq6: [0: [0: 7, 1: 6], 1: [0: 8, 1: 8], 2: [1: 10]] as [Int: [Int: Int]],
        eq4: [6, 5, 4]
    )

    /// Parses a constant "M:V/M:V" fragment of the reference tables.
    private static func fragment(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for field in text.split(separator: "/") {
            let parts = field.split(separator: ":")
            if parts.count == 2 {
                result[String(parts[0])] = String(parts[1])
            }
        }
        return result
    }
}

/// The metrics of a parsed v4.0 vector and their effective values.
struct CVSS4Metrics: Sendable {
    /// Metrics present in the vector.
    var selected: [String: String]

    /// Effective value of a metric (reference `m()`): `E`, `CR`, `IR`, `AR` default to their worst case when
    /// absent or `X`; otherwise a Modified metric other than `X` overrides the base metric.
    func effective(_ metric: String) -> String {
        let value = selected[metric] ?? "X"
        if value == "X" {
            switch metric {
            case "E": return "A"
            case "CR", "IR", "AR": return "H"
            default: break
            }
        }
        if let modified = selected["M" + metric], modified != "X" {
            return modified
        }
        return value
    }

    /// The six equivalence-set levels EQ1…EQ6 (section 8, equivalence set tables EQ1 … EQ6).
    var macroVector: [Int] {
        let av = effective("AV"), pr = effective("PR"), ui = effective("UI")
        // EQ1: 0 = AV:N and PR:N and UI:N; 1 = (AV:N or PR:N or UI:N) and not all three and not AV:P;
        //      2 = AV:P or not (AV:N or PR:N or UI:N).
        let eq1: Int
        if av == "N" && pr == "N" && ui == "N" {
            eq1 = 0
        } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
            eq1 = 1
        } else {
            eq1 = 2
        }
        // EQ2: 0 = AC:L and AT:N; 1 = otherwise.
        let eq2 = effective("AC") == "L" && effective("AT") == "N" ? 0 : 1
        // EQ3: 0 = VC:H and VI:H; 1 = not that, and (VC:H or VI:H or VA:H); 2 = none of VC, VI, VA is H.
        let vc = effective("VC"), vi = effective("VI"), va = effective("VA")
        let eq3: Int
        if vc == "H" && vi == "H" {
            eq3 = 0
        } else if vc == "H" || vi == "H" || va == "H" {
            eq3 = 1
        } else {
            eq3 = 2
        }
        // EQ4: 0 = MSI:S or MSA:S; 1 = not that, and (SC:H or SI:H or SA:H); 2 = otherwise.
        let eq4: Int
        if selected["MSI"] == "S" || selected["MSA"] == "S" {
            eq4 = 0
        } else if effective("SC") == "H" || effective("SI") == "H" || effective("SA") == "H" {
            eq4 = 1
        } else {
            eq4 = 2
        }
        // EQ5: 0 = E:A, 1 = E:P, 2 = E:U.
        let eq5: Int
        switch effective("E") {
        case "P": eq5 = 1
        case "U": eq5 = 2
        default: eq5 = 0
        }
        // EQ6: 0 = (CR:H and VC:H) or (IR:H and VI:H) or (AR:H and VA:H); 1 = otherwise.
        let eq6 = (effective("CR") == "H" && vc == "H") || (effective("IR") == "H" && vi == "H")
            || (effective("AR") == "H" && va == "H") ? 0 : 1
        return [eq1, eq2, eq3, eq4, eq5, eq6]
    }
}
