import Testing
@testable import SlipwayScanner

/// An invalid vector and the fragments its error reason must contain (the metric named, the kind of problem).
struct InvalidVector: Sendable, CustomTestStringConvertible {
    var vector: String
    var expected: [String]

    init(_ vector: String, _ expected: String...) {
        self.vector = vector
        self.expected = expected
    }

    var testDescription: String { "\"\(vector)\" → \(expected.joined(separator: " … "))" }
}

let invalidVectors: [InvalidVector] = [
    // Empty / structure
    InvalidVector("", "empty"),
    InvalidVector("   ", "empty"),
    InvalidVector("CVSS:3.1", "no metrics"),
    InvalidVector("CVSS:3.1/", "no metrics"),
    InvalidVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", "empty field", "stray"),
    InvalidVector("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "empty field"),
    InvalidVector("CVSS:3.1/AVN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "malformed field \"AVN\""),
    InvalidVector("CVSS:3.1/AV:N:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "malformed field \"AV:N:L\""),
    InvalidVector("CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "malformed field \"AV:\""),
    // Versions
    InvalidVector("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "unsupported CVSS version \"3.2\""),
    InvalidVector("CVSS:5.0/AV:N", "unsupported CVSS version \"5.0\""),
    InvalidVector("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "unknown metric \"PR\"", "CVSS:3.1/"),
    // v3: unknown, duplicate, invalid value, missing
    InvalidVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y", "unknown metric \"XX\""),
    InvalidVector("CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H", "unknown metric \"AT\"", "CVSS:4.0/"),
    InvalidVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L", "duplicate metric \"AV\""),
    InvalidVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/E:F", "duplicate metric \"E\""),
    InvalidVector("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "invalid value \"Q\" for metric \"AV\""),
    InvalidVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:P/S:U/C:H/I:H/A:H", "invalid value \"P\" for metric \"UI\""),
    InvalidVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:X", "invalid value \"X\" for metric \"A\""),
    InvalidVector("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MS:Z", "invalid value \"Z\" for metric \"MS\""),
    InvalidVector("CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "invalid value \"n\" for metric \"AV\""),
    InvalidVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", "missing mandatory", "\"S\""),
    InvalidVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U", "missing mandatory", "\"C\", \"I\", \"A\""),
    InvalidVector("CVSS:3.0/E:P/RL:O", "missing mandatory", "\"AV\""),
    // v4
    InvalidVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N", "missing mandatory", "\"SA\""),
    InvalidVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:U",
                  "invalid value \"U\" for metric \"S\""),
    InvalidVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                  "invalid value \"R\" for metric \"UI\""),
    InvalidVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
                  "invalid value \"S\" for metric \"SI\""),
    InvalidVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S",
                  "invalid value \"S\" for metric \"MSC\""),
    InvalidVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:red",
                  "invalid value \"red\" for metric \"U\""),
    InvalidVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/E:A", "duplicate metric \"E\""),
    InvalidVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/RL:O",
                  "unknown metric \"RL\"", "CVSS:3.1/"),
    InvalidVector("CVSS:4.0/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", "unknown metric \"C\"", "CVSS:3.1/"),
    // v2
    InvalidVector("AV:N/AC:L/Au:N/C:P/I:P", "missing mandatory", "\"A\""),
    InvalidVector("AV:N/AC:L/Au:N/C:P/I:P/A:P/AV:L", "duplicate metric \"AV\""),
    InvalidVector("AV:N/AC:L/Au:X/C:P/I:P/A:P", "invalid value \"X\" for metric \"Au\""),
    InvalidVector("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:P", "invalid value \"P\" for metric \"E\""),
    InvalidVector("AV:N/AC:L/AU:N/C:P/I:P/A:P", "unknown metric \"AU\""),
    InvalidVector("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:Q", "invalid value \"Q\" for metric \"A\""),
]

@Suite("Invalid vectors")
struct InvalidVectorTests {
    @Test("Rejected with the metric named", arguments: invalidVectors)
    func rejected(_ invalid: InvalidVector) {
        do {
            let score = try CVSS.score(invalid.vector)
            Issue.record("expected an error for \"\(invalid.vector)\", got \(score.baseScore)")
        } catch let error as CVSSError {
            for fragment in invalid.expected {
                #expect(error.reason.contains(fragment), "reason \"\(error.reason)\" lacks \"\(fragment)\"")
            }
            #expect(error.description.contains(error.reason))
            #expect(error.description.contains("invalid CVSS vector"))
        } catch {
            Issue.record("unexpected error type \(type(of: error)): \(error)")
        }
    }

    @Test("Errors carry the vector")
    func errorCarriesVector() {
        let vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q"
        #expect(throws: CVSSError(vector: vector, reason: "invalid value \"Q\" for metric \"A\" (allowed: H, L, N)")) {
            try CVSS.score(vector)
        }
    }
}
