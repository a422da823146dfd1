import Testing

@testable import SlipwayScanner

/// Cases from rpm's tests/rpmvercmp.at and EVR handling of `rpmverCmp`.
@Suite struct RPMVersionTests {
    @Test(arguments: [
        ("1.0", "1.0", 0), ("1.0", "2.0", -1), ("2.0.1", "2.0", 1), ("2.0.1a", "2.0.1", 1), ("5.5p1", "5.5p2", -1),
        ("5.5p10", "5.5p1", 1), ("10xyz", "10.1xyz", -1), ("xyz10", "xyz10.1", -1), ("xyz.4", "xyz.4", 0),
        ("xyz.4", "8", -1), ("xyz.4", "2", -1), ("5.5p2", "5.6p1", -1), ("5.6p1", "6.5p1", -1), ("6.0.rc1", "6.0", 1),
        ("10b2", "10a1", 1), ("10a2", "10b2", -1), ("1.0aa", "1.0aa", 0), ("1.0a", "1.0aa", -1), ("10.0001", "10.1", 0),
        ("10.0001", "10.0039", -1), ("4.999.9", "5.0", -1), ("20101121", "20101122", -1), ("2_0", "2.0", 0),
        ("a", "a", 0), ("a+", "a_", 0), ("+a", "_a", 0), ("+_", "+_", 0), ("_+", "+_", 0), ("_+", "_", 0),
        ("+", "_", 0),
        ("1.0~rc1", "1.0", -1), ("1.0~rc1", "1.0~rc2", -1), ("1.0~rc1~git123", "1.0~rc1", -1), ("1.0^", "1.0", 1),
        ("1.0^git1", "1.0", 1), ("1.0^git1", "1.0^git2", -1), ("1.0^git1", "1.01", -1), ("1.0^20160101", "1.0.1", -1),
        ("1.0^20160102", "1.0^20160101^git1", 1), ("1.0~rc1^git1", "1.0~rc1", 1), ("1.0^git1", "1.0^git1~pre", 1),
        ("1.0^", "1.0^", 0), ("1.0~rc1^git1", "1.0~rc1^git1", 0), ("99999999999999999999", "99999999999999999998", 1),
    ])
    func rpmvercmp(a: String, b: String, expected: Int) throws {
        #expect(RPMVersion.rpmvercmp(a, b) == expected)
        #expect(RPMVersion.rpmvercmp(b, a) == -expected)
        #expect(try VersionScheme.rpm.compare(a, b) == expected)
    }

    @Test(arguments: [
        ("0:1.0-1", "1.0-1", 0), ("1:1.0-1", "2.0-1", 1), (":1.0", "0:1.0", 0), ("01:1.0", "1:1.0", 0),
        ("1.0-1", "1.0-2", -1), ("1.0", "1.0-1", -1), ("1.0-1.el9", "1.0-1.el9_2", -1),
        ("2:4.18.0-513.5.1.el8_9", "2:4.18.0-513.11.1.el8_9", -1), ("1.2.3-4.el9", "1.2.3~rc1-4.el9", 1),
        ("a:1", "1", -1), ("1.0-1-2", "1.0-1-10", -1), ("7.76.1-26.el9_3.2", "7.76.1-26.el9", 1),
    ])
    func evr(a: String, b: String, expected: Int) throws {
        #expect(try VersionScheme.rpm.compare(a, b) == expected)
        #expect(try VersionScheme.rpm.compare(b, a) == -expected)
    }

    @Test func components() throws {
        let version = try RPMVersion("2:1.0-3.el9-1")
        #expect(version.epoch == "2")
        #expect(version.version == "1.0-3.el9")
        #expect(version.release == "1")
        #expect(try RPMVersion("1.0").epoch == nil)
        #expect(try RPMVersion("1.0").release == nil)
        #expect(try RPMVersion(":1").epoch == "0")
    }

    @Test(arguments: ["", " ", "1.0 -1", "1.0-", "-1", "1:", "1:-2", "1.0\t", "1.0\u{7F}"])
    func invalid(version: String) {
        #expect(throws: VersionError.self) { try RPMVersion(version) }
    }
}
