/// Matches an image's packages against the advisories: pure logic over an inventory and database entries.
public enum Matcher {
    /// Where a package is looked up: the OSV ecosystem, the name advisories use for it (Debian and Alpine
    /// advisories name source packages) and the version to compare.
    public struct Target: Hashable, Sendable {
        public var ecosystem: Ecosystem
        public var name: String
        public var version: String
        public var scheme: VersionScheme
    }

    /// The lookup for a package, or nil when its world has no advisories Slipway can match (an OS package on a
    /// distribution without an OSV ecosystem, say).
    public static func target(for package: InstalledPackage, os: OSRelease?) -> Target? {
        switch package.kind {
        case .deb:
            guard let os, let release = os.versionID else { return nil }
            let name: String
            switch os.id {
            case "debian": name = "Debian"
            case "ubuntu": name = "Ubuntu"
            default: return nil
            }
            return Target(ecosystem: Ecosystem(name: name, release: release), name: package.sourceName ?? package.name,
                          version: package.sourceVersion ?? package.version, scheme: .dpkg)
        case .apk:
            guard let os, os.id == "alpine", let release = os.versionID else { return nil }
            let minor = release.split(separator: ".").prefix(2).joined(separator: ".")
            return Target(ecosystem: Ecosystem(name: "Alpine", release: "v" + minor),
                          name: package.sourceName ?? package.name, version: package.version, scheme: .apk)
        case .rpm:
            guard let os, let release = os.versionID?.split(separator: ".").first.map(String.init) else { return nil }
            let name: String
            switch os.id {
            case "rocky": name = "Rocky Linux"
            case "almalinux": name = "AlmaLinux"
            case "rhel": name = "Red Hat"
            default: return nil
            }
            return Target(ecosystem: Ecosystem(name: name, release: release), name: package.name,
                          version: package.version, scheme: .rpm)
        case .pypi: return Target(ecosystem: Ecosystem(name: "PyPI"), name: package.name, version: package.version, scheme: .pep440)
        case .npm: return Target(ecosystem: Ecosystem(name: "npm"), name: package.name, version: package.version, scheme: .semver)
        case .composer:
            return Target(ecosystem: Ecosystem(name: "Packagist"), name: package.name, version: package.version, scheme: .composer)
        case .gem: return Target(ecosystem: Ecosystem(name: "RubyGems"), name: package.name, version: package.version, scheme: .rubygems)
        case .golang:
            guard package.version != "(devel)" else { return nil }
            return Target(ecosystem: Ecosystem(name: "Go"), name: package.name, version: package.version, scheme: .go)
        case .maven: return Target(ecosystem: Ecosystem(name: "Maven"), name: package.name, version: package.version, scheme: .maven)
        }
    }

    /// Whether an advisory entry's ecosystem release applies to the image's: an entry without a release applies to
    /// every release; `Ubuntu:22.04:LTS` applies to release `22.04`.
    static func releaseMatches(_ entry: Ecosystem, _ target: Ecosystem) -> Bool {
        if entry.release.isEmpty || entry.release == target.release { return true }
        return entry.release.hasPrefix(target.release + ":")
    }

    /// The findings for one package, and a warning for each advisory that could not be evaluated because a
    /// version could not be read (never silently counted as affected or safe).
    public static func match(_ located: LocatedPackage, target: Target, entries: [VulnerabilityDatabase.AffectedEntry])
        -> (findings: [Finding], warnings: [String])
    {
        var findings: [Finding] = []
        var warnings: [String] = []
        var seen = Set<String>()
        for entry in entries where entry.advisory.withdrawn == nil && releaseMatches(entry.ecosystem, target.ecosystem) {
            guard !seen.contains(entry.advisory.id) else { continue }
            let outcome: RangeEvaluation.Outcome
            do {
                outcome = try RangeEvaluation.evaluate(version: target.version, affected: entry.affected, scheme: target.scheme)
            } catch {
                warnings.append("\(located.package.name) \(located.package.version): \(entry.advisory.id) not evaluated: \(error)")
                continue
            }
            guard outcome.affected else { continue }
            seen.insert(entry.advisory.id)
            let rated = rate(entry.advisory.severity + (entry.affected.severity ?? []))
            findings.append(Finding(
                advisory: entry.advisory.id, aliases: entry.advisory.aliases, summary: entry.advisory.summary,
                severity: rated.severity, score: rated.score, vector: rated.vector, package: located.package.name,
                kind: located.package.kind, installedVersion: located.package.version, fixedVersion: outcome.fixed,
                ecosystem: target.ecosystem.description, matchedName: target.name, purl: located.package.purl,
                path: located.package.path, layer: located.layer, layerIndex: located.layerIndex, ignored: nil))
        }
        return (findings, warnings)
    }

    /// The severity of an advisory: the newest CVSS version among its vectors (scored by Slipway), else a level
    /// the database gives, else unknown. A vector that does not parse is passed over.
    public static func rate(_ severities: [OSVRecord.Severity]) -> (severity: Severity, score: Double?, vector: String?) {
        let order = ["CVSS_V4", "CVSS_V3", "CVSS_V2"]
        for type in order {
            for severity in severities where severity.type == type {
                if let score = try? CVSS.score(severity.score) {
                    return (Severity(score.rating), score.baseScore, severity.score)
                }
            }
        }
        for severity in severities where severity.type == "DATABASE" || severity.type == "Ubuntu" {
            if let level = Severity(level: severity.score) { return (level, nil, nil) }
        }
        return (.unknown, nil, nil)
    }
}
