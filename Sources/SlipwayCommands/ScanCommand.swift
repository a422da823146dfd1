import ArgumentParser
import Foundation
import SlipwayConfig
import SlipwayOCI
import SlipwayScanner
import SlipwayStore

/// `slipway scan REF` and `slipway scan --all-tagged`
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan an image for known vulnerabilities (OS and language packages against the OSV database).",
        discussion: """
            REF is oci:DIR[:TAG], oci-archive:FILE[:TAG], docker://REFERENCE, or REPOSITORY[:TAG|@DIGEST] — this \
            host's registry when it has that repository, else a remote registry. The image's layers are read as \
            tar streams, never run; its package inventory is cached by digest, so scanning it again is fast. \
            Each finding names the package, installed and fixed versions, the advisory and its CVE aliases, the \
            severity (from CVSS vectors, scored by Slipway) and the layer and file the package came from. \
            Ignore rules come from .slipway-ignore.yml (or --ignore-file) and the config's scan.ignore; an \
            ignored finding is still listed, marked, and never fails a gate. Exit status: 0, or 1 when \
            --fail-on finds something at or above that severity.
            """
    )

    @Argument(help: "The image to scan.") var reference: String?
    @Flag(help: "Rescan every tagged image in this host's registry (after a database update).") var allTagged = false
    @Option(help: "Output: table, json, sarif or cyclonedx.") var format: ReportFormat = .table
    @Option(help: "Show only these severities, comma-separated (critical,high,medium,low,unknown).")
    var severity: String?
    @Flag(help: "Leave out findings that have no fixed version.") var ignoreUnfixed = false
    @Option(help: "Exit 1 when a finding (not ignored) is at or above this severity.") var failOn: Severity?
    @Option(help: "Ignore rules (default: .slipway-ignore.yml in the current directory, if present).")
    var ignoreFile: String?
    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.") var output: String?
    @OptionGroup var database: VulnDBOptions
    @OptionGroup var client: ClientOptions

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case table, json, sarif, cyclonedx }

    func validate() throws {
        if allTagged, reference != nil { throw ValidationError("give REF or --all-tagged, not both") }
        if !allTagged, reference == nil { throw ValidationError("name the image to scan (REF), or give --all-tagged") }
        _ = try severities()
    }

    func severities() throws -> Set<Severity>? {
        guard let severity else { return nil }
        return Set(try severity.split(separator: ",").map { item in
            guard let level = Severity(rawValue: item.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw ValidationError("--severity: '\(item)' is not one of critical, high, medium, low, unknown")
            }
            return level
        })
    }

    func run() async throws {
        let home = SlipwayHome.fromEnvironment()
        let settings = try SlipwayConfig.load(path: client.config ?? home.path + "/slipway.yml")
        var rules = settings.scan.ignore
        if let ignoreFile {
            rules += try IgnoreRule.loadFile(ignoreFile)
        } else if FileManager.default.fileExists(atPath: ".slipway-ignore.yml") {
            rules += try IgnoreRule.loadFile(".slipway-ignore.yml")
        }
        let vulndb = try VulnerabilityDatabase(path: database.path(), create: false)
        let state = try home.database()  // caches inventories by digest
        let scanner = ImageScanner(database: vulndb, state: state, ignore: rules)
        if allTagged { return try rescanAll(scanner, home: home) }

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-scan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let target = try await ScanTarget.resolve(reference ?? "", client: client, home: home, scratch: scratch)
        let inventory: ImageInventory
        if let cached = try scanner.cachedInventory(target.descriptor.digest) {
            inventory = cached
        } else {
            var store = target.store
            if store == nil, let pull = target.pull { store = try await pull() }
            guard let store else { throw CommandError("\(target.name): nothing to read the image from") }
            let progress = Progress("reading \(target.name)")
            inventory = try scanner.inventory(of: target.descriptor, store: store)
            progress.finish("\(inventory.packages.count) packages in \(inventory.layers.count) layers")
        }
        let report = try scanner.scan(inventory, digest: target.descriptor.digest, name: target.name)
        try write(report)
        if let failOn {
            let isShown = shown()
            let failing = report.findings.filter { $0.ignored == nil && $0.severity >= failOn && isShown($0) }
            if !failing.isEmpty {
                note("\(failing.count) finding(s) at or above \(failOn.rawValue) (--fail-on)")
                throw ExitCode.failure
            }
        }
    }

    /// The filter `--severity` and `--ignore-unfixed` ask for (validated already, so the parse cannot fail here).
    func shown() -> (Finding) -> Bool {
        let levels = try? severities()
        return { [ignoreUnfixed] finding in
            if ignoreUnfixed, finding.fixedVersion == nil { return false }
            if let levels, !levels.contains(finding.severity) { return false }
            return true
        }
    }

    func write(_ report: ScanReport) throws {
        let findings = report.findings.filter(shown())
        let data: Data
        switch format {
        case .table:
            var filtered = report
            filtered.findings = findings
            let colour = output == nil && isatty(STDOUT_FILENO) != 0
            data = Data(TableReport.render(filtered, colour: colour).utf8)
        case .json:
            var filtered = report
            filtered.findings = findings
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            data = try encoder.encode(filtered)
        case .sarif:
            data = try SARIFReport.render(report, findings: findings, toolVersion: SlipwayCommand.version)
        case .cyclonedx:
            let inventory = ImageInventory(os: report.os, packages: report.packages, warnings: [], layers: [])
            data = try CycloneDXDocument.render(image: report.image, digest: report.digest, inventory: inventory,
                                                findings: findings, toolVersion: SlipwayCommand.version)
        }
        if let output {
            try writeFileAtomically(output, Array(data))
            note("report written to \(output)")
        } else {
            FileHandle.standardOutput.write(data)
            if format != .table { FileHandle.standardOutput.write(Data("\n".utf8)) }
        }
    }

    func rescanAll(_ scanner: ImageScanner, home: SlipwayHome) throws {
        guard let state = scanner.state else { return }
        let store = try home.blobStore()
        let tagged = try state.taggedManifests()
        var rows: [[String]] = []
        var failed = 0
        for item in tagged {
            let name = "\(item.repository):\(item.tag)"
            do {
                let digest = try SlipwayOCI.Digest(parsing: item.digest)
                guard let report = try scanner.scan(digest: digest, in: item.repository, store: store, name: name) else { continue }
                rows.append([name, String(item.digest.prefix(19)), report.counts.summary])
            } catch {
                failed += 1
                rows.append([name, String(item.digest.prefix(19)), "failed: \(error)"])
            }
        }
        if format == .json {
            try printJSON(rows.map { ["image": $0[0], "digest": $0[1], "result": $0[2]] })
        } else {
            print(rows.isEmpty ? "No tagged images." : table(["IMAGE", "DIGEST", "FINDINGS"], rows))
        }
        if failed > 0 { throw ExitCode.failure }
    }
}

extension Severity: ExpressibleByArgument {}
