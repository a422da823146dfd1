import Testing

@testable import SlipwayScanner

/// Cases from composer/semver's VersionParserTest (normalisation) and ComparatorTest, and php-src's
/// version_compare tests.
@Suite struct ComposerVersionTests {
    @Test(arguments: [
        ("1.0.0", "1.0.0.0"), ("1.2.3.4", "1.2.3.4"), ("1.0.0RC1dev", "1.0.0.0-RC1-dev"),
        ("1.0.0-rC15-dev", "1.0.0.0-RC15-dev"),
        ("1.0.0.RC.15-dev", "1.0.0.0-RC15-dev"), ("1.0.0-rc1", "1.0.0.0-RC1"), ("1.0.0.pl3-dev", "1.0.0.0-patch3-dev"),
        ("1.0-dev", "1.0.0.0-dev"), ("0", "0.0.0.0"), ("10.4.13-beta", "10.4.13.0-beta"),
        ("10.4.13beta2", "10.4.13.0-beta2"),
        ("10.4.13beta.2", "10.4.13.0-beta2"), ("v1.13.11-beta.0", "1.13.11.0-beta0"),
        ("1.13.11.0-beta0", "1.13.11.0-beta0"),
        ("10.4.13-b", "10.4.13.0-beta"), ("10.4.13-b5", "10.4.13.0-beta5"), ("v1.0.0", "1.0.0.0"),
        ("2010.01", "2010.01.0.0"),
        ("2010.01.02", "2010.01.02.0"), ("2010.1.555", "2010.1.555.0"), ("2010.10.200", "2010.10.200.0"),
        ("v20100102", "20100102"), ("2010-01-02", "2010.01.02"), ("2010-01-02.5", "2010.01.02.5"),
        ("20100102-203040", "20100102.203040"), ("20100102203040-10", "20100102203040.10"),
        ("20100102-203040-p1", "20100102.203040-patch1"), ("201903.0", "201903.0"),
        ("201903.x-dev", "201903.9999999.9999999.9999999-dev"), ("201903.0-p2", "201903.0-patch2"),
        ("1.x-dev", "1.9999999.9999999.9999999-dev"), ("1.0.0+foo@dev", "1.0.0.0"),
        ("1.0.0-beta.5+foo", "1.0.0.0-beta5"),
        ("1.0.0+foo", "1.0.0.0"), ("1.0.0-alpha.3.1+foo", "1.0.0.0-alpha3.1"),
        ("1.0.0-alpha2.1+foo", "1.0.0.0-alpha2.1"),
        ("1.0.0-alpha-2.1-3+foo", "1.0.0.0-alpha2.1-3"), ("1.0.0+foo as 2.0", "1.0.0.0"),
        ("00.01.03.04", "00.01.03.04"),
        ("000.001.003.004", "000.001.003.004"), ("0.000.103.204", "0.000.103.204"), ("0700", "0700.0.0.0"),
        ("041.x-dev", "041.9999999.9999999.9999999-dev"), (" 1.0.0", "1.0.0.0"), ("1.0.0 ", "1.0.0.0"),
        ("1.0@beta", "1.0.0.0"), ("1.0-stable", "1.0.0.0"), ("1.0-STABLE", "1.0.0.0-stable"),
        ("2.1.*-dev", "2.1.9999999.9999999-dev"),
        ("2010.01.02.3.4", "2010.01.02.3.4"), ("1.0.0-p", "1.0.0.0-patch"), ("123456", "123456"),
    ])
    func normalize(input: String, normalized: String) throws {
        #expect(try ComposerVersion.normalize(input) == normalized)
        #expect(try ComposerVersion(input).normalized == normalized)
    }

    @Test(arguments: [
        "", "a", "1.0.0-meh", "1.0.0.0.0", "feature-foo", "1.0.0+foo bar", "1.0.1-SNAPSHOT", "1.0.0<1.0.5-dev",
        "1.0.0-dev<1.0.5-dev", "foo bar-dev", "1.0 .2", " as ", " as 1.2", "^", "~1", "^1", "1.*", "20100102.0.3.4",
        "RC", "1.0ä",
        // Branch names normalise but cannot be ordered.
        "dev-master", "master", "trunk", "default", "dev-feature-foo", "DEV-FOOBAR", "dev-master as 1.0.0",
    ])
    func invalid(version: String) {
        #expect(throws: VersionError.self) { try ComposerVersion(version) }
    }

    @Test(arguments: [
        ("1.25.0", "1.24.0", 1), ("1.25.0", "1.25.0", 0), ("1.25.0", "1.26.0", -1), ("1.26.0", "1.26.0-beta", 1),
        ("1.0.0-dev", "1.0.0-alpha", -1), ("1.0.0-alpha", "1.0.0-beta", -1), ("1.0.0-beta", "1.0.0-RC1", -1),
        ("1.0.0-RC1", "1.0.0", -1), ("1.0.0", "1.0.0-patch1", -1), ("1.0.0-p1", "1.0.0-pl1", 0), ("v1.0", "1.0.0.0", 0),
        ("1.0.0-beta2", "1.0.0-beta10", -1), ("1.0.0-beta.2", "1.0.0-b2", 0), ("1.0.0-RC1-dev", "1.0.0-RC1", -1),
        ("1.0-dev", "1.0.0-alpha1", -1), ("1.x-dev", "1.9.9", 1), ("1.x-dev", "2.0.0-alpha", -1),
        ("2010-01-02", "2010.01.02", -1), ("1.0.0-STABLE", "1.0.0-dev", -1), ("1.0.0+build.1", "1.0.0", 0),
        ("1.0.0.1", "1.0.0", 1), ("01.0", "1.0", 0), ("1.0.0-alpha2.1", "1.0.0-alpha2", 1),
    ])
    func ordering(a: String, b: String, expected: Int) throws {
        #expect(try VersionScheme.composer.compare(a, b) == expected)
        #expect(try VersionScheme.composer.compare(b, a) == -expected)
    }

    /// php-src ext/standard/tests/versioning/version_compare.phpt and friends.
    @Test(arguments: [
        ("1", "1.0", -1), ("1.0", "1.0.0", -1), ("1.0", "1.0a", 1), ("1.0a", "1.0b", -1), ("1.0rc1", "1.0", -1),
        ("1.0pl1", "1.0", 1), ("1.0-dev", "1.0a1", -1), ("1.0.0-RC1", "1.0.0rc1", 0), ("1.0#1", "1.0.1", 1),
        ("1.0", "1.0.x", 1), ("1.0.x", "1.0.dev", -1), ("", "1", -1), ("", "", 0), ("1..0", "1.0", 0),
        ("5.2", "5.2.0", -1), ("5.2.0", "5.2.0-dev", 1), ("1.0-p1", "1.0-patch", 1), ("1.0-beta", "1.0-b", 0),
    ])
    func phpVersionCompare(a: String, b: String, expected: Int) {
        #expect(ComposerVersion.phpVersionCompare(a, b) == expected)
        #expect(ComposerVersion.phpVersionCompare(b, a) == -expected)
    }
}
