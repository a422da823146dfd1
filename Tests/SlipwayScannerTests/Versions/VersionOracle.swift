import Foundation
import SlipwayScanner

enum Oracle {
    /// The seed for the oracle property tests: `SLIPWAY_VERSION_SEED` if set, otherwise a fixed value so CI is
    /// deterministic.
    static var seed: UInt64 {
        if let text = ProcessInfo.processInfo.environment["SLIPWAY_VERSION_SEED"], let value = UInt64(text) {
            return value
        }
        return 20_240_601
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `/bin/sh -c script` with `$1` bound to a file holding `input`; returns stdout lines.
    /// Throws when the shell cannot be started or exits non-zero.
    static func runShell(_ script: String, input: String) throws -> [String] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("slipway-versions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("input.txt")
        let outputURL = directory.appendingPathComponent("output.txt")
        let errorURL = directory.appendingPathComponent("error.txt")
        try Data(input.utf8).write(to: inputURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "(\(script)) > \"$2\" 2> \"$3\"", "oracle", inputURL.path, outputURL.path, errorURL.path,
        ]
        try process.run()
        process.waitUntilExit()
        let output = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw Failure(description: "oracle exited with \(process.terminationStatus): \(errors.prefix(2000))")
        }
        var lines = output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Compares `scheme` against oracle answers, one per pair: "-1", "0", "1" or "E" (invalid).
    /// `acceptsDeviation` may excuse a mismatch (documented deviations only). Returns a failure report or nil.
    static func mismatches(
        scheme: VersionScheme, pairs: [(String, String)], answers: [String], seed: UInt64,
        acceptsDeviation: (String, String, String, String) -> Bool = { _, _, _, _ in false }
    ) -> String? {
        guard answers.count == pairs.count else {
            return "oracle returned \(answers.count) answers for \(pairs.count) pairs (seed \(seed))"
        }
        var failures: [String] = []
        var invalid = 0
        for ((a, b), expected) in zip(pairs, answers) {
            let actual: String
            do {
                actual = String(try scheme.compare(a, b))
            } catch {
                actual = "E"
            }
            if expected == "E" { invalid += 1 }
            if actual != expected && !acceptsDeviation(a, b, expected, actual) {
                let detail = actual == "E" ? (scheme.isValid(a) ? "\(b) rejected" : "\(a) rejected") : actual
                failures.append("  \(quote(a)) vs \(quote(b)): oracle \(expected), ours \(detail)")
            }
        }
        guard !failures.isEmpty else { return nil }
        return """
            \(failures.count) of \(pairs.count) \(scheme.rawValue) pairs disagree with the oracle \
            (seed \(seed), \(invalid) invalid; rerun with SLIPWAY_VERSION_SEED=\(seed)):
            \(failures.prefix(15).joined(separator: "\n"))
            """
    }

    static func quote(_ text: String) -> String {
        "\""
            + text.unicodeScalars.map {
                $0.isASCII && $0.value >= 0x20 ? String($0) : "\\u{\(String($0.value, radix: 16))}"
            }
            .joined() + "\""
    }

    /// Serialises pairs as tab-separated lines (the generators never produce tabs or newlines).
    static func lines(_ pairs: [(String, String)]) -> String {
        pairs.map { pair in
            precondition(
                !(pair.0 + pair.1).contains(where: { "\t\n\r".contains($0) }), "generator produced a separator")
            return "\(pair.0)\t\(pair.1)\n"
        }.joined()
    }

    /// Derives a second version from `a`: identical, a spelling variant, or a small mutation.
    static func sibling(
        of a: String, using rng: inout SeededGenerator, alphabet: [String], variants: [(String) -> String]
    ) -> String {
        switch rng.int(0...9) {
        case 0, 1: return a
        case 2, 3, 4: return rng.pick(variants)(a)
        default:
            var characters = Array(a).map(String.init)
            guard !characters.isEmpty else { return rng.pick(alphabet) }
            let index = rng.int(0...(characters.count - 1))
            switch rng.int(0...2) {
            case 0: characters.insert(rng.pick(alphabet), at: index)
            case 1: characters[index] = rng.pick(alphabet)
            default: characters.remove(at: index)
            }
            return characters.joined()
        }
    }
}
