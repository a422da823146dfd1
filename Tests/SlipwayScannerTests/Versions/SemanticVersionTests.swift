import Foundation
import Testing

@testable import SlipwayScanner

/// Cases from semver.org §11 and node-semver's test fixtures (comparisons.js, equality.js, invalid-versions.js).
@Suite struct SemanticVersionTests {
    @Test func specPrecedence() throws {
        let ascending = [
            "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
            "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1",
        ]
        for (i, lower) in ascending.enumerated() {
            for higher in ascending[(i + 1)...] {
                #expect(try VersionScheme.semver.compare(lower, higher) == -1, "\(lower) < \(higher)")
                #expect(try SemanticVersion(higher) > SemanticVersion(lower))
            }
        }
    }

    /// node-semver comparisons.js: each pair is (greater, lesser).
    @Test(arguments: [
        ("0.0.0", "0.0.0-foo"), ("0.0.1", "0.0.0"), ("1.0.0", "0.9.9"), ("0.10.0", "0.9.0"), ("0.99.0", "0.10.0"),
        ("2.0.0", "1.2.3"), ("v0.0.0", "0.0.0-foo"), ("v0.0.1", "0.0.0"), ("v1.0.0", "0.9.9"), ("1.2.3", "1.2.3-asdf"),
        ("1.2.3", "1.2.3-4"), ("1.2.3", "1.2.3-4-foo"), ("1.2.3-5-foo", "1.2.3-5"), ("1.2.3-5", "1.2.3-4"),
        ("1.2.3-5-foo", "1.2.3-5-Foo"), ("3.0.0", "2.7.2+asdf"), ("1.2.3-a.10", "1.2.3-a.5"),
        ("1.2.3-a.b", "1.2.3-a.5"),
        ("1.2.3-a.b", "1.2.3-a"), ("1.2.3-a.b.c.10.d.5", "1.2.3-a.b.c.5.d.100"), ("1.2.3-r2", "1.2.3-r100"),
        ("1.2.3-r100", "1.2.3-R2"), ("1.2.3-alpha", "1.2.3-9007199254740993"), ("9007199254740991.0.0", "1.0.0"),
    ])
    func greater(greater: String, lesser: String) throws {
        #expect(try VersionScheme.semver.compare(greater, lesser) == 1)
        #expect(try VersionScheme.semver.compare(lesser, greater) == -1)
    }

    @Test(arguments: [
        ("1.2.3", "v1.2.3"), (" 1.2.3 ", "1.2.3"), ("\u{FEFF}1.2.3\u{3000}", "1.2.3"),
        ("1.2.3-beta+build", "1.2.3-beta+otherbuild"),
        ("1.2.3+build", "1.2.3+otherbuild"), ("1.2.3-beta.4+b.01", "1.2.3-beta.4"),
        // npm compares numeric identifiers as doubles: these differ but round to the same number.
        ("1.2.3-9007199254740993", "1.2.3-9007199254740992"), ("1.2.3-9007199254740993.a", "1.2.3-9007199254740992.b"),
    ])
    func equal(a: String, b: String) throws {
        #expect(try VersionScheme.semver.compare(a, b) == 0)
        #expect(try VersionScheme.semver.compare(b, a) == 0)
    }

    @Test(arguments: [
        "1.2.3.4", "NOT VALID", "1.2", "1", "", " ", "Infinity.NaN.Infinity", "01.2.3", "1.02.3", "1.2.03", "1.2.3-01",
        "1.2.3-", "1.2.3+", "1.2.3-a..b", "1.2.3+a..b", "1.2.3-a_b", "=1.2.3", "V1.2.3", "vv1.2.3", "v 1.2.3",
        "9007199254740992.0.0", "1.9007199254740992.0", "1.2.99999999999999999999", "1.2.3 -beta", "1.2.3beta",
        String(repeating: "1", count: 250) + ".0.0", "1.2.3-" + String(repeating: "a", count: 251), "1.2.3-ä",
    ])
    func invalid(version: String) {
        #expect(throws: VersionError.self) { try SemanticVersion(version) }
    }

    @Test func components() throws {
        let version = try SemanticVersion(" v1.2.3-alpha.10.x-y+build.007 ")
        #expect([version.major, version.minor, version.patch] == [1, 2, 3])
        #expect(version.prerelease == [.alphanumeric("alpha"), .numeric("10"), .alphanumeric("x-y")])
        #expect(version.build == ["build", "007"])
        #expect(version.version == "1.2.3-alpha.10.x-y")
    }

