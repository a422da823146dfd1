import Foundation
import Testing

@testable import SlipwayBuilder

/// Compares `DockerIgnore` (buildah dialect) with buildah itself: for each ignore file, buildah builds
/// `FROM scratch` + `COPY . /ctx/` over the same context tree, the image is pushed to an OCI layout, and the file
/// names in its layer must be exactly the files `includedFiles(in:)` returns.
///
/// Needs the Debian package `buildah` and root (chroot isolation, vfs storage under a temporary root). A missing
/// buildah fails the tests instead of skipping them.
///
/// Known buildah 1.28 behaviours that differ from Docker are part of the cases below (marked "buildah:"); they are
/// what the buildah dialect reproduces and `DockerIgnoreTests.dialectsDiffer` shows Docker's answer for them. Not
/// reproduced, so not tested here: buildah's regular expressions treat `+ ( ) | { }` in patterns as operators.
@Suite(.serialized) struct DockerIgnoreOracleTests {
    /// The context every case builds.
    static let tree = [
        "top.txt", "README.md", "CHANGES.md", ".env", ".hid/x/y", "a/one.txt", "a/b/two.txt", "a/b/c/three.txt",
        "a/b/c/four.md", "dir with space/f 1.txt", "dir with space/sub dir/g 2.md", "br[ack]ets/x.txt",
        "docs/readme.md",
        "docs/x/readme.md", "docs/keep.md", "node_modules/pkg/index.js", "node_modules/pkg/package.json",
        "sub/a/deep.txt", "deep/1/2/x/3/f.txt", "deep/1/2/x/h.txt", "deep/x/q/g.txt", "src/main.go", "src/pkg/util.go",
        "src/pkg/util_test.go", "src/.cache/c.bin", "empty/", "link.txt -> top.txt", "linkdir -> a", "weird-ü名.txt",
        "q?mark.txt", "star*name.txt",
    ]

    static let handWritten: [String] = [
        "", "a\n!a/b/c/four.md", "/a", "./a", "a/", "Dockerfile\n.dockerignore", "*.md", "**/*.md", "  top.txt  ",
        " #top.txt", "# only a comment\n\n", "br\\[ack\\]ets", "*\n!README.md", "a/b/../b/c", "**\n!docs", "*\n!a/b",
        ".*", "a/**/c", "**/c", "a/**", "**/x", "docs/*\n!docs/x", "a/*/c", "*\n!a\na/b", "sub/[^b]/deep.txt",
        "su[^x]", "dir with space", "**/x\n!deep/1/2/x/3", "deep/*/2\n!deep/1/2/x/3/f.txt",
        "deep/1\n!deep/1/2/x\ndeep/1/2/x/3",
        "*.txt\n!**/f*.txt", "q\\?mark.txt\nstar\\*name.txt", "weird-*", "link*", "src\n!src/main.go",
        "**/*_test.go\n**/.cache",
        "\u{FEFF}top.txt", "top.txt\r\nREADME.md\r\n", "/\n.", "*\n!/top.txt", "*\n!./top.txt", "*\n!top.txt/",
        // buildah: `!` is not followed by trimming, and is split off after cleaning.
        "*\n! top.txt", "*\n!a/../top.txt", "*\n!/a/../top.txt",
        // buildah: an excluded directory is only entered when an exception's text starts with its path.
        "deep\n!deep/1/*/x", "deep\n!deep/1/2/*", "src\n!src/**/*.go", "*\n!**/*.md", "deep\n!de",
        // Both refuse these.
        "[", "!",
    ]

    /// Ignore files built from random rule lines (fixed seed, so the cases are the same on every run).
    static let generated: [String] = {
        let lines = [
            "a", "a/b", "*.md", "**/*.md", "**/*.txt", "docs", "docs/*", ".*", "*", "!a/b/c/four.md", "!docs/x",
            "!**/*.md", "deep/1", "!deep/1/2/x/h.txt", "dir with space", "br\\[ack\\]ets", "?op.txt", "[a-c]*",
            "node_modules", "!node_modules/pkg/package.json", "sub/*/deep.txt", "/top.txt", "./README.md", "a/b/",
            "**/x", "!src", "src/**", "!src/pkg", "**/*.go", "!**/util.go", "deep/**/h.txt", "link*", "!linkdir",
            "empty", "*/b", "!*/b/c", "**/.cache",
        ]
        var state: UInt64 = 0x5EED_D0C4_E21C
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        return (0..<16).map { _ in
            (0..<(1 + next(5))).map { _ in lines[next(lines.count)] }.joined(separator: "\n")
        }
    }()

    struct Case: CustomTestStringConvertible, Sendable {
        var rules: String
        var testDescription: String { "[\(rules.replacingOccurrences(of: "\n", with: "⏎"))]" }
    }

