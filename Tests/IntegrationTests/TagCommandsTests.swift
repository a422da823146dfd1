import Foundation
import SlipwayTestSupport
import Testing

/// The operator's first commands on a deploy host: `list-images`, `tag-by-commit`, `tag-by-branch`, run as bare
/// commands (symlinks to slipway, as the deploy host installs them) against images pushed to `slipway serve`.
@Suite(.serialized) struct TagCommandsTests {
    let work = TemporaryDirectory("slipway-tags")
    let first = "abc1234" + String(repeating: "1", count: 33)
    let second = "abc1234" + String(repeating: "2", count: 33)
    let third = "def5678" + String(repeating: "3", count: 33)

    /// A server holding three images of `example`, built from three commits on two branches.
    func start() throws -> ServerProcess {
        try work.write("slipway.yml", """
            app: example
            environments:
              staging: {listen: "127.0.0.1:18000"}
              production: {listen: "127.0.0.1:18001"}
            """)
        let server = try ServerProcess(arguments: ["--config", work("slipway.yml")])
        for (index, (commit, branch)) in [(first, "main"), (second, "m2stage"), (third, "main")].enumerated() {
            try work.write("rootfs\(index)/srv/version", "\(index + 1)")
            let layout = "oci:\(work("layout")):v\(index)"
            var result = try run([slipwayExecutable, "image", "import-rootfs", work("rootfs\(index)"), "--output", layout,
                                  "--label", "org.opencontainers.image.revision=\(commit)", "--label", "slipway.git.branch=\(branch)"])
            #expect(result.status == 0, "\(result.stderr)")
            result = try run([slipwayExecutable, "image", "copy", layout, "docker://\(server.address)/example:\(commit)"],
                             environment: ["SLIPWAY_HOME": work("client")])
            #expect(result.status == 0, "\(result.stderr)")
            Thread.sleep(forTimeInterval: 0.01)  // distinct push times
        }
        return server
    }

    /// Runs a bare command (a symlink named after it) against the server's home.
    func bare(_ command: String, _ arguments: [String], server: ServerProcess, environment: [String: String] = [:]) throws -> ProcessResult {
        let link = work("bin/\(command)")
        if !FileManager.default.fileExists(atPath: link) {
            try FileManager.default.createDirectory(atPath: work("bin"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: slipwayExecutable)
        }
        return try run([link] + arguments + ["--config", work("slipway.yml")],
                       environment: ["SLIPWAY_HOME": server.home("home"), "SLIPWAY_ACTOR": "alice"].merging(environment) { $1 })
    }

    @Test func listTagAndAudit() throws {
        let server = try start()
        var result = try bare("list-images", [], server: server)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        try #require(lines.count == 4, "\(result.stdout)")
        #expect(lines[0].hasPrefix("DIGEST") && lines[1].contains("abc1234") && lines[1].contains("main")
                && lines[2].contains("m2stage") && lines[3].contains("def5678"), "\(result.stdout)")

        result = try bare("tag-by-commit", ["def5678", "staging"], server: server)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \[docker tag\] Assigning tag staging to image \[commit\(def5678\) digest\(sha256:[0-9a-f]{64}\)\]\.\n$"#,
                                    options: .regularExpression) != nil, "\(result.stdout)")
        result = try bare("tag-by-branch", ["m2stage", "production"], server: server)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Assigning tag production") && result.stdout.contains("commit(abc1234)"))

        // The tags are registry tags: list-images shows them, and so does the registry API.
        result = try bare("list-images", ["--json"], server: server)
        struct Image: Decodable { var revision: String?; var tags: [String] }
        let images = try JSONDecoder().decode([Image].self, from: Data(result.stdout.utf8))
        #expect(images.map(\.revision) == [first, second, third])
        #expect(images.map(\.tags) == [[first], [second, "production"], [third, "staging"]])
        let tags = try run(["curl", "-sf", "http://\(server.address)/v2/example/tags/list"])
        #expect(tags.stdout.contains("\"staging\"") && tags.stdout.contains("\"production\""), "\(tags.stdout)")

        // Tagging again with the same image says so and records nothing new.
        result = try bare("tag-by-commit", [third, "staging"], server: server)
        #expect(result.stdout.contains("already points"), "\(result.stdout)")
        result = try bare("list-images", ["--limit", "1"], server: server)
        #expect(result.stdout.split(separator: "\n").count == 2 && result.stdout.contains("def5678"))
    }

    @Test func mistakesAreNamed() throws {
        let server = try start()
        var result = try bare("tag-by-commit", ["abc1234", "staging"], server: server)  // two commits share it
        #expect(result.status == 1)
        #expect(result.stderr.contains("matches 2 commits") && result.stderr.contains(first) && result.stderr.contains(second),
                "\(result.stderr)")
        result = try bare("tag-by-commit", ["9999999", "staging"], server: server)
        #expect(result.status == 1 && result.stderr.contains("no image of example was built from commit 9999999"), "\(result.stderr)")
        result = try bare("tag-by-branch", ["nope", "staging"], server: server)
        #expect(result.status == 1 && result.stderr.contains("branches with images: m2stage, main"), "\(result.stderr)")
        result = try bare("tag-by-branch", ["main"], server: server)  // two environments: which?
        #expect(result.status == 2 && result.stderr.contains("production, staging"), "\(result.stderr)")
        result = try bare("tag-by-branch", ["main", "prod"], server: server)
        #expect(result.status == 2 && result.stderr.contains("unknown environment 'prod'"), "\(result.stderr)")
        result = try bare("tag-by-branch", ["main"], server: server, environment: ["SLIPWAY_ENV": "staging"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}
