import Foundation
import SlipwayConfig

/// The result of scanning one image: what was found, what hid findings, what could not be read.
public struct ScanReport: Codable, Sendable {
    /// The reference scanned as the user gave it, and the manifest digest it resolved to.
    public var image: String
    public var digest: String
    public var os: OSRelease?
    public var scannedAt: String
    /// The vulnerability database's content version at scan time (see `VulnerabilityDatabase.Status.version`).
    public var databaseVersion: String?
    public var packages: [LocatedPackage]
    /// Ordered worst first, then by package and advisory.
    public var findings: [Finding]
    public var warnings: [String]
    public var counts: SeverityCounts

    public init(image: String, digest: String, inventory: ImageInventory, findings: [Finding], warnings: [String],
                databaseVersion: String?, scannedAt: Date) {
        self.image = image
        self.digest = digest
        self.os = inventory.os
        self.packages = inventory.packages
        self.findings = findings.sorted {
            ($0.severity, $1.package, $1.advisory) > ($1.severity, $0.package, $0.advisory)
        }
        self.warnings = warnings
        self.databaseVersion = databaseVersion
        self.scannedAt = ISO8601DateFormatter().string(from: scannedAt)
        self.counts = SeverityCounts(findings)
    }
}

/// Findings by severity, those an ignore rule covers counted apart.
public struct SeverityCounts: Codable, Sendable, Equatable {
    public var critical = 0, high = 0, medium = 0, low = 0, unknown = 0, ignored = 0

    public init() {}

    public init(_ findings: [Finding]) {
        for finding in findings {
            if finding.ignored != nil { ignored += 1; continue }
            switch finding.severity {
            case .critical: critical += 1
            case .high: high += 1
            case .medium: medium += 1
            case .low: low += 1
            case .unknown: unknown += 1
            }
        }
    }

    /// `2 critical, 5 high, 1 medium` — the severities present, or `no findings`.
    public var summary: String {
        let parts = [(critical, "critical"), (high, "high"), (medium, "medium"), (low, "low"), (unknown, "unknown")]
            .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        return parts.isEmpty ? "no findings" : parts.joined(separator: ", ")
    }
}

extension Scanner {
    /// Matches every package of `inventory` against `database`, then marks findings that an active ignore rule
    /// covers. Expired rules are reported as warnings and hide nothing.
    public static func findings(inventory: ImageInventory, database: VulnerabilityDatabase, ignore: [IgnoreRule],
                                now: Date = Date()) throws -> (findings: [Finding], warnings: [String]) {
        var warnings = inventory.warnings.map { warning in
            "\(warning.path)\(warning.line.map { ":\($0)" } ?? ""): \(warning.message)"
        }
        var targets: [(LocatedPackage, Matcher.Target)] = []
        var namesByEcosystem: [String: Set<String>] = [:]
        for located in inventory.packages {
            guard let target = Matcher.target(for: located.package, os: inventory.os) else { continue }
            targets.append((located, target))
            namesByEcosystem[target.ecosystem.name, default: []].insert(target.name)
        }
        var entries: [String: [String: [VulnerabilityDatabase.AffectedEntry]]] = [:]
        for (ecosystem, names) in namesByEcosystem {
            entries[ecosystem] = try database.entries(ecosystem: ecosystem, names: names)
        }
        var findings: [Finding] = []
        var seen = Set<String>()
        for (located, target) in targets {
            let candidates = entries[target.ecosystem.name]?[target.name] ?? []
            guard !candidates.isEmpty else { continue }
            let matched = Matcher.match(located, target: target, entries: candidates)
            for finding in matched.findings {
                // A package recorded twice (a lock file and node_modules) is one finding.
                let key = "\(finding.advisory)|\(finding.kind)|\(finding.package)|\(finding.installedVersion)|\(finding.path)"
                if seen.insert(key).inserted { findings.append(finding) }
            }
            warnings += matched.warnings
        }
        for rule in ignore where !rule.isActive(on: now) {
            warnings.append("ignore rule for \(rule.id) (\(rule.source)) expired on \(rule.until ?? "?"); it no longer applies")
        }
        let active = ignore.filter { $0.isActive(on: now) }
        for index in findings.indices {
            let finding = findings[index]
            let ids = Set([finding.advisory] + finding.aliases)
            if let rule = active.first(where: { ids.contains($0.id) && ($0.package == nil || $0.package == finding.package) }) {
                findings[index].ignored = Finding.IgnoredBecause(reason: rule.reason, until: rule.until, source: rule.source)
            }
        }
        return (findings, warnings)
    }
}

/// Scanning, as a namespace: `findings(inventory:database:ignore:)`.
public enum Scanner {}
