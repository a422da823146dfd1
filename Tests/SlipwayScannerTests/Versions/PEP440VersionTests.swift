import Foundation
import Testing

@testable import SlipwayScanner

/// Cases from PEP 440 and packaging's tests/test_version.py.
@Suite struct PEP440VersionTests {
    /// packaging's `VERSIONS` list, in ascending order.
    static let ascending = [
        "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
        "1.0b2.post345.dev456", "1.0b2.post345", "1.0b2-346", "1.0c1.dev456", "1.0c1", "1.0rc2", "1.0c3", "1.0",
        "1.0.post456.dev34", "1.0.post456", "1.1.dev1", "1.2+123abc", "1.2+123abc456", "1.2+abc", "1.2+abc123",
        "1.2+abc123def", "1.2+1234.abc", "1.2+123456", "1.2.r32+123456", "1.2.rev33+123456",
        "1!1.0.dev456", "1!1.0a1", "1!1.0a2.dev456", "1!1.0a12.dev456", "1!1.0a12", "1!1.0b1.dev456", "1!1.0b2",
        "1!1.0b2.post345.dev456", "1!1.0b2.post345", "1!1.0b2-346", "1!1.0c1.dev456", "1!1.0c1", "1!1.0rc2",
        "1!1.0c3", "1!1.0", "1!1.0.post456.dev34", "1!1.0.post456", "1!1.1.dev1", "1!1.2+123abc",
        "1!1.2+123abc456", "1!1.2+abc", "1!1.2+abc123", "1!1.2+abc123def", "1!1.2+1234.abc", "1!1.2+123456",
        "1!1.2.r32+123456", "1!1.2.rev33+123456",
    ]

    @Test func packagingOrder() throws {
        for (i, lower) in Self.ascending.enumerated() {
            for higher in Self.ascending[(i + 1)...] {
                #expect(try VersionScheme.pep440.compare(lower, higher) == -1, "\(lower) < \(higher)")
                #expect(try VersionScheme.pep440.compare(higher, lower) == 1, "\(higher) > \(lower)")
            }
        }
    }

    /// Spellings that normalise to the same version.
    @Test(arguments: [
        ("1.0a1", "1.0.alpha1"), ("1.0a1", "1.0-A-1"), ("1.0a1", "1.0_alpha.1"), ("1.0a", "1.0a0"),
        ("1.0b2", "1.0beta2"), ("1.0rc1", "1.0c1"), ("1.0rc1", "1.0pre1"), ("1.0rc1", "1.0preview1"),
        ("1.0RC1", "1.0rc1"), ("1.0-1", "1.0.post1"), ("1.0post1", "1.0-r1"), ("1.0.rev1", "1.0-post-1"),
        ("1.0post", "1.0.post0"), ("1.0.dev", "1.0.dev0"), ("1.0-DEV-3", "1.0.dev3"), ("v1.0", "1.0"),
        ("V1.0", "1.0"), ("1.0.0", "1"), ("1.0.0.0", "1.0"), ("0!1.0", "1.0"), ("01.002", "1.2"), (" 1.0 ", "1.0"),
        ("\t1.0\n", "1.0"), ("1.0+ubuntu-1", "1.0+ubuntu.1"), ("1.0+Ubuntu_1", "1.0+ubuntu.1"), ("1.0+01", "1.0+1"),
        ("1.0a.1", "1.0a1"), ("1.0-a1", "1.0a1"), ("1.0a-", "1.0a0"), ("1.0.post-", "1.0.post0"), ("1!2", "1!2.0.0"),
        ("18446744073709551617.0", "18446744073709551617"),
    ])
    func equivalent(a: String, b: String) throws {
        #expect(try VersionScheme.pep440.compare(a, b) == 0)
        #expect(try PEP440Version(a) == PEP440Version(b))
    }

    @Test(arguments: [
        ("1.0", "1.0.1", -1), ("1.0.dev1", "1.0a1", -1), ("1.0a1.post1", "1.0a2", -1),
        ("1.0.post1.dev1", "1.0.post1", -1),
        ("1.0+local", "1.0.post1", -1), ("1.0", "1.0+local", -1), ("1.0+abc", "1.0+abc.1", -1),
        ("1.0+a.1", "1.0+a.a", 1),
        ("2!0.1", "1!99", 1), ("1.0.dev0", "1.0.dev0+1", -1), ("1.0a1.dev1", "1.0a1", -1), ("1.0rc1", "1.0", -1),
        ("99999999999999999999999.1", "99999999999999999999999", 1), ("1.0.post0", "1.0", 1),
        ("1.0.post1.dev2", "1.0.post1.dev10", -1), ("1.0a1.post1.dev1", "1.0a1.post1", -1),
    ])
    func ordering(a: String, b: String, expected: Int) throws {
        #expect(try VersionScheme.pep440.compare(a, b) == expected)
        #expect(try VersionScheme.pep440.compare(b, a) == -expected)
    }

    /// Invalid versions from packaging's `INVALID_VERSIONS` and others `Version()` rejects.
    @Test(arguments: [
        "french toast", "1.0+a+", "1.0++", "1.0+_foobar", "1.0+foo&asd", "1.0+1+1", "1..2", "1.", ".1", "", " ",
        "1.0-", "1.0+", "1.0a1-", "v", "1!", "!1.0", "1.0 1", "1.0.dev-a", "1.0a1b1", "1.0.post1.post2",
        "1.0.dev1.dev2", "1.0.dev1.post1", "1.0abc", "1.0ä", "１.0", "1.0-+local", "vv1.0", "1.0_",
    ])
    func invalid(version: String) {
        #expect(throws: VersionError.self) { try PEP440Version(version) }
        #expect(!VersionScheme.pep440.isValid(version))
    }