    static var cases: [Case] { (handWritten + generated).map(Case.init) }

    @Test func buildahIsInstalled() {
        #expect(
            DockerIgnoreOracle.buildah != nil, "buildah is not installed (apt-get install buildah): the oracle needs it"
        )
    }

    @Test(arguments: cases)
    func matchesBuildah(_ example: Case) throws {
        let buildah = try #require(
            DockerIgnoreOracle.buildah, "buildah is not installed (apt-get install buildah): the oracle needs it")
        let work = try DockerfileTestSupport.temporaryDirectory("dockerignore-oracle")
        defer { DockerIgnoreOracle.cleanUp(work, buildah: buildah) }
        let context = work.appendingPathComponent("ctx")
        try DockerfileTestSupport.makeTree(Self.tree, in: context)
        try Data("FROM scratch\nCOPY . /ctx/\n".utf8).write(to: context.appendingPathComponent("Dockerfile"))
        try Data(example.rules.utf8).write(to: context.appendingPathComponent(".dockerignore"))

        let ours = Result { try DockerIgnore(contextDirectory: context) }
        let theirs = try DockerIgnoreOracle.buildahFiles(context: context, work: work, buildah: buildah)
        switch (ours, theirs) {
        case (.success(let ignore), .success(let built)):
            // Both the walk and the per-path predicate must agree with buildah.
            let walked = Set(try ignore.includedFiles(in: context))
            #expect(
                walked == built,
                "only ours: \(walked.subtracting(built).sorted()), only buildah: \(built.subtracting(walked).sorted())")
            let everything = try DockerIgnore(parsing: "").includedFiles(in: context)
            let kept = Set(everything.filter { !ignore.isExcluded($0, isDirectory: false) })
            let (onlyOurs, onlyBuildah) = (kept.subtracting(built).sorted(), built.subtracting(kept).sorted())
            #expect(kept == built, "isExcluded: only ours: \(onlyOurs), only buildah: \(onlyBuildah)")
        case (.failure, .failure):
            break
        case (.success, .failure(let error)):
            Issue.record("buildah refused the ignore file but DockerIgnore accepted it: \(error)")
        case (.failure(let error), .success):
            Issue.record("DockerIgnore refused the ignore file but buildah built it: \(error)")
        }
    }
}

/// Runs buildah for the oracle test.
enum DockerIgnoreOracle {
    struct CommandFailed: Error, CustomStringConvertible {
        var command: String
        var output: String
        var description: String { "\(command) failed: \(output)" }
    }

    static let buildah: String? = {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return (paths + ["/usr/bin", "/usr/sbin"]).map { "\($0)/buildah" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CommandFailed(command: ([executable] + arguments).joined(separator: " "), output: text)
        }
        return text
    }

    static func storage(_ work: URL) -> [String] {
        [
            "--root", work.appendingPathComponent("root").path, "--runroot",
            work.appendingPathComponent("runroot").path,
            "--storage-driver", "vfs",
        ]
    }

    /// The non-directory paths (relative to `/ctx`) that buildah copies, or the build failure.
    static func buildahFiles(context: URL, work: URL, buildah: String) throws -> Result<Set<String>, CommandFailed> {
        let tag = "localhost/slipway-dockerignore-oracle:latest"
        do {
            try run(
                buildah,
                storage(work) + ["bud", "--isolation", "chroot", "--layers=false", "-q", "-t", tag, context.path])
        } catch let failure as CommandFailed {
            return .failure(failure)
        }
        let layout = work.appendingPathComponent("oci")
        try run(buildah, storage(work) + ["push", "-q", tag, "oci:\(layout.path)"])
        let blobs = layout.appendingPathComponent("blobs/sha256")
        func json(_ url: URL) throws -> [String: Any] {
            (try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]) ?? [:]
        }
        func blob(_ descriptor: Any?) throws -> URL {
            let digest = try #require((descriptor as? [String: Any])?["digest"] as? String)
            return blobs.appendingPathComponent(String(digest.dropFirst("sha256:".count)))
        }
        let index = try json(layout.appendingPathComponent("index.json"))
        let manifest = try json(try blob((index["manifests"] as? [Any])?.first))
        let layers = try #require(manifest["layers"] as? [Any])
        var files: Set<String> = []
        for layer in layers {
            let listing = try run("/usr/bin/tar", ["--quoting-style=literal", "-tf", try blob(layer).path])
            for name in listing.split(separator: "\n") where !name.hasSuffix("/") && name.hasPrefix("ctx/") {
                files.insert(String(name.dropFirst("ctx/".count)))
            }
        }
        return .success(files)
    }

    static func cleanUp(_ work: URL, buildah: String) {
        _ = try? run(buildah, storage(work) + ["rmi", "--all", "--force"])
        try? FileManager.default.removeItem(at: work)
    }
}
