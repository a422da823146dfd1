import Foundation
import SlipwayScanner
import Testing

@Suite struct VersionSchemeTests {
    @Test(arguments: [
        ("Debian", VersionScheme.dpkg), ("Debian:12", .dpkg), ("Ubuntu:22.04:LTS", .dpkg),
        ("Ubuntu:Pro:18.04:LTS", .dpkg),
        ("Alpine:v3.20", .apk), ("Wolfi", .apk), ("Chainguard", .apk), ("PyPI", .pep440), ("npm", .semver),
        ("crates.io", .semver), ("NuGet", .semver), ("Go", .go), ("Packagist", .composer), ("RubyGems", .rubygems),
        ("Maven", .maven), ("Rocky Linux:9", .rpm), ("AlmaLinux:8", .rpm), ("Red Hat", .rpm),
        ("Red Hat:enterprise_linux:9::appstream", .rpm), ("openSUSE", .rpm), ("openSUSE:Leap 15.5", .rpm),
        ("SUSE:Linux Enterprise Server 15 SP5", .rpm), ("Mageia:9", .rpm), ("pypi", .pep440), (" Debian ", .dpkg),
    ])
    func ecosystem(name: String, scheme: VersionScheme) {
        #expect(VersionScheme.forEcosystem(name) == scheme)
    }

    @Test(arguments: ["", "Hackage", "Pub", "GitHub Actions", "Linux", "OSS-Fuzz", "CRAN", ":Debian", "Debianx"])
    func unknownEcosystem(name: String) {
        #expect(VersionScheme.forEcosystem(name) == nil)
    }

    /// One representative comparison per scheme through the dispatching API.
    @Test(arguments: [
        (VersionScheme.dpkg, "1:1.0~rc1-1", "1:1.0-1", -1), (.apk, "1.2.3_rc1-r0", "1.2.3-r0", -1),
        (.rpm, "1:1.0-1.el9", "1.1-1.el9", 1), (.pep440, "1.0rc1", "1.0", -1), (.semver, "1.0.0-rc.1", "1.0.0", -1),
        (.go, "v0.0.0-20191109021931-daa7c04131f5", "0.1.0", -1), (.composer, "v1.0.0-beta2", "1.0.0-RC1", -1),
        (.rubygems, "1.0.0.rc1", "1.0.0", -1), (.maven, "1.0-SNAPSHOT", "1.0", -1),
    ])
    func dispatch(scheme: VersionScheme, a: String, b: String, expected: Int) throws {
        #expect(try scheme.compare(a, b) == expected)
        #expect(try scheme.compare(b, a) == -expected)
        #expect(try scheme.compare(a, a) == 0)
        try scheme.validate(a)
        #expect(scheme.isValid(b))
    }

    @Test(arguments: VersionScheme.allCases)
    func rejectsGarbage(scheme: VersionScheme) {
        #expect(throws: VersionError.self) { try scheme.validate("") }
        #expect(throws: VersionError.self) { try scheme.compare("1.0", "") }
        #expect(throws: VersionError.self) { try scheme.compare("not a version at all", "1.0") }
        #expect(!scheme.isValid("1.0 2.0"))
    }

    @Test func errorCarriesContext() {
        do {
            _ = try VersionScheme.semver.compare("1.2.3", "=1.2.3")
            Issue.record("expected an error")
        } catch let error as VersionError {
            #expect(error.scheme == .semver)
            #expect(error.version == "=1.2.3")
            #expect(error.description.hasPrefix(#""=1.2.3" is not a valid SemVer version: "#))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        let dpkg = VersionError(scheme: .dpkg, version: "1.0-", reason: "revision number is empty")
        #expect(dpkg.description == #""1.0-" is not a valid Debian (dpkg) version: revision number is empty"#)
    }

    @Test func codableRoundTrip() throws {
        let data = try JSONEncoder().encode(VersionScheme.allCases)
        #expect(try JSONDecoder().decode([VersionScheme].self, from: data) == VersionScheme.allCases)
        #expect(String(decoding: try JSONEncoder().encode(VersionScheme.pep440), as: UTF8.self) == #""pep440""#)
    }
}
