import ArgumentParser
import Foundation
import SlipwayOCI
import SlipwayRegistry
import SlipwayStore

/// `slipway gc [--dry-run] [--grace SECONDS] [--json]`
struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete blobs that no manifest refers to.",
        discussion: """
            Marks every manifest and index in the registry (tagged or not, with their configs, layers, index \
            children and referrers), and every image an environment has live, draining or among its last 10 \
            deploys, and sweeps the rest of the blob store. Blobs younger than the grace period \
            are kept, so a push running at the same time loses nothing. Safe to run while the server runs.
            """
    )

    @Flag(help: "Report what would be deleted, and delete nothing.")
    var dryRun = false

    @Option(help: "Keep unreferenced blobs younger than this many seconds.")
    var grace: Int = 3600

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard grace >= 0 else { throw ValidationError("--grace must be zero or more seconds") }
    }

    func run() throws {
        let registry = try Registry(home: SlipwayHome.fromEnvironment())
        let deployed = try registry.database.digestsKeptForDeploys().compactMap { try? Digest(parsing: $0) }
        let report = try GarbageCollector(registry: registry, gracePeriod: TimeInterval(grace)).run(dryRun: dryRun, extraRoots: deployed)
        if json { return try printJSON(report) }
        let verb = dryRun ? "Would delete" : "Deleted"
        for digest in report.swept { print("\(dryRun ? "would delete" : "deleted") \(digest)") }
        note("\(report.marked) blob(s) in use; \(verb.lowercased()) \(report.swept.count) (\(formatBytes(report.bytesFreed))); "
                 + "kept \(report.keptYoung) unreferenced blob(s) younger than \(grace) s")
    }
}
