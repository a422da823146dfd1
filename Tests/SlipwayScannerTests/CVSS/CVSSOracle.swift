import Foundation
import Testing
@testable import SlipwayScanner

/// Builds random *valid* vectors from a version's metric definitions.
enum VectorGenerator {
    static func v2(_ rng: inout SeededGenerator) -> String {
        var fields = fieldsFor(CVSS2.definitions, optionalProbability: rng.chance(0.4) ? 0.5 : 0, &rng)
        if rng.chance(0.15) {
            fields.shuffle(using: &rng)
        }
        return fields.joined(separator: "/")
    }

    static func v3(_ rng: inout SeededGenerator) -> String {
        let prefix = rng.chance(0.5) ? "CVSS:3.0/" : "CVSS:3.1/"
        var fields = fieldsFor(CVSS3.definitions, optionalProbability: rng.chance(0.5) ? 0.4 : 0, &rng)
        if rng.chance(0.15) {
            fields.shuffle(using: &rng)
        }
        return prefix + fields.joined(separator: "/")
    }

    /// v4.0: random base metrics; sometimes E, sometimes environmental metrics (each present with probability
    /// 0.35, any value including X), sometimes supplemental ones.
    static func v4(_ rng: inout SeededGenerator) -> String {
        let threat: Set<String> = ["E"]
        let supplemental: Set<String> = ["S", "AU", "R", "V", "RE", "U"]
        let useThreat = rng.chance(0.5)
        let useEnvironmental = rng.chance(0.6)
        let useSupplemental = rng.chance(0.25)
        var fields: [String] = []
        for definition in CVSS4.definitions {
            let include: Bool
            if definition.mandatory {
                include = true
            } else if threat.contains(definition.name) {
                include = useThreat
            } else if supplemental.contains(definition.name) {
                include = useSupplemental && rng.chance(0.5)
            } else {
                include = useEnvironmental && rng.chance(0.35)
            }
            if include {
                fields.append("\(definition.name):\(rng.pick(definition.values))")
            }
        }
        if rng.chance(0.1) {
            fields.shuffle(using: &rng)
        }
        return "CVSS:4.0/" + fields.joined(separator: "/")
    }

    private static func fieldsFor(
        _ definitions: [MetricDefinition], optionalProbability: Double, _ rng: inout SeededGenerator
    ) -> [String] {
        var fields: [String] = []
        for definition in definitions where definition.mandatory || rng.chance(optionalProbability) {
            fields.append("\(definition.name):\(rng.pick(definition.values))")
        }
        return fields
    }

    /// Every combination of the mandatory metrics' values, in definition order.
    static func allBaseVectors(_ definitions: [MetricDefinition], prefix: String) -> [String] {
        var vectors = [""]
        for definition in definitions where definition.mandatory {
            vectors = vectors.flatMap { partial in
                definition.values.map { value in
                    partial.isEmpty ? "\(definition.name):\(value)" : "\(partial)/\(definition.name):\(value)"
                }
            }
        }
        return vectors.map { prefix + $0 }
    }
}

/// Scores vectors with the Python `cvss` package (https://pypi.org/project/cvss/) in one python3 process.
enum PythonOracle {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads vectors from stdin, prints one line per vector: the score (Python `repr(float)`) or `ERR <message>`.
    /// v4 scores are `CVSS4(v).base_score`, which the package computes from all metrics present (B/BT/BE/BTE).
    static let script = """
        import sys
        try:
            import cvss
        except ImportError as error:
            sys.stderr.write("MISSING_CVSS_MODULE: %s\\n" % error)
            sys.exit(3)
        out = []
        for line in sys.stdin:
            vector = line.rstrip("\\n")
            try:
                if vector.startswith("CVSS:4."):
                    score = cvss.CVSS4(vector).base_score
                elif vector.startswith("CVSS:3."):
                    score = cvss.CVSS3(vector).base_score
                else:
                    score = cvss.CVSS2(vector).base_score
                out.append(repr(float(score)))
            except Exception as error:
                out.append("ERR %s: %s" % (type(error).__name__, str(error).replace("\\n", " ")))
        sys.stdout.write("\\n".join(out) + "\\n")
        """

    /// Oracle answer for one vector.
    enum Answer: Equatable {
        case score(Double)
        case error(String)
    }

    static func score(_ vectors: [String]) throws -> [Answer] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("slipway-cvss-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("vectors.txt")
        let outputURL = directory.appendingPathComponent("scores.txt")
        let errorURL = directory.appendingPathComponent("stderr.txt")
        try Data((vectors.joined(separator: "\n") + "\n").utf8).write(to: inputURL)
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)

        let process = Process()
        let python = ProcessInfo.processInfo.environment["SLIPWAY_CVSS_PYTHON"] ?? "python3"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script]
        process.standardInput = try FileHandle(forReadingFrom: inputURL)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        do {
            try process.run()
        } catch {
            throw Failure(description: "could not start \(python) (\(error)); the CVSS oracle test needs python3 "
                + "with the `cvss` package: pip install cvss")
        }
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        if process.terminationStatus == 3 && stderr.contains("MISSING_CVSS_MODULE") {
            throw Failure(description: "the Python package `cvss` (the oracle for this test) is not installed for "
                + "\(python): run `pip install cvss`. (\(stderr.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(python) exited with status \(process.terminationStatus) "
                + "(is it installed? the oracle needs `pip install cvss`): \(stderr)")
        }
        let output = try String(contentsOf: outputURL, encoding: .utf8)
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" {
            lines.removeLast()
        }
        guard lines.count == vectors.count else {
            throw Failure(description: "oracle returned \(lines.count) lines for \(vectors.count) vectors: \(stderr)")
        }
        return lines.map { line in
            if let value = Double(line) {
                return .score(value)
            }
            return .error(line)
        }
    }

    /// Compares Slipway with the oracle; returns human-readable mismatches.
    static func mismatches(_ vectors: [String], _ answers: [Answer]) -> [String] {
        var result: [String] = []
        for (vector, answer) in zip(vectors, answers) {
            let ours: Answer
            do {
                ours = .score(try CVSS.score(vector).baseScore)
            } catch {
                ours = .error("\(error)")
            }
            switch (ours, answer) {
            case let (.score(mine), .score(theirs)) where mine == theirs:
                continue
            default:
                result.append("\(vector): Slipway \(ours), python cvss \(answer)")
            }
        }
        return result
    }
}
