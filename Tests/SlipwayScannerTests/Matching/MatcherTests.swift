import Foundation
import SlipwayConfig
import Testing
@testable import SlipwayScanner

@Suite struct MatcherTests {
    static let debian = OSRelease(parsing: "ID=debian\nVERSION_ID=\"12\"\n")
    static let alpine = OSRelease(parsing: "ID=alpine\nVERSION_ID=3.20.3\n")

    static func package(_ kind: PackageKind, _ name: String, _ version: String, source: String? = nil,
                        sourceVersion: String? = nil) -> InstalledPackage {
        var package = InstalledPackage(kind: kind, name: name, version: version, path: "some/path")
        package.sourceName = source
        package.sourceVersion = sourceVersion
        return package
    }

    static func entry(_ id: String, ecosystem: String, name: String, fixed: String, severity: [OSVRecord.Severity] = [],
                      withdrawn: String? = nil) -> VulnerabilityDatabase.AffectedEntry {
        VulnerabilityDatabase.AffectedEntry(
            advisory: .init(id: id, summary: "summary of \(id)", aliases: ["CVE-2099-0001"], severity: severity, published: nil,
                            modified: "2024-01-01T00:00:00Z", withdrawn: withdrawn),
            ecosystem: Ecosystem(osv: ecosystem), name: name,
            affected: OSVRecord.Affected(package: nil, severity: nil, ranges: [OSVRecord.Range(
                type: "ECOSYSTEM", repo: nil, events: [OSVRecord.Event(introduced: "0"), OSVRecord.Event(fixed: fixed)])],
                versions: nil, databaseSpecific: nil, ecosystemSpecific: nil))
    }

    @Test func debianPackagesAreLookedUpBySourceAndRelease() throws {
        let libssl = Self.package(.deb, "libssl3", "3.0.11-1~deb12u1", source: "openssl")
        let target = try #require(Matcher.target(for: libssl, os: Self.debian))
        #expect(target.ecosystem == Ecosystem(name: "Debian", release: "12"))
        #expect(target.name == "openssl" && target.version == "3.0.11-1~deb12u1" && target.scheme == .dpkg)
        let withSourceVersion = Self.package(.deb, "libfoo1", "1.0-1+b1", source: "foo", sourceVersion: "1.0-1")
        #expect(Matcher.target(for: withSourceVersion, os: Self.debian)?.version == "1.0-1")
        #expect(Matcher.target(for: libssl, os: nil) == nil, "no os-release, no distribution to match")

        let located = LocatedPackage(package: libssl, layer: "sha256:abc", layerIndex: 0)
        let entries = [Self.entry("DSA-1", ecosystem: "Debian:12", name: "openssl", fixed: "3.0.13-1~deb12u1"),
                       Self.entry("DSA-2", ecosystem: "Debian:11", name: "openssl", fixed: "9.9"),
                       Self.entry("DSA-3", ecosystem: "Debian:12", name: "openssl", fixed: "9.9", withdrawn: "2024-02-01T00:00:00Z")]
        let (findings, warnings) = Matcher.match(located, target: target, entries: entries)
        #expect(findings.map(\.advisory) == ["DSA-1"], "another release and a withdrawn advisory do not apply")
        #expect(findings.first?.fixedVersion == "3.0.13-1~deb12u1" && findings.first?.layer == "sha256:abc")
        #expect(warnings.isEmpty)
    }

    @Test func alpineMatchesByMinorReleaseAndOrigin() {
        let package = Self.package(.apk, "libcrypto3", "3.3.2-r0", source: "openssl")
        let target = Matcher.target(for: package, os: Self.alpine)
        #expect(target?.ecosystem == Ecosystem(name: "Alpine", release: "v3.20") && target?.name == "openssl")
    }

