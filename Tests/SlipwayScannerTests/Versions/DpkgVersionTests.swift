import Foundation
import Testing

@testable import SlipwayScanner

/// Cases from dpkg's own test data (t/Dpkg_Version.t, lib/dpkg/t/t-version.c) and deb-version(7).
@Suite struct DpkgVersionTests {
    @Test(arguments: [
        ("1.0-1", "2.0-2", -1), ("2.2~rc-4", "2.2-1", -1), ("2.2-1", "2.2~rc-4", 1), ("1.0000-1", "1.0-1", 0),
        ("1", "0:1", 0), ("0", "0:0-0", 0), ("2:2.5", "1:7.5", 1), ("1:0foo", "0foo", 1), ("0:0foo", "0foo", 0),
        ("0foo", "0foo", 0), ("0foo-0", "0foo", 0), ("0foo", "0foo-0", 0), ("0foo", "0fo", 1),
        ("0foo-0", "0foo+", -1), ("0foo~1", "0foo", -1), ("0foo~foo+Bar", "0foo~foo+bar", -1),
        ("0foo~~", "0foo~", -1), ("1~", "1", -1), ("1~~", "1~~a", -1), ("1~~a", "1~", -1), ("1~", "1", -1),
        ("12345+that-really-is-some-ver-0", "12345+that-really-is-some-ver-10", -1), ("0foo-0", "0foo-01", -1),
        ("0foo.bar", "0foobar", 1), ("0foo.bar", "0foo1bar", 1), ("0foo.bar", "0foo0bar", 1),
        ("0foo1bar-1", "0foobar-1", -1), ("0foo2.0", "0foo2", 1), ("0foo2.0.0", "0foo2.10.0", -1),
        ("0foo2.0", "0foo2.0.0", -1), ("0foo2.0", "0foo2.10", -1), ("0foo2.1", "0foo2.10", -1), ("1.09", "1.9", 0),
        ("1.0.8+nmu1", "1.0.8", 1), ("3.11", "3.10+nmu1", 1), ("0.9j-20000806-1", "0.9j-20000806-1", 0),
        ("0.9j-20000806-1", "0.9j-20000806", 1), ("0.9j-20000806", "0.9j-20000806-1", -1),
        ("1.0", "1.0-0", 0), ("1.0-0", "1.0-0.0", -1), ("1.0", "1.0-1", -1), ("1a", "1+", -1), ("1.0", "1.0a", -1),
        ("1.0a", "1.0.", -1), ("1:1.0", "2.0", 1), ("10:1", "9:2", 1), ("1.2.3-1ubuntu0.1", "1.2.3-1", 1),
        ("1.2.3-1+deb12u1", "1.2.3-1", 1), ("2.36-9+deb12u4", "2.36-9+deb12u10", -1),
        ("7.88.1-10+deb12u5", "7.88.1-10", 1),
        ("1:2.38.1-5+deb12u1", "2.39.2-1", 1), ("3.0.11-1~deb12u2", "3.0.11-1", -1), (" 1.0 ", "1.0", 0),
        ("1.0~rc1", "1.0~beta", 1), ("a", "b", -1), ("~", "~~", 1),
    ])
    func ordering(a: String, b: String, expected: Int) throws {
        #expect(try VersionScheme.dpkg.compare(a, b) == expected)
        #expect(try VersionScheme.dpkg.compare(b, a) == -expected)
        let (x, y) = (try DpkgVersion(a), try DpkgVersion(b))
        #expect((x < y) == (expected < 0))
        #expect((x == y) == (expected == 0))
    }

