import Testing

@testable import SlipwayScanner

/// Cases from rubygems' test/rubygems/test_gem_version.rb.
@Suite struct RubyGemsVersionTests {
    @Test(arguments: [
        ("1.0", "1.0.0", 0), ("1.0", "1.0.a", 1), ("1.8.2", "0.0.0", 1), ("1.8.2", "1.8.2.a", 1),
        ("1.8.2.b", "1.8.2.a", 1),
        ("1.8.2.a", "1.8.2", -1), ("1.8.2.a10", "1.8.2.a9", 1), ("0.beta.1", "0.0.beta.1", 0),
        ("0.0.beta", "0.0.beta.1", -1),
        ("0.0.beta", "0.beta.1", -1), ("5.a", "5.0.0.rc2", -1), ("5.x", "5.0.0.rc2", 1), ("1.0", "1", 0),
        ("1.0.0-alpha", "1.0.0-alpha.1", -1), ("1.0.0-alpha.1", "1.0.0-beta.2", -1),
        ("1.0.0-beta.2", "1.0.0-beta.11", -1),
        ("1.0.0-beta.11", "1.0.0-rc.1", -1), ("1.0.0-rc1", "1.0.0", -1), ("1.0.0-1", "1", -1), ("1.2.0.a", "1.2.0", -1),
        ("1.a", "1.0.a", 0), ("1.0.a.0", "1.a", 0), ("1.A", "1.a", -1), ("1-1", "1.pre.1", 0),
        ("1.0-a", "1.0.pre.a", 0),
        ("2.9.b", "2.9", -1), ("22.1.50.0.d", "22.1.50.0", -1), ("1.2.d.42", "1.2", -1), ("1.2.3", "1.2.3.0.0.1", -1),
        ("01.2", "1.2", 0), (" 1.2 ", "1.2", 0), ("99999999999999999999999.0", "99999999999999999999998", 1),
        ("1.0.0.rc1", "1.0.0.beta2", 1), ("1.0.0.a", "1.0.0.B", 1),
    ])
    func ordering(a: String, b: String, expected: Int) throws {
        #expect(try VersionScheme.rubygems.compare(a, b) == expected)
        #expect(try VersionScheme.rubygems.compare(b, a) == -expected)
    }

    @Test(arguments: [
        "junk", "1.0\n2.0", "1..2", "1.2 3.4", "1.", "1.0-", "1a", "v1.0", "-1", ".1", "1.0+build", "1.0_1", "", "  ",
        "2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.", "1.0-a..b", "1.0ä",
    ])
    func invalid(version: String) {
        #expect(throws: VersionError.self) { try RubyGemsVersion(version) }
    }

    @Test func segments() throws {
        let version = try RubyGemsVersion("1.0.0.a.10-pre.1")
        #expect(version.version == "1.0.0.a.10.pre.pre.1")
        #expect(version.isPrerelease)
        #expect(
            version.canonicalSegments == [
                .number("1"), .string("a"), .number("10"), .string("pre"), .string("pre"),
                .number("1"),
            ])
        #expect(try !RubyGemsVersion("1.2.0").isPrerelease)
        #expect(try RubyGemsVersion("1-1").isPrerelease)
    }
}
