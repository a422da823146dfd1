import Testing

@testable import SlipwayScanner

/// Cases from golang.org/x/mod/semver's semver_test.go.
@Suite struct GoVersionTests {
    /// semver_test.go's table in ascending order; versions in one group are equal.
    static let ascendingGroups: [[String]] = [
        ["v1.0.0-alpha"], ["v1.0.0-alpha.1"], ["v1.0.0-alpha.beta"], ["v1.0.0-beta"], ["v1.0.0-beta.2"],
        ["v1.0.0-beta.11"], ["v1.0.0-rc.1"], ["v1", "v1.0", "v1.0.0", "1.0.0", "1"], ["v1.2", "v1.2.0"],
        ["v1.2.3-456"], ["v1.2.3-456.789"], ["v1.2.3-456-789"], ["v1.2.3-456a"], ["v1.2.3-pre", "v1.2.3-pre+meta"],
        ["v1.2.3-pre.1"], ["v1.2.3-zzz"], ["v1.2.3", "v1.2.3+meta", "v1.2.3+meta-pre", "v1.2.3+meta-pre.sha.256a"],
        ["v2.0.0+incompatible", "v2.0.0"], ["v99999999999999999999999.0.0"],
    ]

    @Test func xModOrder() throws {
        for (i, group) in Self.ascendingGroups.enumerated() {
            for a in group {
                for b in group { #expect(try VersionScheme.go.compare(a, b) == 0, "\(a) == \(b)") }
                for higher in Self.ascendingGroups[(i + 1)...].joined() {
                    #expect(try VersionScheme.go.compare(a, higher) == -1, "\(a) < \(higher)")
                    #expect(try VersionScheme.go.compare(higher, a) == 1, "\(higher) > \(a)")
                }
            }
        }
    }

    @Test(arguments: [
        ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20191109021932-0123456789ab", -1),
        ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1", -1),
        ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3", 1),
        ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", -1),
        ("v1.2.3-pre.0.20191109021931-daa7c04131f5", "v1.2.3-pre", 1),
        ("v1.0.0-11", "v1.0.0-9", 1), ("v1.0.0-a", "v1.0.0-999", 1), ("v1.0.0-A", "v1.0.0-a", -1),
    ])
    func ordering(a: String, b: String, expected: Int) throws {
        #expect(try VersionScheme.go.compare(a, b) == expected)
        #expect(try VersionScheme.go.compare(b, a) == -expected)
    }

    @Test(arguments: [
        "bad", "", "v", "v1-alpha.beta.gamma", "v1-pre", "v1+meta", "v1-pre+meta", "v1.2-pre", "v1.2+meta",
        "v1.2-pre+meta", "v01.2.3", "v1.02.3", "v1.2.03", "v1.2.3-01", "v1.2.3-", "v1.2.3+", "v1.2.3-a..b",
        "v1.2.3.4", "V1.2.3", " v1.2.3", "v1.2.3 ", "vv1.2.3", "v1.", "v1.2.", "v1.2.3-a_b",
    ])
    func invalid(version: String) {
        #expect(throws: VersionError.self) { try GoVersion(version) }
    }

    @Test func canonical() throws {
        #expect(try GoVersion("v1").canonical == "v1.0.0")
        #expect(try GoVersion("1.2.3-pre+incompatible").canonical == "v1.2.3-pre")
        #expect(try GoVersion("v2.0.0+incompatible").build == ["incompatible"])
    }
}
