import Foundation
import SlipwayTestSupport
import Testing

/// The command line as people and scripts use it: the real `slipway` binary, its output and exit codes.
@Suite struct CommandLineTests {
    let dir = TemporaryDirectory("slipway-cli")

    func slipway(_ arguments: String..., environment: [String: String] = [:]) throws -> ProcessResult {
        try run([slipwayExecutable] + arguments, environment: environment)
    }

    @Test func helpListsTheCommands() throws {
        let help = try slipway("--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("version"))
        #expect(help.stdout.contains("image"))
        let image = try slipway("image", "--help")
        for command in ["import-rootfs", "inspect", "unpack"] { #expect(image.stdout.contains(command)) }
    }

    @Test func versionNamesTheCommit() throws {
        let result = try slipway("version", "--json")
        #expect(result.status == 0)
        let fields = try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))
        #expect(fields["version"]?.isEmpty == false)
        let commit = try #require(fields["commit"])
        // The package is built from a git checkout, so this is a full commit id (with -dirty for local edits).
        #expect(commit.prefix(40).allSatisfy { $0.isHexDigit } && commit.count >= 40, "\(commit)")
    }

    @Test func usageErrorsExitTwoAndFailuresOne() throws {
        let missing = try slipway("image", "inspect")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("Missing expected argument"))
        #expect(try slipway("no-such-command").status == 2)
        let unknown = try slipway("image", "inspect", "oci:\(dir("nowhere")):v1")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains(dir("nowhere")))
        let badName = try slipway("image", "inspect", "nowhere")
        #expect(badName.status == 2)
        #expect(badName.stderr.contains("oci:DIRECTORY[:TAG]"))
    }

    /// The path the README's main job takes: a directory becomes an image, which is inspected, read by
    /// skopeo, and unpacked back into the same files.
    @Test func importInspectUnpack() throws {
        try dir.write("rootfs/srv/index.html", "<h1>Slipway</h1>")
        try dir.write("rootfs/bin/serve", "#!/bin/sh\n", mode: 0o755)
        let layout = "oci:\(dir("layout")):v1"
        let imported = try slipway("image", "import-rootfs", dir("rootfs"), "--output", layout, "--label", "team=web",
                                   "--cmd", "/bin/serve", "--env", "PORT=8080", environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix(layout + " sha256:"))
        #expect(imported.stderr.contains("gzip"))

        let inspect = try slipway("image", "inspect", layout, "--json")
        #expect(inspect.status == 0, "\(inspect.stderr)")
        struct Report: Decodable {
            var digest: String
            var platform: String
            var created: String?
            var labels: [String: String]
            var layers: [[String: AnyDecodable]]
        }
        struct AnyDecodable: Decodable { init(from decoder: any Decoder) throws {} }
        let report = try JSONDecoder().decode(Report.self, from: Data(inspect.stdout.utf8))
        #expect(imported.stdout.contains(report.digest))
        #expect(report.platform == "linux/amd64")
        #expect(report.labels == ["team": "web"])
        #expect(report.layers.count == 1)
        #expect(report.created == "2023-11-14T22:13:20Z")

        let table = try slipway("image", "inspect", layout)
        #expect(table.stdout.contains("Label       team=web"))
        #expect(table.stdout.contains("Env         PORT=8080"))

        let unpack = try slipway("image", "unpack", layout, dir("unpacked"))
        #expect(unpack.status == 0, "\(unpack.stderr)")
        #expect(try String(contentsOfFile: dir("unpacked/srv/index.html"), encoding: .utf8) == "<h1>Slipway</h1>")
        #expect(FileManager.default.isExecutableFile(atPath: dir("unpacked/bin/serve")))

        // The same tree at the same SOURCE_DATE_EPOCH gives the same image, to the byte.
        let again = try slipway("image", "import-rootfs", dir("rootfs"), "--output", "oci:\(dir("layout2")):v1",
                                "--label", "team=web", "--cmd", "/bin/serve", "--env", "PORT=8080",
                                environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        #expect(again.stdout.split(separator: " ").last == imported.stdout.split(separator: " ").last)
    }

    @Test func unpackRefusesAnExistingDestinationAndLeavesNothingOnFailure() throws {
        try dir.write("rootfs/a", "1")
        #expect(try slipway("image", "import-rootfs", dir("rootfs"), "--output", "oci:\(dir("layout")):v1").status == 0)
        try FileManager.default.createDirectory(atPath: dir("taken"), withIntermediateDirectories: true)
        let taken = try slipway("image", "unpack", "oci:\(dir("layout")):v1", dir("taken"))
        #expect(taken.status == 1)
        #expect(taken.stderr.contains(dir("taken")))

        // Corrupt the layer blob: unpacking must fail on the digest and leave no directory behind.
        let index = try String(contentsOfFile: dir("layout/index.json"), encoding: .utf8)
        #expect(index.contains("\"org.opencontainers.image.ref.name\":\"v1\""))
        let blobs = try FileManager.default.contentsOfDirectory(atPath: dir("layout/blobs/sha256"))
        for blob in blobs {
            let path = dir("layout/blobs/sha256/" + blob)
            var bytes = try readFile(path)
            if bytes.first == 0x1f {  // the gzip layer
                bytes[bytes.count - 5] ^= 0x01  // inside the gzip trailer's CRC: gzip still inflates, the digest won't match
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            }
        }
        let corrupt = try slipway("image", "unpack", "oci:\(dir("layout")):v1", dir("out"))
        #expect(corrupt.status == 1)
        #expect(corrupt.stderr.contains("does not match") || corrupt.stderr.contains("corrupt"), "\(corrupt.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir("out")))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("out") }
        #expect(leftovers.isEmpty)
    }

    @Test func importRefusesBadInputWithoutTouchingTheLayout() throws {
        try dir.write("rootfs/a", "1")
        #expect(try slipway("image", "import-rootfs", dir("rootfs"), "--output", "oci:\(dir("layout"))").status == 2)
        #expect(try slipway("image", "import-rootfs", dir("rootfs"), "--output", "oci:\(dir("layout")):v1",
                            "--label", "novalue").status == 2)
        #expect(try slipway("image", "import-rootfs", dir("rootfs"), "--output", "oci::v1").status == 2)
        let notDirectory = try slipway("image", "import-rootfs", dir("rootfs/a"), "--output", "oci:\(dir("layout")):v1")
        #expect(notDirectory.status == 1)
        #expect(notDirectory.stderr.contains("is not a directory"))
        #expect(!FileManager.default.fileExists(atPath: dir("layout")))
    }

    /// An image goes into the store and out again: import from a layout skopeo wrote, list, export to a
    /// layout that skopeo reads back, with the blobs identical throughout.
    @Test func importListExportThroughTheStore() throws {
        try requireTool("skopeo")
        let home = ["SLIPWAY_HOME": dir("home")]
        try dir.write("rootfs/srv/app.txt", "v1")
        #expect(try slipway("image", "import-rootfs", dir("rootfs"), "--output", "oci:\(dir("ours")):v1",
                            "--label", "org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567",
                            "--label", "slipway.git.branch=main").status == 0)
        #expect(try run(["skopeo", "copy", "oci:\(dir("ours")):v1", "oci:\(dir("theirs")):v1"]).status == 0)

        let imported = try slipway("image", "import", "oci:\(dir("theirs")):v1", "acme/web:v1", environment: home)
        #expect(imported.status == 0, "\(imported.stderr)")
        let again = try slipway("image", "import", "oci:\(dir("theirs")):v1", "acme/web:staging", environment: home)
        #expect(again.stderr.contains("0 blob(s)") && again.stderr.contains("3 already present"), "\(again.stderr)")

        let list = try slipway("image", "list", "--json", environment: home)
        #expect(list.status == 0)
        struct Row: Decodable { var digest: String; var repository: String; var tags: [String]; var revision: String?; var branch: String? }
        let rows = try JSONDecoder().decode([Row].self, from: Data(list.stdout.utf8))
        #expect(rows.count == 1)
        #expect(rows.first?.tags == ["staging", "v1"])
        #expect(rows.first?.revision == "0123456789abcdef0123456789abcdef01234567")
        #expect(rows.first?.branch == "main")
        #expect(imported.stdout.contains(rows.first?.digest ?? "?"))
        #expect(try slipway("image", "list", environment: home).stdout.contains("0123456"))

        let exported = try slipway("image", "export", "acme/web:staging", "oci:\(dir("out")):x", environment: home)
        #expect(exported.status == 0, "\(exported.stderr)")
        let copy = try run(["skopeo", "copy", "oci:\(dir("out")):x", "dir:\(dir("dir"))"])
        #expect(copy.status == 0, "\(copy.stderr)")
        let digest = String(rows.first?.digest.dropFirst("sha256:".count) ?? "")
        #expect(try readFile(dir("dir/manifest.json")) == readFile(dir("out/blobs/sha256/" + digest)))

        let missing = try slipway("image", "export", "acme/web:nope", "oci:\(dir("out")):y", environment: home)
        #expect(missing.status == 1 && missing.stderr.contains("acme/web:nope"))
        #expect(try slipway("image", "import", "oci:\(dir("theirs")):v1", "Acme/Web", environment: home).status == 2)
    }
}
