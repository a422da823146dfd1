import ArgumentParser
import Foundation
import SlipwayScanner
import SlipwayStore

/// `slipway vulndb import|status`
struct VulnDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vulndb",
        abstract: "Manage the vulnerability database the scanner matches against (OSV advisories).",
        subcommands: [VulnDBImportCommand.self, VulnDBStatusCommand.self]
    )
}

struct VulnDBOptions: ParsableArguments {
    @Option(help: "The database file (default: $SLIPWAY_VULNDB, else $SLIPWAY_HOME/vulndb.sqlite).")
    var database: String?

    func path() -> String { database ?? SlipwayHome.fromEnvironment().vulnerabilityDatabasePath() }
}

struct VulnDBImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import OSV advisories: JSON files, directories of them, or osv.dev's per-ecosystem zip files.",
        discussion: """
            Incremental: an advisory is stored again only when its `modified` time is newer than the stored one, so \
            importing a fresh download only writes what changed. A record that is not valid JSON or breaks the OSV \
            schema is reported with its file and skipped; the rest are imported. Exit status 1 if any was skipped. \
            After an import, `slipway scan --all-tagged` rescans every tagged image against the new advisories.
            """
    )

    @Argument(help: "OSV JSON files, directories (searched recursively) or .zip files.") var paths: [String]
    @OptionGroup var options: VulnDBOptions
    @Flag(help: "Print the import report as JSON.") var json = false

    func run() throws {
        let path = options.path()
        try SlipwayHome.fromEnvironment().createIfNeeded()
        let database = try VulnerabilityDatabase(path: path)
        let progress = Progress("importing advisories")
        let start = Date()
        let report = try database.importOSV(paths: paths) { count in progress.update("\(count) records read") }
        let seconds = Date().timeIntervalSince(start)
        if json {
            try printJSON(report)
        } else {
            for skipped in report.skipped { note("skipped \(skipped.source): \(skipped.reason)") }
            print("\(report.read) records read in \(String(format: "%.1f", seconds)) s: \(report.added) added, "
                  + "\(report.updated) updated, \(report.unchanged) unchanged, \(report.skipped.count) skipped")
            print("database: \(path)")
        }
        if !report.skipped.isEmpty { throw ExitCode.failure }
    }
}

struct VulnDBStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what the vulnerability database holds, per ecosystem, and how old it is.")

    @OptionGroup var options: VulnDBOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let database = try VulnerabilityDatabase(path: options.path(), create: false)
        let status = try database.status()
        if json { return try printJSON(status) }
        print("database: \(status.path)")
        print("advisories: \(status.advisories) (\(status.withdrawn) withdrawn)")
        print("newest advisory change: \(status.newestModified ?? "none")")
        print("last import: \(status.lastImport ?? "never")")
        print("")
        print(table(["ECOSYSTEM", "ADVISORIES"], status.byEcosystem.sorted { $0.key < $1.key }.map { [$0.key, "\($0.value)"] }))
    }
}
