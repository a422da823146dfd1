import Foundation
import SlipwayTestSupport
import Testing

/// What the compatibility tests build against: `slipway serve` holding a busybox base image (Debian's
/// busybox-static, made with import-rootfs, with users and groups) as `docker.io/library/busybox`, reached through
/// the mirror setting (slipway.yml's client.mirrors; registries.conf for buildah), and a helper that builds one
/// context with Slipway and with buildah and compares the two images.
final class BuildSite: @unchecked Sendable {
    let work = TemporaryDirectory("slipway-build")
    let server: ServerProcess
    /// Dockerfiles name the base as Docker Hub's, which only the mirror can serve here.
    let base = "busybox:latest"
    var config: String { work("slipway.yml") }
    var registriesConf: String { work("registries.conf") }

    init() throws {
        try requireTool("busybox")
        server = try ServerProcess()
        let root = work("busybox-rootfs")
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: root + "/bin/busybox")
        for applet in ["sh", "ls", "cat", "echo", "mkdir", "rm", "id", "touch", "chmod", "cp", "ln", "mv", "tar", "true", "test",
                       "wc", "head", "printf", "sort", "find", "stat", "whoami", "sleep", "grep", "env", "basename"] {
            try FileManager.default.createSymbolicLink(atPath: root + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try work.write("busybox-rootfs/etc/passwd",
                       "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n")
        try work.write("busybox-rootfs/etc/group", "root:x:0:\napp:x:1000:\nstaff:x:50:app\nnogroup:x:65534:\n")
        try FileManager.default.createDirectory(atPath: root + "/home/app", withIntermediateDirectories: true)
        _ = chown(root + "/home/app", 1000, 1000)
        try FileManager.default.createDirectory(atPath: root + "/var/lib/old/deep", withIntermediateDirectories: true)
        try work.write("busybox-rootfs/var/lib/old/deep/file", "old\n")
        try work.write("busybox-rootfs/etc/motd", "welcome\n")
        let layout = "oci:\(work("base")):busybox"
        let imported = try run([slipwayExecutable, "image", "import-rootfs", root, "--output", layout, "--env",
                                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "--cmd", "sh"])
        try #require(imported.status == 0, "\(imported.stderr)")
        let pushed = try run([slipwayExecutable, "image", "copy", layout, "docker://\(server.address)/library/busybox:latest"],
                             environment: ["SLIPWAY_HOME": work("client")])
        try #require(pushed.status == 0, "\(pushed.stderr)")
        try work.write("slipway.yml", "client:\n  mirrors:\n    docker.io: [\"\(server.address)\"]\n")
        try work.write("registries.conf", """
            unqualified-search-registries = ["docker.io"]
            [[registry]]
            prefix = "docker.io"
            location = "docker.io"
            [[registry.mirror]]
            location = "\(server.address)"
            insecure = true
            """)
    }

    /// Pushes the Debian bookworm minbase tree (debootstrap's, made by scripts/test) as `docker.io/library/debian:bookworm`
    /// through the same mirror.
    func pushDebian() throws {
        let tree = ProcessInfo.processInfo.environment["SLIPWAY_TEST_MINBASE"] ?? "/var/cache/slipway-bench/bookworm-minbase"
        try #require(FileManager.default.fileExists(atPath: tree + "/var/lib/dpkg/status"),
                     "no Debian minbase tree at \(tree): scripts/test makes it with debootstrap (ensure_minbase)")
        let layout = "oci:\(work("base")):debian"
        let imported = try run([slipwayExecutable, "image", "import-rootfs", tree, "--output", layout, "--env",
                                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "--cmd", "bash"])
        try #require(imported.status == 0, "\(imported.stderr)")
        let pushed = try run([slipwayExecutable, "image", "copy", layout, "docker://\(server.address)/library/debian:bookworm"],
                             environment: ["SLIPWAY_HOME": work("client")])
        try #require(pushed.status == 0, "\(pushed.stderr)")
    }

    /// Writes a context: `files` maps relative paths to contents (a trailing `/` makes a directory).
    func context(_ name: String, dockerfile: String, files: [String: String] = [:]) throws -> String {
        try work.write("\(name)/Dockerfile", dockerfile.replacingOccurrences(of: "@BASE@", with: base))
        for (path, content) in files {
            if path.hasSuffix("/") {
                try FileManager.default.createDirectory(atPath: work("\(name)/\(path)"), withIntermediateDirectories: true)
            } else {
                try work.write("\(name)/\(path)", content)
            }
        }
        return work(name)
    }

    /// `slipway build`; returns the oci: location of the result, or the failed result.
    func slipwayBuild(_ context: String, arguments: [String] = [], home: String? = nil) throws -> (location: String?, result: ProcessResult) {
        let location = "oci:\(work("slipway-out")):\(UUID().uuidString.prefix(8).lowercased())"
        let result = try run([slipwayExecutable, "build", context, "--tag", "test/image:1", "--output", location,
                              "--config", config] + arguments,
                             environment: ["SLIPWAY_HOME": home ?? work("home")])
        return (result.status == 0 ? location : nil, result)
    }

    /// Paths buildah's chroot isolation leaves behind as mount points: empty, and not part of what was built.
    static let buildahMountPoints: Set = ["dev", "proc", "sys", "run", "etc/hostname", "etc/hosts", "etc/resolv.conf"]

    /// Builds `context` both ways and records every difference in the filesystem and the configuration.
    func expectSameAsBuildah(_ context: String, slipwayArguments: [String] = [], buildahArguments: [String] = [],
                             target: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let built = try slipwayBuild(context, arguments: slipwayArguments + (target.map { ["--target", $0] } ?? []))
        guard let ours = built.location else {
            Issue.record("slipway build failed: \(built.result.stderr)", sourceLocation: sourceLocation)
            return
        }
        let theirs = try BuildahOracle.build(context: context, buildArgs: buildahArguments, target: target,
                                             registriesConf: registriesConf, in: work)
        let mine = try BuildahOracle.filesystem(of: ours, in: work)
        var reference = try BuildahOracle.filesystem(of: theirs, in: work)
        for path in Self.buildahMountPoints where mine[path] == nil {
            if let entry = reference[path], entry.type == "dir" || entry.content == Self.emptyDigest { reference[path] = nil }
        }
        for path in Set(mine.keys).union(reference.keys).sorted() where mine[path] != reference[path] {
            Issue.record("\(path): slipway \(mine[path]?.description ?? "absent"), buildah \(reference[path]?.description ?? "absent")",
                         sourceLocation: sourceLocation)
        }
        var ourConfig = try BuildahOracle.configuration(of: ours)
        var theirConfig = try BuildahOracle.configuration(of: theirs)
        #expect(ourConfig["Env"] != nil, "the configuration was read", sourceLocation: sourceLocation)
        theirConfig["Labels"] = Self.withoutBuildahLabel(theirConfig["Labels"])
        ourConfig["Labels"] = Self.withoutBuildahLabel(ourConfig["Labels"])
        for key in Set(ourConfig.keys).union(theirConfig.keys).sorted() where ourConfig[key] != theirConfig[key] {
            Issue.record("config \(key): slipway \(ourConfig[key] ?? "absent"), buildah \(theirConfig[key] ?? "absent")",
                         sourceLocation: sourceLocation)
        }
    }

    static let emptyDigest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func withoutBuildahLabel(_ labels: String?) -> String? {
        guard let labels, let data = labels.data(using: .utf8),
              var object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return labels }
        object["io.buildah.version"] = nil
        if object.isEmpty { return nil }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
    }
}
