/// A version-ordering scheme.
///
/// Each case compares versions exactly as its ecosystem's reference tool does, so that OSV ranges
/// (`introduced` / `fixed` / `last_affected`) are evaluated the way the ecosystem itself would evaluate them.
public enum VersionScheme: String, Sendable, CaseIterable, Codable {
    /// Debian / Ubuntu: deb-version(5) as implemented by `dpkg --compare-versions`. See ``DpkgVersion``.
    case dpkg
    /// Alpine / Wolfi / Chainguard: apk-tools `version.c`. See ``APKVersion``.
    case apk
    /// Red Hat family, SUSE: `rpmvercmp` plus epoch/release handling of `rpmverCmp`. See ``RPMVersion``.
    case rpm
    /// PyPI: PEP 440 as implemented by `packaging.version.Version`. See ``PEP440Version``.
    case pep440
    /// npm, crates.io, NuGet: SemVer 2.0.0 as implemented by npm's `semver` (strict mode). See ``SemanticVersion``.
    case semver
    /// Go modules: `golang.org/x/mod/semver`. See ``GoVersion``.
    case go
    /// Packagist: `composer/semver` normalisation plus PHP `version_compare`. See ``ComposerVersion``.
    case composer
    /// RubyGems: `Gem::Version`. See ``RubyGemsVersion``.
    case rubygems
    /// Maven: `org.apache.maven.artifact.versioning.ComparableVersion` (maven-artifact 3.9). See ``MavenVersion``.
    case maven

    /// Human-readable name used in error messages.
    public var displayName: String {
        switch self {
        case .dpkg: "Debian (dpkg)"
        case .apk: "Alpine (apk)"
        case .rpm: "RPM"
        case .pep440: "PEP 440"
        case .semver: "SemVer"
        case .go: "Go module"
        case .composer: "Composer"
        case .rubygems: "RubyGems"
        case .maven: "Maven"
        }
    }

    /// The scheme for an OSV `affected[].package.ecosystem` value, e.g. "Debian", "Debian:12", "Ubuntu:22.04:LTS",
    /// "Alpine:v3.20", "PyPI", "npm", "Go", "Packagist", "RubyGems", "Maven", "Rocky Linux:9", "AlmaLinux:8",
    /// "Red Hat", "openSUSE", "crates.io" (semver), "NuGet" (treated as semver), nil for unknown.
    ///
    /// Only the part before the first `:` is significant (OSV appends release suffixes); matching is
    /// case-insensitive and ignores surrounding whitespace.
    public static func forEcosystem(_ ecosystem: String) -> VersionScheme? {
        let base = ecosystem.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let key = base.trimmingCharacters(in: .whitespaces).lowercased()
        return ecosystemTable[key]
    }

    private static let ecosystemTable: [String: VersionScheme] = [
        "debian": .dpkg, "ubuntu": .dpkg,
        "alpine": .apk, "alpaquita": .apk, "bellsoft hardened containers": .apk, "chainguard": .apk,
        "wolfi": .apk, "minimos": .apk,
        "red hat": .rpm, "rocky linux": .rpm, "almalinux": .rpm, "opensuse": .rpm, "suse": .rpm,
        "mageia": .rpm, "openeuler": .rpm, "azure linux": .rpm,
        "pypi": .pep440,
        "npm": .semver, "crates.io": .semver, "nuget": .semver,
        "go": .go,
        "packagist": .composer,
        "rubygems": .rubygems,
        "maven": .maven,
    ]

    /// Compares two versions of this scheme: -1 if `a < b`, 0 if they are equivalent, 1 if `a > b`.
    /// Throws ``VersionError`` when either string is not a valid version of the scheme.
    public func compare(_ a: String, _ b: String) throws -> Int {
        switch self {
        case .dpkg: try Self.order(DpkgVersion(a), DpkgVersion(b))
        case .apk: try Self.order(APKVersion(a), APKVersion(b))
        case .rpm: try Self.order(RPMVersion(a), RPMVersion(b))
        case .pep440: try Self.order(PEP440Version(a), PEP440Version(b))
        case .semver: try SemanticVersion(a).compare(to: SemanticVersion(b))
        case .go: try Self.order(GoVersion(a), GoVersion(b))
        case .composer: try Self.order(ComposerVersion(a), ComposerVersion(b))
        case .rubygems: try Self.order(RubyGemsVersion(a), RubyGemsVersion(b))
        case .maven: try Self.order(MavenVersion(a), MavenVersion(b))
        }
    }

    /// Throws ``VersionError`` if `version` is not a version of this scheme.
    public func validate(_ version: String) throws {
        switch self {
        case .dpkg: _ = try DpkgVersion(version)
        case .apk: _ = try APKVersion(version)
        case .rpm: _ = try RPMVersion(version)
        case .pep440: _ = try PEP440Version(version)
        case .semver: _ = try SemanticVersion(version)
        case .go: _ = try GoVersion(version)
        case .composer: _ = try ComposerVersion(version)
        case .rubygems: _ = try RubyGemsVersion(version)
        case .maven: _ = try MavenVersion(version)
        }
    }

    /// Whether `version` is a valid version of this scheme.
    public func isValid(_ version: String) -> Bool {
        (try? validate(version)) != nil
    }

    private static func order<V: Comparable>(_ a: V, _ b: V) -> Int {
        a < b ? -1 : (b < a ? 1 : 0)
    }
}

/// A version string that is not valid in the scheme it was parsed with.
public struct VersionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The scheme the string was parsed with.
    public var scheme: VersionScheme
    /// The offending input, verbatim.
    public var version: String
    /// Why it was rejected, in the words of the reference implementation where it has any.
    public var reason: String

    /// Creates an error for `version`, rejected by `scheme` because of `reason`.
    public init(scheme: VersionScheme, version: String, reason: String) {
        self.scheme = scheme
        self.version = version
        self.reason = reason
    }

    /// E.g. `"1..2" is not a valid PEP 440 version: empty release segment`.
    public var description: String {
        "\"\(version)\" is not a valid \(scheme.displayName) version: \(reason)"
    }
}