    @Test func errorReasons() {
        #expect(throws: VersionError(scheme: .pep440, version: "1..2", reason: "empty release segment")) {
            try PEP440Version("1..2")
        }
        #expect(
            VersionError(scheme: .pep440, version: "1..2", reason: "empty release segment").description
                == #""1..2" is not a valid PEP 440 version: empty release segment"#)
    }

    @Test func components() throws {
        let version = try PEP440Version("v2!1.02.3-RC4.post5.dev6+Ubuntu-7")
        #expect(version.epoch == "2")
        #expect(version.release == ["1", "2", "3"])
        #expect(version.preRelease?.phase == .releaseCandidate)
        #expect(version.preRelease?.number == "4")
        #expect(version.postRelease == "5")
        #expect(version.devRelease == "6")
        #expect(version.local == [.text("ubuntu"), .number("7")])
    }

    /// Property test against Python's `packaging.version.Version`.
    @Test func agreesWithPackaging() throws {
        let seed = Oracle.seed
        var rng = SeededGenerator(seed: seed ^ 0x440)
        var pairs: [(String, String)] = []
        while pairs.count < 2500 {
            let a = PEP440Generator.version(&rng)
            let b = rng.chance(0.35) ? PEP440Generator.version(&rng) : PEP440Generator.sibling(of: a, &rng)
            pairs.append(rng.chance(0.5) ? (a, b) : (b, a))
        }
        let script = #"""
            command -v python3 >/dev/null || { echo "python3 is required for the PEP 440 oracle test" >&2; exit 3; }
            python3 -c '
            import sys
            from packaging.version import Version, InvalidVersion
            for line in open(sys.argv[1], encoding="utf-8"):
                a, b = line[:-1].split("\t")
                try:
                    x, y = Version(a), Version(b)
                except InvalidVersion:
                    print("E")
                    continue
                print(-1 if x < y else (1 if x > y else 0))
            ' "$1"
            """#
        let answers = try Oracle.runShell(script, input: Oracle.lines(pairs))
        let report = Oracle.mismatches(scheme: .pep440, pairs: pairs, answers: answers, seed: seed)
        #expect(report == nil, "\(report ?? "")")
        #expect(answers.filter { $0 != "E" }.count > pairs.count / 2, "too few valid pairs generated")
    }
}

/// Random PEP 440 strings: every spelling the grammar allows, plus near misses.
enum PEP440Generator {
    static func number(_ rng: inout SeededGenerator) -> String {
        rng.pick(["0", "1", "2", "9", "10", "01", "00", "007", "123", "4294967296", "99999999999999999999999"])
    }

    static func separator(_ rng: inout SeededGenerator) -> String { rng.pick(["", "", ".", "-", "_"]) }

    static func version(_ rng: inout SeededGenerator) -> String {
        var text = rng.pick(["", "", "", "", "v", "V", " ", "\u{000C}"])
        if rng.chance(0.12) { text += number(&rng) + "!" }
        text += (0..<rng.int(1...4)).map { _ in number(&rng) }.joined(separator: ".")
        if rng.chance(0.4) {
            text +=
                separator(&rng) + rng.pick(["a", "alpha", "b", "beta", "c", "rc", "pre", "preview", "A", "RC", "Beta"])
            text += separator(&rng) + (rng.chance(0.7) ? number(&rng) : "")
        }
        if rng.chance(0.3) {
            text +=
                rng.chance(0.3)
                ? "-" + number(&rng)
                : separator(&rng) + rng.pick(["post", "rev", "r", "POST"]) + separator(&rng)
                    + (rng.chance(0.7) ? number(&rng) : "")
        }
        if rng.chance(0.3) {
            text +=
                separator(&rng) + rng.pick(["dev", "DEV"]) + separator(&rng) + (rng.chance(0.7) ? number(&rng) : "")
        }
        if rng.chance(0.25) {
            let segments = (0..<rng.int(1...3)).map { _ in
                rng.pick(["abc", "1", "01", "ubuntu", "Foo", "0", "x1", "1a"])
            }
            text += "+" + segments.map { $0 }.joined(separator: rng.pick([".", "-", "_"]))
        }
        return text + rng.pick(["", "", "", " ", "\u{00A0}"])
    }

    static func sibling(of a: String, _ rng: inout SeededGenerator) -> String {
        Oracle.sibling(
            of: a, using: &rng, alphabet: ["0", "1", ".", "-", "_", "+", "a", "!", "v", "r", "c"],
            variants: [
                { $0.uppercased() }, { $0 + ".0" }, { $0.replacingOccurrences(of: ".", with: "-") },
                { $0.replacingOccurrences(of: "alpha", with: "a") }, { $0.replacingOccurrences(of: "c", with: "rc") },
                { $0 + "+0" }, { $0 + ".post0" }, { $0 + ".dev0" }, { "0!" + $0 }, { $0 + "-1" }, { $0 + "a" },
                { releaseOnly($0) }, { releaseOnly($0) + ".dev1" }, { releaseOnly($0) + "a1" },
                { releaseOnly($0) + "rc1.dev2" },
                { releaseOnly($0) + ".post1.dev1" }, { releaseOnly($0) + "+local.1" }, { releaseOnly($0) + "b0.post0" },
            ])
    }

    /// The leading release segment (and epoch) of a generated version.
    static func releaseOnly(_ text: String) -> String {
        String(text.drop(while: { !$0.isASCIIDigit }).prefix(while: { $0.isASCIIDigit || $0 == "." || $0 == "!" }))
    }
}
