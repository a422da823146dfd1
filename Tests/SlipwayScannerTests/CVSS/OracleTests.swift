import Foundation
import Testing
@testable import SlipwayScanner

/// Property tests against the Python `cvss` package (Red Hat; its v4.0 code is a port of the FIRST reference
/// calculator) as an independent oracle. They FAIL, not skip, when python3 or the package is missing:
/// `pip install cvss`.
///
/// Set `SLIPWAY_CVSS_SEED` to reproduce a failing run of the random test (the seed is printed on failure),
/// `SLIPWAY_CVSS_SCALE` (an integer, default 1) to multiply the number of random vectors, and
/// `SLIPWAY_CVSS_PYTHON` to use another interpreter.
@Suite("Python cvss oracle")
struct OracleTests {
    static let defaultSeed: UInt64 = 0x5EED_CB55_2024_0004

    /// ≥ 3000 random valid vectors: v3.0/v3.1 with random base metrics, half with temporal/environmental metrics;
    /// v4.0 with random base metrics and often threat/environmental/supplemental ones; and v2.
    @Test("Random vectors score exactly like python cvss")
    func randomVectors() throws {
        let seed = ProcessInfo.processInfo.environment["SLIPWAY_CVSS_SEED"].flatMap { UInt64($0) } ?? Self.defaultSeed
        let scale = max(1, ProcessInfo.processInfo.environment["SLIPWAY_CVSS_SCALE"].flatMap { Int($0) } ?? 1)
        var rng = SeededGenerator(seed: seed)
        var vectors: [String] = []
        for _ in 0..<(1_500 * scale) {
            vectors.append(VectorGenerator.v3(&rng))
        }
        for _ in 0..<(3_000 * scale) {
            vectors.append(VectorGenerator.v4(&rng))
        }
        for _ in 0..<(500 * scale) {
            vectors.append(VectorGenerator.v2(&rng))
        }
        #expect(vectors.count >= 3_000)
        #expect(vectors.contains { $0.hasPrefix("CVSS:4.0/") && $0.contains("/E:") })
        #expect(vectors.contains { $0.hasPrefix("CVSS:4.0/") && $0.contains("/MAV:") })
        #expect(vectors.contains { $0.hasPrefix("CVSS:3.1/") && $0.contains("/MAV:") })

        let answers = try PythonOracle.score(vectors)
        let mismatches = PythonOracle.mismatches(vectors, answers)
        #expect(
            mismatches.count == 0,
            """
            \(mismatches.count) of \(vectors.count) random vectors differ from python cvss \
            (seed \(seed); rerun with SLIPWAY_CVSS_SEED=\(seed)). First mismatches:
            \(mismatches.prefix(10).joined(separator: "\n"))
            """
        )
    }

    /// Every combination of base metric values: 729 v2, 2 × 2592 v3.0/v3.1 and 104,976 v4.0 (CVSS-B) vectors.
    @Test("All base-metric vectors score exactly like python cvss")
    func allBaseVectors() throws {
        var vectors = VectorGenerator.allBaseVectors(CVSS2.definitions, prefix: "")
        vectors += VectorGenerator.allBaseVectors(CVSS3.definitions, prefix: "CVSS:3.0/")
        vectors += VectorGenerator.allBaseVectors(CVSS3.definitions, prefix: "CVSS:3.1/")
        vectors += VectorGenerator.allBaseVectors(CVSS4.definitions, prefix: "CVSS:4.0/")
        #expect(vectors.count == 729 + 2 * 2_592 + 104_976)

        let answers = try PythonOracle.score(vectors)
        let mismatches = PythonOracle.mismatches(vectors, answers)
        #expect(
            mismatches.count == 0,
            """
            \(mismatches.count) of \(vectors.count) base vectors differ from python cvss. First mismatches:
            \(mismatches.prefix(10).joined(separator: "\n"))
            """
        )
    }

    /// The oracle agrees with the known-vector table, so a wrong table entry cannot hide behind a wrong oracle.
    @Test("Oracle agrees with the official-score table")
    func oracleAgreesWithKnownScores() throws {
        let answers = try PythonOracle.score(knownVectors.map(\.vector).filter { !$0.hasPrefix("(") })
        let expected = knownVectors.filter { !$0.vector.hasPrefix("(") }.map { PythonOracle.Answer.score($0.score) }
        #expect(answers == expected)
    }
}