    /// Property test against the `semver` package bundled with npm.
    @Test func agreesWithNodeSemver() throws {
        let seed = Oracle.seed
        var rng = SeededGenerator(seed: seed ^ 0x5E3)
        var pairs: [(String, String)] = []
        while pairs.count < 2500 {
            let a = SemverGenerator.version(&rng)
            let b = rng.chance(0.35) ? SemverGenerator.version(&rng) : SemverGenerator.sibling(of: a, &rng)
            pairs.append(rng.chance(0.5) ? (a, b) : (b, a))
        }
        let script = #"""
            node_bin=$(command -v node) || { echo "node is required for the semver oracle test" >&2; exit 3; }
            npm_bin=$(command -v npm) || { echo "npm is required for the semver oracle test" >&2; exit 3; }
            semver_dir="$(dirname "$(readlink -f "$npm_bin")")/../node_modules/semver"
            [ -f "$semver_dir/package.json" ] || { echo "npm's semver module not found at $semver_dir" >&2; exit 3; }
            "$node_bin" -e '
              const semver = require(process.argv[2]);
              const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
              lines.pop();
              const out = lines.map((line) => {
                const [a, b] = line.split("\t");
                try { return String(semver.compare(new semver.SemVer(a), new semver.SemVer(b))); }
                catch (e) { return "E"; }
              });
              process.stdout.write(out.join("\n") + "\n");
            ' "$1" "$semver_dir"
            """#
        let answers = try Oracle.runShell(script, input: Oracle.lines(pairs))
        let report = Oracle.mismatches(scheme: .semver, pairs: pairs, answers: answers, seed: seed)
        #expect(report == nil, "\(report ?? "")")
        #expect(answers.filter { $0 != "E" }.count > pairs.count / 2, "too few valid pairs generated")
    }
}

/// Random SemVer strings around npm's edge cases: prefixes, leading zeros, 2^53, identifier kinds.
enum SemverGenerator {
    static func number(_ rng: inout SeededGenerator) -> String {
        rng.chance(0.96)
            ? rng.pick(["0", "1", "2", "3", "10", "11", "123"])
            : rng.pick(["01", "00", "9007199254740991", "9007199254740992", "99999999999999999999", "4294967296"])
    }

    static func identifier(_ rng: inout SeededGenerator) -> String {
        rng.pick([
            "alpha", "beta", "rc", "0", "1", "2", "10", "11", "01", "9007199254740992", "9007199254740993",
            "99999999999999999999", "x-y", "-", "--", "A", "a1", "0a", "1a", "Alpha", "a", "b", "zz", "rc1",
        ])
    }

    static func version(_ rng: inout SeededGenerator) -> String {
        var text = rng.chance(0.9) ? "" : rng.pick(["v", "v", "=", "V", " ", "v ", "\u{00A0}", "vv"])
        let parts = rng.chance(0.95) ? 3 : rng.pick([1, 2, 4])
        text += (0..<parts).map { _ in number(&rng) }.joined(separator: ".")
        if rng.chance(0.55) {
            text += "-" + (0..<rng.int(1...4)).map { _ in identifier(&rng) }.joined(separator: ".")
        }
        if rng.chance(0.25) {
            text +=
                "+"
                + (0..<rng.int(1...3)).map { _ in rng.pick(["build", "01", "x-1", "sha", "a"]) }
                .joined(separator: ".")
        }
        if rng.chance(0.03) { text += rng.pick(["..1", "+", "-", "_x", "-a..b"]) }
        return text + (rng.chance(0.05) ? " " : "")
    }

    static func sibling(of a: String, _ rng: inout SeededGenerator) -> String {
        Oracle.sibling(
            of: a, using: &rng, alphabet: ["0", "1", ".", "-", "+", "a", "A", "9"],
            variants: [
                { "v" + $0 }, { $0 + "+build" }, { $0 + ".0" }, { $0 + "-0" }, { $0 + ".1" }, { $0 + "-alpha" },
                { $0.replacingOccurrences(of: "a", with: "A") }, { $0.replacingOccurrences(of: "2", with: "10") },
                { $0.replacingOccurrences(of: "3", with: "9007199254740993") },
                { $0.replacingOccurrences(of: "9007199254740992", with: "9007199254740993") },
                { $0.replacingOccurrences(of: "9007199254740993", with: "9007199254740992") },
                { $0.replacingOccurrences(of: "-", with: "-9007199254740993.") },
            ])
    }
}
