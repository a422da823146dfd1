/// An OSV ecosystem split into its name and release, as advisories and images are matched by both:
/// `Debian:12` is `Debian` release `12`, `Alpine:v3.20` is `Alpine` release `v3.20`, `PyPI` has no release.
public struct Ecosystem: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var release: String

    public init(name: String, release: String = "") {
        self.name = name
        self.release = release
    }

    /// Splits an OSV `package.ecosystem` value at its first colon.
    public init(osv value: String) {
        if let colon = value.firstIndex(of: ":") {
            name = String(value[..<colon])
            release = String(value[value.index(after: colon)...])
        } else {
            name = value
            release = ""
        }
    }

    public var description: String { release.isEmpty ? name : "\(name):\(release)" }

    /// The key a package name is stored and looked up under: ecosystems whose names are case-insensitive or
    /// normalised compare in that form (PEP 503 for PyPI; Composer and Maven ids are case-insensitive in practice).
    public static func nameKey(_ name: String, ecosystem: String) -> String {
        switch ecosystem {
        case "PyPI":
            var key = ""
            var lastWasSeparator = false
            for character in name.lowercased() {
                if character == "-" || character == "_" || character == "." {
                    if !lastWasSeparator { key.append("-") }
                    lastWasSeparator = true
                } else {
                    key.append(character)
                    lastWasSeparator = false
                }
            }
            return key
        case "Packagist", "Maven": return name.lowercased()
        default: return name
        }
    }
}
