/// How bad a finding is: from its CVSS score where the advisory has a vector, else the advisory's own level, else
/// `unknown`. Ordered, so policies and filters can say "high or worse".
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case unknown, low, medium, high, critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Reads a level as databases write it: `HIGH`, `Moderate`, `important`, `negligible`…
    public init?(level: String) {
        switch level.lowercased() {
        case "critical": self = .critical
        case "high", "important": self = .high
        case "medium", "moderate": self = .medium
        case "low", "negligible", "minor", "none": self = .low
        case "unknown", "unimportant": self = .unknown
        default: return nil
        }
    }

    init(_ rating: SeverityRating) {
        switch rating {
        case .critical: self = .critical
        case .high: self = .high
        case .medium: self = .medium
        case .low, .none: self = .low
        }
    }
}

/// One advisory that applies to one installed package of an image, with where the package came from.
public struct Finding: Codable, Hashable, Sendable {
    public var advisory: String
    public var aliases: [String]
    public var summary: String?
    public var severity: Severity
    /// The CVSS base score Slipway computed, and the vector it came from.
    public var score: Double?
    public var vector: String?
    public var package: String
    public var kind: PackageKind
    public var installedVersion: String
    public var fixedVersion: String?
    /// The OSV ecosystem matched, e.g. `Debian:12`, and the name matched in it (a Debian source package name).
    public var ecosystem: String
    public var matchedName: String
    public var purl: String
    public var path: String
    public var layer: String?
    public var layerIndex: Int?
    /// Set when an ignore rule covers this finding: it is reported but does not count toward gates.
    public var ignored: IgnoredBecause?

    public struct IgnoredBecause: Codable, Hashable, Sendable {
        public var reason: String
        public var until: String?
        public var source: String
    }

    /// CVE ids first (what people search for), then the rest.
    public var identifiers: [String] {
        let all = [advisory] + aliases
        return all.filter { $0.hasPrefix("CVE-") } + all.filter { !$0.hasPrefix("CVE-") }
    }
}
