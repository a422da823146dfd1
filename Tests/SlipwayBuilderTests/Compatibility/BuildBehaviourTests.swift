import Foundation
import SlipwayTestSupport
import Testing

/// The builder's promises beyond compatibility: the cache, reproducible digests, labels, failures that leave
/// nothing behind, and errors that name the file, line and what to do.
@Suite(.serialized) struct BuildBehaviourTests {
    static let site = Result { try BuildSite() }

    static let dockerfile = """
        FROM @BASE@
        WORKDIR /app
        COPY deps.txt ./
        RUN cat deps.txt > installed.txt
        COPY src/ ./src/
        RUN ls src > listing.txt
        CMD ["cat", "/app/listing.txt"]
        """

    func steps(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("[") || $0.contains("CACHED") }
    }

    func digest(_ output: String) -> String? {
        output.split(separator: " ").first { $0.hasPrefix("sha256:") }.map(String.init)
    }

    @Test func anUnchangedRebuildIsAllCachedAndOneChangedFileRebuildsFromItsCopy() throws {
        let site = try Self.site.get()
        let context = try site.context("cache", dockerfile: Self.dockerfile,
                                       files: ["deps.txt": "left-pad\n", "src/a.swift": "a\n", "src/b.swift": "b\n"])
        let home = site.work("cache-home")
        let first = try site.slipwayBuild(context, home: home)
        try #require(first.location != nil, "\(first.result.stderr)")
        let second = try site.slipwayBuild(context, home: home)
        #expect(second.location != nil)
        #expect(second.result.stderr.components(separatedBy: "CACHED").count - 1 == 5, "\(second.result.stderr)")

        try site.work.write("cache/src/b.swift", "b changed\n")
        let third = try site.slipwayBuild(context, home: home)
        let lines = third.result.stderr.split(separator: "\n").map(String.init)
        func cached(_ prefix: String) -> Bool {
            guard let index = lines.firstIndex(where: { $0.contains(prefix) }), index + 1 < lines.count else { return false }
            return lines[index + 1].contains("CACHED")
        }
        #expect(cached("COPY deps.txt") && cached("RUN cat deps.txt"), "\(third.result.stderr)")
        #expect(!cached("COPY src/") && !cached("RUN ls src"), "\(third.result.stderr)")
        #expect(digest(third.result.stdout) != digest(second.result.stdout))

        let noCache = try site.slipwayBuild(context, arguments: ["--no-cache"], home: home)
        #expect(!noCache.result.stderr.contains("CACHED"))
    }

    @Test func theSameCommitBuildsTheSameDigestWithItsLabels() throws {
        let site = try Self.site.get()
        let context = try site.context("repro", dockerfile: Self.dockerfile,
                                       files: ["deps.txt": "x\n", "src/main.swift": "print(1)\n"])
        for command in [["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "one"]] {
            #expect(try run(["git", "-C", context] + command).status == 0)
        }
        let commit = try run(["git", "-C", context, "rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let arguments = ["--commit", commit, "--branch", "main", "--source", "https://example.com/shop.git"]
        let one = try site.slipwayBuild(context, arguments: arguments, home: site.work("repro-home-1"))
        let two = try site.slipwayBuild(context, arguments: arguments, home: site.work("repro-home-2"))
        try #require(one.location != nil && two.location != nil, "\(one.result.stderr)\(two.result.stderr)")
        #expect(digest(one.result.stdout) == digest(two.result.stdout), "two builders, one commit: one digest")
        let config = try BuildahOracle.configuration(of: one.location!)
        let labels = try #require(config["Labels"])
        #expect(labels.contains("\"org.opencontainers.image.revision\":\"\(commit)\""))
        #expect(labels.contains("\"slipway.git.branch\":\"main\""))
        #expect(labels.contains("\"org.opencontainers.image.source\":\"https://example.com/shop.git\""))
    }

    @Test func aFailingRunStopsTheBuildWithItsStatusAndLastLinesAndWritesNothing() throws {
        let site = try Self.site.get()
        let context = try site.context("failing", dockerfile: """
            FROM @BASE@
            RUN echo step one && echo "compiler error: missing semicolon" >&2 && exit 3
            RUN echo never
            """)
        let output = site.work("failing-out")
        let result = try run([slipwayExecutable, "build", context, "--tag", "x:1", "--output", "oci:\(output):x",
                              "--config", site.config],
                             environment: ["SLIPWAY_HOME": site.work("home")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("failed with exit status 3"))
        #expect(result.stderr.contains("compiler error: missing semicolon"))
        #expect(!result.stderr.contains("RUN echo never"))
        #expect(!FileManager.default.fileExists(atPath: output), "nothing is written for a failed build")
    }

    static let badInputs: [(name: String, dockerfile: String, files: [String: String], arguments: [String], message: String)] = [
        ("unknown instruction", "FROM @BASE@\nRUNN echo\n", [:], [], "Dockerfile:2"),
        ("missing target", "FROM @BASE@ AS one\nRUN true\n", [:], ["--target", "two"], "two"),
        ("copy outside the context", "FROM @BASE@\nCOPY ../secret /x\n", [:], [], "outside the build context"),
        ("copy matching nothing", "FROM @BASE@\nCOPY *.none /x/\n", [:], [], "matches nothing"),
        ("copy of a missing file", "FROM @BASE@\nCOPY missing.txt /x\n", [:], [], "not found in the build context"),
        ("undefined --from index", "FROM @BASE@\nCOPY --from=7 /x /y\n", [:], [], "Dockerfile:2"),
        ("heredoc without terminator", "FROM @BASE@\nRUN <<EOF\necho hi\n", [:], [], "Dockerfile:2"),
        ("a base image that does not exist", "FROM 127.0.0.1:1/nothing/here:latest\n", [:], [], "cannot pull the base image"),
    ]

    @Test(arguments: badInputs.indices)
    func badInputIsAClearError(_ index: Int) throws {
        let site = try Self.site.get()
        let example = Self.badInputs[index]
        let context = try site.context("bad-\(index)", dockerfile: example.dockerfile, files: example.files)
        let result = try site.slipwayBuild(context, arguments: example.arguments)
        #expect(result.result.status != 0, "\(example.name)")
        #expect(result.result.stderr.contains(example.message), "\(example.name): \(result.result.stderr)")
    }

    @Test func independentStagesAreBuiltAtTheSameTime() throws {
        let site = try Self.site.get()
        let context = try site.context("parallel", dockerfile: """
            FROM @BASE@ AS left
            RUN cat /proc/uptime > /start && sleep 1 && cat /proc/uptime > /end
            FROM @BASE@ AS right
            RUN cat /proc/uptime > /start && sleep 1 && cat /proc/uptime > /end
            FROM @BASE@
            COPY --from=left /start /left-start
            COPY --from=left /end /left-end
            COPY --from=right /start /right-start
            COPY --from=right /end /right-end
            """)
        let built = try site.slipwayBuild(context)
        let location = try #require(built.location, "\(built.result.stderr)")
        let unpacked = site.work("parallel-unpacked")
        #expect(try run([slipwayExecutable, "image", "unpack", location, unpacked]).status == 0)
        func uptime(_ name: String) throws -> Double {
            let text = try String(contentsOfFile: unpacked + "/" + name, encoding: .utf8)
            return Double(text.split(separator: " ").first ?? "") ?? -1
        }
        let (leftStart, leftEnd) = (try uptime("left-start"), try uptime("left-end"))
        let (rightStart, rightEnd) = (try uptime("right-start"), try uptime("right-end"))
        #expect(leftStart < rightEnd && rightStart < leftEnd,
                "the two RUN steps overlap: left \(leftStart)–\(leftEnd), right \(rightStart)–\(rightEnd)")
    }

    @Test func secretsReachTheStepButNotTheImage() throws {
        let site = try Self.site.get()
        let context = try site.context("secret", dockerfile: """
            FROM @BASE@
            RUN --mount=type=secret,id=token wc -c < /run/secrets/token > /token-length
            """)
        try site.work.write("token.txt", "s3cr3t-value")
        let built = try site.slipwayBuild(context, arguments: ["--secret", "id=token,src=\(site.work("token.txt"))"])
        let location = try #require(built.location, "\(built.result.stderr)")
        let unpacked = site.work("secret-unpacked")
        #expect(try run([slipwayExecutable, "image", "unpack", location, unpacked]).status == 0)
        #expect(try String(contentsOfFile: unpacked + "/token-length", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "12")
        #expect(!FileManager.default.fileExists(atPath: unpacked + "/run/secrets/token"))
        let grep = try run(["grep", "-r", "s3cr3t-value", site.work("home") + "/builder/images"])
        #expect(grep.status == 1, "the secret's value is in no blob")
    }

    @Test func platformArgumentsAndFromPlatform() throws {
        let site = try Self.site.get()
        let context = try site.context("platform", dockerfile: """
            FROM --platform=$BUILDPLATFORM @BASE@ AS build
            ARG TARGETARCH
            ARG TARGETPLATFORM
            RUN echo "$TARGETARCH $TARGETPLATFORM" > /arch
            FROM @BASE@
            COPY --from=build /arch /arch
            """)
        let built = try site.slipwayBuild(context)
        let location = try #require(built.location, "\(built.result.stderr)")
        let unpacked = site.work("platform-unpacked")
        #expect(try run([slipwayExecutable, "image", "unpack", location, unpacked]).status == 0)
        let machine = try run(["uname", "-m"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let architecture = ["x86_64": "amd64", "aarch64": "arm64"][machine] ?? machine
        #expect(try String(contentsOfFile: unpacked + "/arch", encoding: .utf8) == "\(architecture) linux/\(architecture)\n")

        let bad = try site.context("platform-bad", dockerfile: "FROM --platform=nonsense @BASE@\n")
        let refused = try site.slipwayBuild(bad)
        #expect(refused.location == nil)
        #expect(refused.result.stderr.contains("FROM --platform=nonsense") && refused.result.stderr.contains("not a platform"),
                "\(refused.result.stderr)")
    }

    @Test func copyExcludeAndParents() throws {
        let site = try Self.site.get()
        let context = try site.context("exclude", dockerfile: """
            FROM @BASE@
            COPY --exclude=*.log --exclude=cache src/ /app/
            COPY --exclude=*.md docs/*.txt docs/*.md /notes/
            COPY --parents lib/a/one.txt lib/b/ /tree/
            """, files: ["src/main.sh": "echo hi\n", "src/debug.log": "noise\n", "src/cache/blob": "x\n", "src/sub/keep.txt": "k\n",
                         "src/sub/deep.log": "noise\n", "docs/a.txt": "a\n", "docs/b.md": "b\n",
                         "lib/a/one.txt": "1\n", "lib/a/two.txt": "2\n", "lib/b/three.txt": "3\n"])
        let built = try site.slipwayBuild(context)
        let location = try #require(built.location, "\(built.result.stderr)")
        let unpacked = site.work("exclude-unpacked")
        #expect(try run([slipwayExecutable, "image", "unpack", location, unpacked]).status == 0)
        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: unpacked + path) }
        #expect(exists("/app/main.sh") && exists("/app/sub/keep.txt"))
        #expect(!exists("/app/debug.log") && !exists("/app/cache"))
        #expect(exists("/app/sub/deep.log"))  // `*` stays in one directory, as in .dockerignore; **/*.log would reach it
        #expect(exists("/notes/a.txt") && !exists("/notes/b.md"))
        #expect(exists("/tree/lib/a/one.txt") && !exists("/tree/lib/a/two.txt") && exists("/tree/lib/b/three.txt"))
        #expect(!exists("/tree/one.txt") && !exists("/tree/three.txt"))

        // The patterns are part of the cache key: another --exclude rebuilds the step.
        try site.work.write("exclude/Dockerfile", "FROM \(site.base)\nCOPY --exclude=*.sh src/ /app/\n")
        let again = try site.slipwayBuild(context)
        let location2 = try #require(again.location, "\(again.result.stderr)")
        let unpacked2 = site.work("exclude-unpacked-2")
        #expect(try run([slipwayExecutable, "image", "unpack", location2, unpacked2]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: unpacked2 + "/app/main.sh"))
        #expect(FileManager.default.fileExists(atPath: unpacked2 + "/app/debug.log"))
    }

    @Test func addUnpacksZstdArchivesAndNamesABrokenOne() throws {
        let site = try Self.site.get()
        let context = try site.context("zstd", dockerfile: "FROM @BASE@\nADD bundle.tar.zst /opt/z/\n", files: ["src/hello.txt": "hello\n"])
        for command in ["tar -C src -cf bundle.tar .", "zstd -q bundle.tar -o bundle.tar.zst", "rm -r src bundle.tar"] {
            let result = try run(["sh", "-c", command], directory: context)
            try #require(result.status == 0, "\(command): \(result.stderr)")
        }
        let built = try site.slipwayBuild(context)
        let location = try #require(built.location, "\(built.result.stderr)")
        let unpacked = site.work("zstd-unpacked")
        #expect(try run([slipwayExecutable, "image", "unpack", location, unpacked]).status == 0)
        #expect(try String(contentsOfFile: unpacked + "/opt/z/hello.txt", encoding: .utf8) == "hello\n")

        // xz's magic, then garbage: the decompressor's complaint, with the file.
        try Data([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00] + Array("not really xz".utf8)).write(to: URL(fileURLWithPath: context + "/bundle.tar.zst"))
        let broken = try site.slipwayBuild(context)
        #expect(broken.location == nil)
        #expect(broken.result.stderr.contains("bundle.tar.zst") && broken.result.stderr.contains("xz could not decompress it"),
                "\(broken.result.stderr)")
    }

    @Test func pushSendsTheImageAndAFailedBuildSendsNothing() throws {
        let site = try Self.site.get()
        let context = try site.context("push", dockerfile: "FROM @BASE@\nCOPY hello.txt /\n", files: ["hello.txt": "hi\n"])
        let reference = "\(site.server.address)/pushed/app:v1"
        let result = try run([slipwayExecutable, "build", context, "--tag", reference, "--push", "--config", site.config],
                             environment: ["SLIPWAY_HOME": site.work("push-home")])
        #expect(result.status == 0 && result.stderr.contains("pushed \(reference)"), "\(result.stderr)")
        let built = try #require(digest(result.stdout), "\(result.stdout)")
        let inspected = try run(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", "docker://\(reference)"])
        #expect(inspected.status == 0 && inspected.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == built,
                "\(inspected.stdout)\(inspected.stderr)")

        try site.work.write("push/Dockerfile", "FROM \(site.base)\nCOPY hello.txt /\nRUN false\n")
        let failing = "\(site.server.address)/pushed/app:v2"
        let failed = try run([slipwayExecutable, "build", context, "--tag", failing, "--push", "--config", site.config],
                             environment: ["SLIPWAY_HOME": site.work("push-home")])
        #expect(failed.status == 1 && !failed.stderr.contains("pushed"), "\(failed.stderr)")
        let tags = try run(["skopeo", "list-tags", "--tls-verify=false", "docker://\(site.server.address)/pushed/app"])
        #expect(tags.status == 0 && tags.stdout.contains("v1") && !tags.stdout.contains("v2"), "\(tags.stdout)\(tags.stderr)")
    }

    @Test func addFromAURLChecksItsDigestAndSaysWhatWentWrong() throws {
        let site = try Self.site.get()
        try site.work.write("downloads/app.conf", "setting = 1\n")
        let server = try HTTPFileServer(directory: site.work("downloads"))
        let url = "http://127.0.0.1:\(server.port)/app.conf"
        let digest = "sha256:" + (try run(["sha256sum", site.work("downloads/app.conf")]).stdout.prefix(64))
        let context = try site.context("add-checksum", dockerfile: """
            FROM @BASE@
            ADD --checksum=\(digest) --chmod=644 \(url) /etc/app.conf
            """)
        let built = try site.slipwayBuild(context)
        let location = try #require(built.location, "\(built.result.stderr)")
        let unpacked = site.work("add-checksum-unpacked")
        #expect(try run([slipwayExecutable, "image", "unpack", location, unpacked]).status == 0)
        #expect(try String(contentsOfFile: unpacked + "/etc/app.conf", encoding: .utf8) == "setting = 1\n")
        #expect(try FileManager.default.attributesOfItem(atPath: unpacked + "/etc/app.conf")[.posixPermissions] as? Int == 0o644)

        // The file changes on the server: the digest no longer matches, and the build says so.
        try site.work.write("downloads/app.conf", "setting = 2\n")
        let mismatch = try site.slipwayBuild(context)
        #expect(mismatch.location == nil && mismatch.result.stderr.contains("not the --checksum \(digest)"), "\(mismatch.result.stderr)")
        try site.work.write("add-checksum/Dockerfile", "FROM \(site.base)\nADD http://127.0.0.1:\(server.port)/missing.txt /\n")
        let missing = try site.slipwayBuild(context)
        #expect(missing.location == nil && missing.result.stderr.contains("answered 404"), "\(missing.result.stderr)")
        try site.work.write("add-checksum/Dockerfile", "FROM \(site.base)\nCOPY \(url) /\n")
        let copy = try site.slipwayBuild(context)
        #expect(copy.location == nil && copy.result.stderr.contains("COPY cannot take a URL"), "\(copy.result.stderr)")
    }

    /// Symlinks in the context, a stage or the image are followed as if their root were `/`: a build never reads or
    /// writes the host through one.
    @Test func symlinksNeverLeadOutOfTheContextOrTheImage() throws {
        let site = try Self.site.get()
        let outside = TemporaryDirectory("slipway-escape")  // a host directory the links point at
        try outside.write("secret.txt", "HOST-SECRET\n")
        try outside.write("Dockerfile", "FROM scratch\nHOST-DOCKERFILE-LINE\n")
        let context = try site.context("escape", dockerfile: """
            FROM @BASE@
            RUN ln -s \(outside.path) /app && ln -s \(outside.path) /w
            COPY inside.txt /app/inside.txt
            WORKDIR /w/sub
            RUN true
            COPY h/inside.txt /via-root.txt
            """, files: ["inside.txt": "in the context\n"])
        try FileManager.default.createSymbolicLink(atPath: context + "/h", withDestinationPath: "/")
        let built = try site.slipwayBuild(context)
        let location = try #require(built.location, "\(built.result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: outside("inside.txt")), "COPY wrote through the image's link onto the host")
        #expect(!FileManager.default.fileExists(atPath: outside("sub")), "WORKDIR made a directory on the host")
        let unpacked = site.work("escape-unpacked")
        #expect(try run([slipwayExecutable, "image", "unpack", location, unpacked]).status == 0)
        #expect(try String(contentsOfFile: unpacked + outside.path + "/inside.txt", encoding: .utf8) == "in the context\n")
        #expect(try String(contentsOfFile: unpacked + "/via-root.txt", encoding: .utf8) == "in the context\n")  // h -> / is the context

        // Reading: h/<host path> is that path inside the context, which is not there.
        try site.work.write("escape/Dockerfile", "FROM \(site.base)\nCOPY h\(outside.path)/secret.txt /leak\n")
        let read = try site.slipwayBuild(context)
        #expect(read.location == nil && read.result.stderr.contains("not found in the build context"), "\(read.result.stderr)")
        // A Dockerfile that links out of the context is not read.
        try FileManager.default.createSymbolicLink(atPath: context + "/Linked.Dockerfile", withDestinationPath: outside("Dockerfile"))
        let linked = try site.slipwayBuild(context, arguments: ["-f", "Linked.Dockerfile"])
        #expect(linked.location == nil && !linked.result.stderr.contains("HOST-DOCKERFILE-LINE"), "\(linked.result.stderr)")
    }
}
