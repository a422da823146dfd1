import Foundation
import SlipwayConfig
import SlipwayDeploy
import SlipwayOCI
import SlipwayRegistry
import SlipwayScanner
import SlipwayStore

/// The deploy side's view of scans: an environment's policy applied to the image's latest scan, scanning it first
/// when it was never scanned or the vulnerability database changed since.
struct ScanGate: ImageGate {
    let config: SlipwayConfig
    let state: StateDatabase
    let store: BlobStore
    let vulnerabilityDatabase: String

    func verdict(for digest: Digest, environment: String) async throws -> GateVerdict? {
        guard let settings = config.environments[environment] else { return nil }
        let policy = DeployPolicy(settings)
        guard !policy.isEmpty else { return nil }
        guard FileManager.default.fileExists(atPath: vulnerabilityDatabase) else {
            return GateVerdict(allowed: false, summary: "image not scanned: there is no vulnerability database "
                               + "(slipway vulndb import PATH makes one)")
        }
        let report = try await Task.detached { [self] in try currentReport(digest) }.value
        let violations = policy.violations(in: report.findings)
        let summary = "\(report.counts.summary) (\(policy.description))"
        guard !violations.isEmpty else { return GateVerdict(allowed: true, summary: summary) }
        return GateVerdict(allowed: false, summary: "\(violations.count) finding(s) break the policy: \(summary)",
                           violations: violations.map(Self.line))
    }

    func currentReport(_ digest: Digest) throws -> ScanReport {
        let database = try VulnerabilityDatabase(path: vulnerabilityDatabase, create: false)
        let version = try database.version()
        if let stored = try state.scan(digest: digest.description), stored.databaseVersion == version,
           let report = try? JSONDecoder().decode(ScanReport.self, from: stored.report) {
            return report
        }
        let scanner = ImageScanner(database: database, state: state, ignore: config.scan.ignore)
        guard let report = try scanner.scan(digest: digest, in: config.app, store: store, name: "\(config.app)@\(digest)") else {
            throw DeployError("image \(digest) is not in \(config.app); cannot scan it")
        }
        return report
    }

    static func line(_ finding: Finding) -> String {
        "\(finding.severity.rawValue.uppercased()) \(finding.identifiers.first ?? finding.advisory) in \(finding.package) "
            + "\(finding.installedVersion)" + (finding.fixedVersion.map { " (fixed in \($0))" } ?? " (no fix yet)")
    }
}

/// Scans every tagged push as it arrives (`slipway serve`), so list-images and the deploy gate have results.
struct ScanOnPush: Sendable {
    let config: SlipwayConfig
    let state: StateDatabase
    let store: BlobStore
    let vulnerabilityDatabase: String

    func run(_ pushes: AsyncStream<ManifestPushed>) async {
        var warned = false
        for await push in pushes where push.tag != nil {
            guard FileManager.default.fileExists(atPath: vulnerabilityDatabase) else {
                if !warned { note("scanner: no vulnerability database at \(vulnerabilityDatabase); pushes are not scanned until `slipway vulndb import`") }
                warned = true
                continue
            }
            let name = "\(push.repository):\(push.tag ?? "")"
            let outcome: String = await Task.detached { [self] in
                do {
                    let database = try VulnerabilityDatabase(path: vulnerabilityDatabase, create: false)
                    let scanner = ImageScanner(database: database, state: state, ignore: config.scan.ignore)
                    guard let report = try scanner.scan(digest: push.digest, in: push.repository, store: store, name: name) else {
                        return "scanner: \(name) (\(push.digest.short)) is gone; not scanned"
                    }
                    return "scanned \(name) (\(push.digest.short)): \(report.counts.summary)"
                } catch {
                    return "scanner: \(name) (\(push.digest.short)) could not be scanned: \(error)"
                }
            }.value
            note(outcome)
        }
    }
}
