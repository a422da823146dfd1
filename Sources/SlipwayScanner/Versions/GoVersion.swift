/// A Go module version, ordered as by `golang.org/x/mod/semver.Compare`.
///
/// Go module versions are SemVer 2.0.0 with a mandatory `v` prefix; since OSV writes Go versions without it,
/// the prefix is optional here (`1.2.3` is read as `v1.2.3`). As in `x/mod/semver`, the shorthands `vMAJOR` and
/// `vMAJOR.MINOR` mean `.0` for the missing parts (but take no prerelease or build), numbers have no leading
/// zeros and are unbounded, and build metadata — e.g. `+incompatible` — is ignored for ordering.
/// Pseudo-versions such as `v0.0.0-20191109021931-daa7c04131f5` are ordinary prereleases and order by their
/// timestamp identifier.
public struct GoVersion: Comparable, Sendable, CustomStringConvertible {
    /// Major version as decimal digits (unbounded).
    public let major: String
    /// Minor version as decimal digits; `0` for the `vMAJOR` shorthand.
    public let minor: String
    /// Patch version as decimal digits; `0` for the shorthands.
    public let patch: String
    /// Prerelease identifiers; empty for a release.
    public let prerelease: [String]
    /// Build metadata identifiers (ignored for ordering), e.g. `["incompatible"]`.
    public let build: [String]
    /// The input string.
    public let description: String

    /// `semver.Canonical`: `vMAJOR.MINOR.PATCH[-PRERELEASE]`.
    public var canonical: String {
        "v\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease.joined(separator: "."))
    }

    private let numbers: [DecimalDigits]

    /// Parses a Go module version (with or without the `v`); throws ``VersionError`` where `semver.IsValid`
    /// would be false.
    public init(_ string: String) throws {
        func fail(_ reason: String) -> VersionError { VersionError(scheme: .go, version: string, reason: reason) }
        let bytes = Array(string.utf8)
        guard !bytes.isEmpty else { throw fail("version string is empty") }
        let start = bytes[0] == UInt8(ascii: "v") ? 1 : 0
        let core = try SemVerGrammar.parse(bytes, from: start, allowShorthand: true).get(orThrow: { fail($0) })
        if core.numbers.count < 3 || (start == bytes.count) { throw fail("missing major version") }
        major = ASCII.string(core.numbers[0])
        minor = ASCII.string(core.numbers[1])
        patch = ASCII.string(core.numbers[2])
        numbers = core.numbers.map { DecimalDigits($0) }
        prerelease = core.prerelease.map { ASCII.string($0) }
        build = core.build.map { ASCII.string($0) }
        description = string
    }

    /// `semver.Compare`: -1, 0 or 1.
    static func compare(_ lhs: GoVersion, _ rhs: GoVersion) -> Int {
        for (a, b) in zip(lhs.numbers, rhs.numbers) {
            let result = DecimalDigits.compare(a, b)
            if result != 0 { return result }
        }
        return comparePrerelease(lhs.prerelease, rhs.prerelease)
    }

    /// `comparePrerelease` from x/mod/semver.
    private static func comparePrerelease(_ x: [String], _ y: [String]) -> Int {
        if x == y { return 0 }
        if x.isEmpty { return 1 }
        if y.isEmpty { return -1 }
        for (dx, dy) in zip(x, y) where dx != dy {
            let (ix, iy) = (isNumeric(dx), isNumeric(dy))
            if ix != iy { return ix ? -1 : 1 }
            if ix && dx.utf8.count != dy.utf8.count { return dx.utf8.count < dy.utf8.count ? -1 : 1 }
            return compareBytes(dx.utf8, dy.utf8)
        }
        return x.count < y.count ? -1 : 1
    }

    private static func isNumeric(_ id: String) -> Bool { id.utf8.allSatisfy(ASCII.isDigit) }

    public static func < (lhs: GoVersion, rhs: GoVersion) -> Bool { compare(lhs, rhs) < 0 }
    public static func == (lhs: GoVersion, rhs: GoVersion) -> Bool { compare(lhs, rhs) == 0 }
}
