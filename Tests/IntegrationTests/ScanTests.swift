import Foundation
import SlipwayTestSupport
import Testing

/// `slipway vulndb`, `scan` and `sbom` as a user runs them: the shared OSV data imported through the CLI, an image
/// made on disk, reports in every format checked by their own validators where one exists.
@Suite(.serialized) struct ScanTests {
    /// One database of the whole shared data, imported once for every test here.
    static let databaseDirectory = TemporaryDirectory("slipway-vulndb-shared")
    static let database: Result<String, any Error> = Result {
        let path = databaseDirectory("vulndb.sqlite")
        let result = try run([slipwayExecutable, "vulndb", "import", sharedData("vulndata/osv"), "--database", path])
        guard result.status == 0 else { throw ServerProcess.ServerError(message: "vulndb import failed: \(result.stderr)") }
        return path
    }

    let work = TemporaryDirectory("slipway-scan")

    /// A Debian 12-like image: dpkg records, a Python package and npm packages with known advisories.
    func image() throws -> String {
        let root = work("rootfs")
        try work.write("rootfs/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n")
        try work.write("rootfs/var/lib/dpkg/status", """
            Package: tar
            Status: install ok installed
            Architecture: amd64
            Version: 1.34+dfsg-1.2
            Description: GNU tar

            Package: tzdata
            Status: install ok installed
            Architecture: all
            Version: 2099a-0+deb12u1
            Description: time zones

            """)
        try work.write("rootfs/usr/lib/python3/dist-packages/langchain-0.0.150.dist-info/METADATA",
                       "Metadata-Version: 2.1\nName: langchain\nVersion: 0.0.150\nLicense: MIT\n")
        try work.write("rootfs/app/node_modules/minimist/package.json", #"{"name": "minimist", "version": "1.2.5"}"#)
        try work.write("rootfs/app/node_modules/lodash/package.json", #"{"name": "lodash", "version": "4.17.21"}"#)
        let layout = "oci:\(work("layout")):v1"
        let result = try run([slipwayExecutable, "image", "import-rootfs", root, "--output", layout])
        try #require(result.status == 0, "\(result.stderr)")
        return layout
    }

    func slipway(_ arguments: [String]) throws -> ProcessResult {
        let database = try Self.database.get()
        return try run([slipwayExecutable] + arguments, environment: ["SLIPWAY_VULNDB": database, "SLIPWAY_HOME": work("home")],
                       directory: work.path)
    }

    struct Report: Decodable {
        struct Finding: Decodable {
            var advisory: String
            var aliases: [String]
            var severity: String
            var score: Double?
            var package: String
            var installedVersion: String
            var fixedVersion: String?
            var ecosystem: String
            var path: String
            var layerIndex: Int?
            var ignored: Ignored?
            struct Ignored: Decodable { var reason: String }
        }
        var findings: [Finding]
        var warnings: [String]
    }

    @Test func findsWhatTheAdvisoriesSayAndExplainsEachFinding() throws {
        let layout = try image()
        let result = try slipway(["scan", layout, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
        let minimist = try #require(report.findings.first { $0.advisory == "GHSA-xvch-5gv4-984h" })
        #expect(minimist.package == "minimist" && minimist.installedVersion == "1.2.5" && minimist.fixedVersion == "1.2.6")
        #expect(minimist.severity == "critical" && minimist.score == 9.8)
        #expect(minimist.aliases.contains("CVE-2021-44906"))
        #expect(minimist.path == "app/node_modules/minimist/package.json" && minimist.layerIndex == 0)
        let tar = try #require(report.findings.first { $0.advisory == "DEBIAN-CVE-2022-48303" })
        #expect(tar.ecosystem == "Debian:12" && tar.fixedVersion == "1.34+dfsg-1.2+deb12u1")
        #expect(tar.aliases.contains("CVE-2022-48303"))
        #expect(report.findings.contains { $0.package == "langchain" && $0.advisory == "PYSEC-2023-147" })
        #expect(!report.findings.contains { $0.package == "lodash" }, "4.17.21 is past every lodash fix")
        #expect(!report.findings.contains { $0.package == "tzdata" })

        let table = try slipway(["scan", layout])
        #expect(table.status == 0)
        #expect(table.stdout.contains("CRITICAL 9.8"))
        #expect(table.stdout.contains("CVE-2021-44906"))
        #expect(table.stdout.contains("Total:"))
    }

    @Test func failOnAndIgnoreRules() throws {
        let layout = try image()
        let failing = try slipway(["scan", layout, "--fail-on", "critical"])
        #expect(failing.status == 1)
        #expect(failing.stderr.contains("--fail-on"))

        // Ignore every critical finding, one of them with a rule that has expired.
        let criticals = try JSONDecoder().decode(Report.self, from: Data(try slipway(["scan", layout, "--format", "json"]).stdout.utf8))
            .findings.filter { $0.severity == "critical" }
        try #require(!criticals.isEmpty)
        try work.write("ignore.yml", "ignore:\n" + criticals.map {
            "  - id: \($0.aliases.first { $0.hasPrefix("CVE-") } ?? $0.advisory)\n    package: \($0.package)\n    reason: not reachable from our code\n    until: 2999-01-01\n"
        }.joined())
        let ignored = try slipway(["scan", layout, "--fail-on", "critical", "--ignore-file", work("ignore.yml"), "--format", "json"])
        #expect(ignored.status == 0, "\(ignored.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(ignored.stdout.utf8))
        #expect(report.findings.filter { $0.severity == "critical" }.allSatisfy { $0.ignored?.reason == "not reachable from our code" })

        try work.write("expired.yml", "ignore:\n  - id: CVE-2021-44906\n    reason: waiting for upstream\n    until: 2020-01-01\n")
        let expired = try slipway(["scan", layout, "--ignore-file", work("expired.yml"), "--format", "json"])
        let expiredReport = try JSONDecoder().decode(Report.self, from: Data(expired.stdout.utf8))
        #expect(expiredReport.warnings.contains { $0.contains("expired on 2020-01-01") && $0.contains("expired.yml:2") })
        #expect(expiredReport.findings.first { $0.advisory == "GHSA-xvch-5gv4-984h" }?.ignored == nil)

        try work.write("bad.yml", "ignore:\n  - id: CVE-2021-44906\n")
        let bad = try slipway(["scan", layout, "--ignore-file", work("bad.yml")])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad.yml:2") && bad.stderr.contains("reason"))
    }

    @Test func severityAndUnfixedFilters() throws {
        let layout = try image()
        let only = try JSONDecoder().decode(Report.self, from: Data(
            try slipway(["scan", layout, "--format", "json", "--severity", "critical"]).stdout.utf8))
        #expect(!only.findings.isEmpty && only.findings.allSatisfy { $0.severity == "critical" })
        let fixable = try JSONDecoder().decode(Report.self, from: Data(
            try slipway(["scan", layout, "--format", "json", "--ignore-unfixed"]).stdout.utf8))
        #expect(fixable.findings.allSatisfy { $0.fixedVersion != nil })
        let usage = try slipway(["scan", layout, "--severity", "dire"])
        #expect(usage.status == 2 && usage.stderr.contains("dire"))
    }

    @Test func sarifAndCycloneDXReportsAreValid() throws {
        let layout = try image()
        let sarif = try slipway(["scan", layout, "--format", "sarif", "--output", work("report.sarif")])
        #expect(sarif.status == 0, "\(sarif.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work("report.sarif"))))
            as? [String: Any])
        #expect(document["version"] as? String == "2.1.0")
        let runs = try #require(document["runs"] as? [[String: Any]])
        let results = try #require(runs.first?["results"] as? [[String: Any]])
        #expect(results.contains { $0["ruleId"] as? String == "GHSA-xvch-5gv4-984h" && $0["level"] as? String == "error" })

        let cyclonedx = try slipway(["scan", layout, "--format", "cyclonedx", "--output", work("report.cdx.json")])
        #expect(cyclonedx.status == 0, "\(cyclonedx.stderr)")
        try expectValidCycloneDX(work("report.cdx.json"))
        let bom = try String(contentsOfFile: work("report.cdx.json"), encoding: .utf8)
        #expect(bom.contains("\"vulnerabilities\"") && bom.contains("pkg:npm/minimist@1.2.5"))
    }

    @Test func sbomInBothFormatsPassesTheirValidators() throws {
        let layout = try image()
        let cdx = try slipway(["sbom", layout, "--output", work("sbom.cdx.json")])
        #expect(cdx.status == 0, "\(cdx.stderr)")
        try expectValidCycloneDX(work("sbom.cdx.json"))
        let spdx = try slipway(["sbom", layout, "--format", "spdx", "--output", work("sbom.spdx.json")])
        #expect(spdx.status == 0, "\(spdx.stderr)")
        let validator = try run(["pyspdxtools", "-i", work("sbom.spdx.json")])
        #expect(validator.status == 0, "pyspdxtools: \(validator.stdout)\(validator.stderr)")
        let text = try String(contentsOfFile: work("sbom.spdx.json"), encoding: .utf8)
        #expect(text.contains("pkg:deb/debian/tar@1.34%2Bdfsg-1.2") || text.contains("pkg:deb/debian/tar@1.34+dfsg-1.2"))
        #expect(text.contains("pkg:pypi/langchain@0.0.150"))
    }

    func expectValidCycloneDX(_ path: String) throws {
        let script = """
            import sys
            from cyclonedx.validation.json import JsonStrictValidator
            from cyclonedx.schema import SchemaVersion
            error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(open(sys.argv[1]).read())
            print(error if error else "valid")
            sys.exit(1 if error else 0)
            """
        let result = try run(["python3", "-c", script, path])
        #expect(result.status == 0, "CycloneDX validation: \(result.stdout)\(result.stderr)")
    }

    @Test func importReportsBadRecordsAndStatusShowsCounts() throws {
        let path = work("own.sqlite")
        let bad = try run([slipwayExecutable, "vulndb", "import", sharedData("vulndata/osv-schema-invalid"),
                           sharedData("vulndata/osv/npm"), "--database", path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("PYSEC-2021-424.json") && bad.stderr.contains("not a full commit hash"))
        #expect(bad.stdout.contains("23 records read") && bad.stdout.contains("16 added") && bad.stdout.contains("7 skipped"))
        let status = try run([slipwayExecutable, "vulndb", "status", "--database", path, "--json"])
        #expect(status.status == 0)
        let counts = try JSONDecoder().decode([String: Int].self, from: try JSONSerialization.data(withJSONObject:
            (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["byEcosystem"] ?? [:]))
        #expect(counts["npm"] == 16, "\(counts)")
        let missing = try run([slipwayExecutable, "vulndb", "status", "--database", work("none.sqlite")])
        #expect(missing.status == 1 && missing.stderr.contains("slipway vulndb import"))
    }

    @Test func scansImagesInARegistryAndCachesTheirInventory() throws {
        let layout = try image()
        let server = try ServerProcess()
        let push = try run([slipwayExecutable, "image", "copy", layout, "docker://\(server.address)/shop:v1"],
                           environment: ["SLIPWAY_HOME": work("client")])
        try #require(push.status == 0, "\(push.stderr)")
        let remote = try slipway(["scan", "docker://\(server.address)/shop:v1", "--format", "json"])
        #expect(remote.status == 0, "\(remote.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(remote.stdout.utf8))
        #expect(report.findings.contains { $0.advisory == "GHSA-xvch-5gv4-984h" })
        // The second scan reads the cached inventory: no pull at all.
        let again = try slipway(["scan", "docker://\(server.address)/shop:v1", "--format", "json"])
        #expect(again.status == 0)
        #expect(!again.stderr.contains("pulled"), "\(again.stderr)")
        let unknown = try slipway(["scan", "docker://\(server.address)/shop:nope"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("nope"))
    }

    @Test func allTaggedRescansWhatTheRegistryHoldsAndListImagesShowsIt() throws {
        let layout = try image()
        let server = try ServerProcess()  // no vulnerability database yet: the push is not scanned
        let push = try run([slipwayExecutable, "image", "copy", layout, "docker://\(server.address)/app:v1"],
                           environment: ["SLIPWAY_HOME": work("client")])
        try #require(push.status == 0, "\(push.stderr)")
        let environment = ["SLIPWAY_HOME": server.home("home"), "SLIPWAY_VULNDB": try Self.database.get()]
        let before = try run([slipwayExecutable, "list-images"], environment: environment)
        #expect(before.stdout.contains("not scanned"), "\(before.stdout)\(before.stderr)")
        #expect(server.log.contains("pushes are not scanned until `slipway vulndb import`"))

        let rescan = try run([slipwayExecutable, "scan", "--all-tagged"], environment: environment)
        #expect(rescan.status == 0, "\(rescan.stderr)")
        #expect(rescan.stdout.contains("app:v1") && rescan.stdout.contains("critical"), "\(rescan.stdout)")
        let after = try run([slipwayExecutable, "list-images"], environment: environment)
        #expect(after.stdout.contains("critical") && !after.stdout.contains("not scanned"), "\(after.stdout)")
    }
}
