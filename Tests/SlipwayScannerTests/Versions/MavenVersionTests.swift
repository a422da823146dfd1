import Testing

@testable import SlipwayScanner

/// Cases from maven-artifact's ComparableVersionTest (3.9.x) and the POM reference's version order examples.
@Suite struct MavenVersionTests {
    static let qualifiers = [
        "1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc", "1-cr2",
        "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1", "1-1-snapshot", "1-1",
        "1-2", "1-123",
    ]
    static let numbers = [
        "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2",
        "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m",
    ]

    @Test(arguments: [
        qualifiers, numbers,
        [
            "20190126.230843", "1234567890.12345", "123456789012345.1H.5-beta",
            "12345678901234567890.1H.5-beta",
        ], ["6.1.0rc3", "6.1.0", "6.1H.5-beta"],
        ["1-0.alpha", "1-0.beta", "1"],
    ])
    func ascending(versions: [String]) throws {
        for (i, lower) in versions.enumerated() {
            for higher in versions[(i + 1)...] {
                #expect(try VersionScheme.maven.compare(lower, higher) == -1, "\(lower) < \(higher)")
                #expect(try VersionScheme.maven.compare(higher, lower) == 1, "\(higher) > \(lower)")
            }
        }
    }

    @Test(arguments: [
        ("1", "1"), ("1", "1.0"), ("1", "1.0.0"), ("1.0", "1.0.0"), ("1", "1-0"), ("1", "1.0-0"), ("1.0", "1.0-0"),
        ("1a", "1-a"), ("1a", "1.0-a"), ("1a", "1.0.0-a"), ("1.0a", "1-a"), ("1.0.0a", "1-a"), ("1x", "1-x"),
        ("1x", "1.0-x"), ("1x", "1.0.0-x"), ("1.0x", "1-x"), ("1.0.0x", "1-x"), ("1ga", "1"), ("1release", "1"),
        ("1final", "1"), ("1cr", "1rc"), ("1a1", "1-alpha-1"), ("1b2", "1-beta-2"), ("1m3", "1-milestone-3"),
        ("1X", "1x"), ("1A", "1a"), ("1B", "1b"), ("1M", "1m"), ("1Ga", "1"), ("1GA", "1"), ("1RELEASE", "1"),
        ("1release", "1"), ("1RELeaSE", "1"), ("1Final", "1"), ("1FinaL", "1"), ("1FINAL", "1"), ("1Cr", "1Rc"),
        ("1cR", "1rC"), ("1m3", "1Milestone3"), ("1m3", "1MileStone3"), ("1m3", "1MILESTONE3"),
        ("1-abcdefghijklmnopqrstuvwxyz", "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ"), ("0000000000000000001", "1"),
        ("0000000000000000000", "0"), ("000000000000001", "1"), ("2-abc", "2.0.abc"), ("2-alpha", "2.0.0.alpha"),
        ("1.", "1"), ("1-", "1"), ("1.ga", "1"), ("1.final", "1"), ("1.0.0-0.0.0", "1"), ("1.0.0-foo.0.0", "1-foo"),
    ])
    func equal(a: String, b: String) throws {
        #expect(try VersionScheme.maven.compare(a, b) == 0)
        #expect(try VersionScheme.maven.compare(b, a) == 0)
    }

    @Test(arguments: [
        ("1", "2"), ("1.5", "2"), ("1", "2.5"), ("1.0", "1.1"), ("1.1", "1.2"), ("1.0.0", "1.1"), ("1.0.1", "1.1"),
        ("1.1", "1.2.0"), ("1.0-alpha-1", "1.0"), ("1.0-alpha-1", "1.0-alpha-2"), ("1.0-alpha-1", "1.0-beta-1"),
        ("1.0-beta-1", "1.0-SNAPSHOT"), ("1.0-SNAPSHOT", "1.0"), ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"),
        ("1.0", "1.0-1"), ("1.0-1", "1.0-2"), ("1.0.0", "1.0-1"), ("2.0-1", "2.0.1"), ("2.0.1-klm", "2.0.1-lmn"),
        ("2.0.1", "2.0.1-xyz"), ("2.0.1", "2.0.1-123"), ("2.0.1-xyz", "2.0.1-123"), ("1.0.0.alpha1", "1.0.0-alpha2"),
        ("1.0.0.rc1", "1.0.0-rc2"), ("1-sp", "1-foo"), ("1-snapshot", "1-sp"), ("1.0.0.x1", "1.0.0-x2"),
        ("1.2.3", "1.2.3.0.0.1"), ("9999999999", "10000000000"), ("1.0-rc1", "1.0-cr2"),
        // An all-zero run longer than nine digits keeps its zeros and becomes a "long" item.
        ("1.9.1", "1.0000000000.1"),
    ])
    func ordering(lower: String, higher: String) throws {
        #expect(try VersionScheme.maven.compare(lower, higher) == -1)
        #expect(try VersionScheme.maven.compare(higher, lower) == 1)
    }

    @Test func canonical() throws {
        #expect(try MavenVersion("1-1.foo-bar1baz-.1").canonical == "1-1.foo-bar-1-baz-0.1")
        #expect(try MavenVersion("1.0.0").canonical == "1")
        #expect(try MavenVersion("1.0.0-foo.0.0").canonical == "1-foo")
        #expect(try MavenVersion("1.0-RC1").canonical == "1-rc-1")
    }

    @Test(arguments: ["", " ", "1.0 ", "1.0\t1", "1\n"])
    func invalid(version: String) {
        #expect(throws: VersionError.self) { try MavenVersion(version) }
    }
}