    @Test func languagePackagesAndGoDevelopmentBuilds() {
        #expect(Matcher.target(for: Self.package(.pypi, "Django", "2.2"), os: nil)?.ecosystem.name == "PyPI")
        #expect(Matcher.target(for: Self.package(.composer, "twig/twig", "v1.44.6"), os: nil)?.scheme == .composer)
        #expect(Matcher.target(for: Self.package(.golang, "example.com/app", "(devel)"), os: nil) == nil)
        #expect(Matcher.target(for: Self.package(.golang, "stdlib", "v1.21.4"), os: nil)?.scheme == .go)
    }

    @Test func anUnreadableVersionIsReportedNeverGuessed() {
        let package = Self.package(.pypi, "thing", "not!a!version")
        let target = Matcher.Target(ecosystem: Ecosystem(name: "PyPI"), name: "thing", version: "not!a!version", scheme: .pep440)
        let (findings, warnings) = Matcher.match(LocatedPackage(package: package, layer: nil, layerIndex: nil), target: target,
                                                 entries: [Self.entry("PYSEC-1", ecosystem: "PyPI", name: "thing", fixed: "2.0")])
        #expect(findings.isEmpty)
        #expect(warnings.count == 1 && warnings[0].contains("PYSEC-1 not evaluated") && warnings[0].contains("not!a!version"))
    }

    @Test func severityPrefersTheNewestCVSSThenTheDatabaseLevel() {
        let v3 = OSVRecord.Severity(type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
        let v4 = OSVRecord.Severity(type: "CVSS_V4", score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N")
        #expect(Matcher.rate([v3]).severity == .critical && Matcher.rate([v3]).score == 9.8)
        #expect(Matcher.rate([v3, v4]).vector == v4.score)
        #expect(Matcher.rate([OSVRecord.Severity(type: "DATABASE", score: "MODERATE")]).severity == .medium)
        #expect(Matcher.rate([OSVRecord.Severity(type: "CVSS_V3", score: "garbage")]).severity == .unknown)
        #expect(Matcher.rate([]).severity == .unknown)
    }

    @Test func policiesRefuseBySeverityAndByFixAvailability() throws {
        func finding(_ severity: Severity, fixed: String?, ignored: Bool = false) -> Finding {
            Finding(advisory: "X", aliases: [], summary: nil, severity: severity, score: nil, vector: nil, package: "p",
                    kind: .npm, installedVersion: "1", fixedVersion: fixed, ecosystem: "npm", matchedName: "p", purl: "pkg:npm/p@1",
                    path: "p", layer: nil, layerIndex: nil,
                    ignored: ignored ? .init(reason: "accepted", until: nil, source: "x.yml:2") : nil)
        }
        let config = try SlipwayConfig.parse("""
            environments:
              production:
                listen: 127.0.0.1:8000
                policy: {refuse: [critical], refuse_fixable: [high]}
            scan:
              ignore:
                - {id: CVE-2021-44906, reason: not reachable, until: 2030-01-01}
            """)
        let policy = DeployPolicy(try #require(config.environments["production"]))
        #expect(policy.description == "refuse critical; refuse high when a fix exists")
        #expect(policy.violations(in: [finding(.critical, fixed: nil)]).count == 1)
        #expect(policy.violations(in: [finding(.high, fixed: "2")]).count == 1)
        #expect(policy.violations(in: [finding(.high, fixed: nil)]).isEmpty)
        #expect(policy.violations(in: [finding(.medium, fixed: "2")]).isEmpty)
        #expect(policy.violations(in: [finding(.critical, fixed: "2", ignored: true)]).isEmpty)
        #expect(config.scan.ignore.first?.id == "CVE-2021-44906")
        #expect(config.scan.ignore.first?.source == "slipway.yml:7")
        #expect(config.scan.ignore.first?.isActive(on: Date(timeIntervalSince1970: 1_900_000_000)) == false)
        #expect(throws: ConfigError.self) {
            try SlipwayConfig.parse("scan:\n  ignore:\n    - {id: X, reason: y, until: tomorrow}\n")
        }
    }
}