    @Test(arguments: [
        ("", "version string is empty"), ("  ", "version string is empty"),
        ("1 0", "version string has embedded spaces"),
        (":1.0", "epoch in version is empty"), ("a:1.0", "epoch in version is empty"),
        ("1a:1.0", "epoch in version is not number"), ("1.0:2", "epoch in version is not number"),
        ("-1:1.0", "epoch in version is negative"), ("2147483648:1.0", "epoch in version is too big"),
        ("99999999999999999999:1", "epoch in version is too big"), ("1:", "nothing after colon in version number"),
        ("1.0-", "revision number is empty"), ("-1", "version number is empty"), ("1:-1", "version number is empty"),
        ("1_0", "invalid character in version number"), ("1.0!", "invalid character in version number"),
        ("1.0-1_2", "invalid character in revision number"), ("1.0-1@2", "invalid character in revision number"),
        ("1.0ä", "invalid character in version number"),
    ])
    func invalid(version: String, reason: String) {
        #expect(throws: VersionError(scheme: .dpkg, version: version, reason: reason)) {
            try DpkgVersion(version)
        }
    }

    @Test func parsedComponents() throws {
        let version = try DpkgVersion(" 2:1.2.3-a-b~1 ")
        #expect(version.epoch == 2)
        #expect(version.upstream == "1.2.3-a")
        #expect(version.revision == "b~1")
        #expect(version.description == "2:1.2.3-a-b~1")
        #expect(try DpkgVersion("1:2:3").upstream == "2:3")
        #expect(try DpkgVersion("+1:2").epoch == 1)
        #expect(try DpkgVersion("2147483647:1").epoch == 2_147_483_647)
        // dpkg accepts (with a warning) a version that does not start with a digit.
        #expect(try DpkgVersion("abc").upstream == "abc")
    }

    /// Property test against the real `dpkg --compare-versions`.
    @Test func agreesWithDpkg() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg") else {
            Issue.record("dpkg is required for the oracle test but /usr/bin/dpkg is missing")
            return
        }
        let seed = Oracle.seed
        var rng = SeededGenerator(seed: seed)
        var pairs: [(String, String)] = []
        while pairs.count < 2200 {
            let a = DpkgGenerator.version(&rng)
            let b = rng.chance(0.35) ? DpkgGenerator.version(&rng) : DpkgGenerator.sibling(of: a, &rng)
            guard !a.isEmpty, !b.isEmpty, !a.hasPrefix("-"), !b.hasPrefix("-") else { continue }
            pairs.append(rng.chance(0.5) ? (a, b) : (b, a))
        }
        // One shell for everything; `?` marks a "does not start with digit" warning, after which dpkg skips
        // its character checks.
        let script = #"""
            tab=$(printf '\t')
            while IFS="$tab" read -r a b; do
              err=$(dpkg --compare-versions "$a" lt "$b" 2>&1 >/dev/null); rc=$?
              if [ $rc -eq 0 ]; then r=-1
              elif [ $rc -eq 1 ]; then
                if dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then r=0; else r=1; fi
              else r=E; fi
              case "$err" in *"invalid character"*) r=E;; *"does not start with digit"*) r="$r?";; esac
              echo "$r"
            done < "$1"
            """#
        let answers = try Oracle.runShell(script, input: Oracle.lines(pairs))
        let report = Oracle.mismatches(
            scheme: .dpkg, pairs: pairs, answers: answers.map { $0 == "E?" ? "E" : $0 }, seed: seed
        ) { a, b, expected, actual in
            guard expected.hasSuffix("?") else { return false }
            if actual == String(expected.dropLast()) { return true }
            // Documented deviation: we reject illegal characters even when dpkg skipped that check.
            return actual == "E"
                && [a, b].contains { version in
                    let upstream =
                        version.contains(":")
                        ? version.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[1]
                        : version[...]
                    return (try? DpkgVersion(version)) == nil && !(upstream.first?.isASCIIDigit ?? false)
                }
        }
        #expect(report == nil, "\(report ?? "")")
        #expect(answers.filter { $0 != "E" }.count > pairs.count / 2, "too few valid pairs generated")
    }
}

/// Random Debian versions biased towards the tricky parts of `verrevcmp`.
enum DpkgGenerator {
    static let pieces = [
        "0", "1", "2", "9", "10", "01", "00", "007", "123", "99999999999999999999", "a", "b", "z",
        "A", "Z", "rc", "beta", "dfsg", "+", ".", "~", "~~", "+b1", "~rc1", ".0", "ubuntu", "deb12u1",
    ]
    static let revisionPieces = ["0", "1", "2", "10", "01", "a", "ubuntu1", "+b1", "~", ".", "+", "deb12u3", "~bpo"]

    static func version(_ rng: inout SeededGenerator) -> String {
        var text = ""
        if rng.chance(0.25) {
            text += rng.pick(["0", "1", "2", "10", "01", "00", "2147483647", "2147483648", "+1", "-0", "a", ""]) + ":"
        }
        text += rng.chance(0.9) ? rng.pick(["0", "1", "2", "10", "1.0", "2.36", "007"]) : rng.pick(["a", "~", "+"])
        for _ in 0..<rng.int(0...5) { text += rng.pick(pieces) }
        if rng.chance(0.1) { text += "-" + rng.pick(pieces) }
        if rng.chance(0.55) {
            text += "-" + (0..<rng.int(1...3)).map { _ in rng.pick(revisionPieces) }.joined()
        }
        if rng.chance(0.04) { text += rng.pick(["_", "!", "-", "@", ":", " x"]) }
        return text
    }

    static func sibling(of a: String, _ rng: inout SeededGenerator) -> String {
        Oracle.sibling(
            of: a, using: &rng, alphabet: ["0", "1", "a", "~", "+", ".", "-", ":", "Z"],
            variants: [
                { $0 + "-0" }, { "0:" + $0 }, { $0 + "~" }, { $0 + "0" }, { $0 + ".0" }, { $0 + "+b1" },
                { $0.replacingOccurrences(of: "1", with: "01") }, { $0.replacingOccurrences(of: ".", with: "~") },
                { $0.replacingOccurrences(of: "a", with: "A") }, { $0 + "a" }, { " " + $0 },
            ])
    }
}
