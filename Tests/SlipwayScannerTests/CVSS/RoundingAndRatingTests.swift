import Testing
@testable import SlipwayScanner

@Suite("Rounding")
struct RoundingTests {
    /// v3.1 specification Appendix A: Roundup(4.02) = 4.1, Roundup(4.00) = 4.0, and the floating-point artefact
    /// 4.000000000000001 (from e.g. 0.1 + 0.2 style errors) rounds to 4.0, not 4.1.
    @Test("v3.1 Roundup (Appendix A)", arguments: [
        (4.02, 4.1), (4.0, 4.0), (4.000000000000001, 4.0), (4.000_01, 4.1), (0.0, 0.0), (9.99, 10.0), (10.0, 10.0),
        (6.05, 6.1), (1.0000000001, 1.0),
    ])
    func roundUp31(input: Double, expected: Double) {
        #expect(CVSS3.roundUp31(input) == expected)
    }

    /// v3.0 Roundup is a plain ceiling to one decimal, so the same artefact rounds up.
    @Test("v3.0 Roundup (section 8.1)", arguments: [
        (4.02, 4.1), (4.0, 4.0), (4.000000000000001, 4.1), (0.0, 0.0), (9.99, 10.0), (10.0, 10.0),
    ])
    func roundUp30(input: Double, expected: Double) {
        #expect(CVSS3.roundUp30(input) == expected)
    }

    /// Half-up on the exact binary value: 0.15 is stored as 0.1499999999999999944…, so it rounds *down*, whereas
    /// 0.25 and 0.35 (0.34999999999999997779…) are exact / below the tie respectively.
    @Test("Exact half-up rounding to one decimal", arguments: [
        (0.15, 0.1), (0.25, 0.3), (0.35, 0.3), (0.45, 0.5), (1.45, 1.4), (2.05, 2.0), (7.849999, 7.8),
        (7.85, 7.8), (7.850000000000001, 7.9), (9.95, 9.9), (9.950000000000001, 10.0), (0.0, 0.0), (10.0, 10.0),
    ])
    func halfUp(input: Double, expected: Double) {
        #expect(Rounding.halfUpOneDecimal(input) == expected)
    }

    /// The v4.0 final rounding adds 10⁻⁶ first: 8.6 - 7.15 = 1.4499999999999993 must round to 1.5.
    @Test("v4.0 final rounding epsilon")
    func v4Epsilon() {
        #expect(CVSS4.finalRounding(8.6 - 7.15) == 1.5)
        #expect(CVSS4.finalRounding(4.945833333333333) == 4.9)
        #expect(CVSS4.finalRounding(4.25) == 4.3)
    }
}

@Suite("Severity rating")
struct SeverityRatingTests {
    @Test("v3/v4 qualitative scale (v3.1 spec section 5)", arguments: [
        (0.0, SeverityRating.none), (0.1, .low), (3.9, .low), (4.0, .medium), (6.9, .medium), (7.0, .high),
        (8.9, .high), (9.0, .critical), (10.0, .critical), (-1.0, .none), (Double.nan, .none),
    ])
    func scale(score: Double, rating: SeverityRating) {
        #expect(SeverityRating(score: score) == rating)
    }

    @Test("v2 scale (NVD): Low / Medium / High only", arguments: [
        (0.0, SeverityRating.low), (3.9, .low), (4.0, .medium), (6.9, .medium), (7.0, .high), (10.0, .high),
    ])
    func v2Scale(score: Double, rating: SeverityRating) {
        #expect(SeverityRating(cvss2Score: score) == rating)
    }

    @Test("Ordering")
    func ordering() {
        #expect(SeverityRating.allCases == [.none, .low, .medium, .high, .critical])
        #expect(SeverityRating.allCases.sorted() == SeverityRating.allCases)
        #expect(SeverityRating.critical > .high)
        #expect(SeverityRating.none < .low)
        #expect(SeverityRating.allCases.map(\.rawValue) == ["none", "low", "medium", "high", "critical"])
    }

    @Test("Version raw values")
    func versions() {
        #expect(CVSSVersion.v2.rawValue == "2.0")
        #expect(CVSSVersion.v3_0.rawValue == "3.0")
        #expect(CVSSVersion.v3_1.rawValue == "3.1")
        #expect(CVSSVersion.v4_0.rawValue == "4.0")
    }
}

@Suite("v4.0 macrovector table")
struct MacroVectorTableTests {
    /// Every reachable macrovector (EQ1 0–2, EQ2 0–1, EQ3 0–2, EQ4 0–2, EQ5 0–2, EQ6 0–1, EQ3 = 2 ⇒ EQ6 = 1) has
    /// a score, and nothing else does: 3·2·3·3·3·2 − 54 = 270.
    @Test("Table is complete")
    func complete() {
        var expected: Set<String> = []
        for eq1 in 0...2 {
            for eq2 in 0...1 {
                for eq3 in 0...2 {
                    for eq4 in 0...2 {
                        for eq5 in 0...2 {
                            for eq6 in 0...1 where !(eq3 == 2 && eq6 == 0) {
                                expected.insert("\(eq1)\(eq2)\(eq3)\(eq4)\(eq5)\(eq6)")
                            }
                        }
                    }
                }
            }
        }
        #expect(expected.count == 270)
        #expect(Set(CVSS4.macroVectorScores.keys) == expected)
        #expect(CVSS4.macroVectorScores.values.allSatisfy { (0.0...10.0).contains($0) })
        #expect(CVSS4.macroVectorScores["000000"] == 10)
        #expect(CVSS4.macroVectorScores["212221"] == 0.1)
    }

    @Test("Macrovector of examples", arguments: [
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", [0, 0, 0, 2, 0, 0]),
        ("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/E:U", [2, 1, 2, 2, 2, 1]),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N/MSA:S/CR:L", [1, 0, 1, 0, 0, 1]),
        ("CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:H/SC:H/SI:N/SA:N/E:P/MAV:N/MPR:N/MUI:N", [0, 0, 1, 1, 1, 0]),
    ])
    func macroVector(vector: String, expected: [Int]) throws {
        let body = vector.dropFirst("CVSS:4.0/".count)
        let metrics = try VectorParser.parse(
            vector: vector, body: body, definitions: CVSS4.definitions, versionName: "CVSS v4.0"
        )
        #expect(CVSS4Metrics(selected: metrics).macroVector == expected)
    }
}
