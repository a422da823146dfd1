import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayStore
import SlipwayTestSupport
import Testing

/// buildah (Debian's package, `bud --isolation chroot` on vfs storage of its own) as the reference builder, and a
/// way to compare two images: both unpacked, every entry's path, type, mode, owner, content hash and link target,
/// and the configuration fields a Dockerfile sets.
enum BuildahOracle {
    /// Builds `context` with buildah and writes the image to `oci:LAYOUT:TAG`.
    static func build(context: String, dockerfile: String = "Dockerfile", buildArgs: [String] = [], target: String? = nil,
                      registriesConf: String, in work: TemporaryDirectory) throws -> String {
        try requireTool("buildah")
        let storage = ["--root", work("buildah/root"), "--runroot", work("buildah/run"), "--storage-driver", "overlay"]
        let tag = "slipway-oracle-\(UUID().uuidString.prefix(8).lowercased())"
        var arguments = ["buildah"] + storage + ["bud", "--isolation", "chroot", "--tls-verify=false",
                                                 "--format", "docker", "-f", context + "/" + dockerfile, "-t", tag]
        for argument in buildArgs { arguments += ["--build-arg", argument] }
        if let target { arguments += ["--target", target] }
        let built = try run(arguments + [context], environment: ["BUILDAH_LAYERS": "false",
                                                                 "CONTAINERS_REGISTRIES_CONF": registriesConf])
        guard built.status == 0 else { throw ServerProcess.ServerError(message: "buildah bud failed:\n\(built.stdout)\(built.stderr)") }
        let layout = "oci:\(work("buildah-out")):\(tag)"
        let pushed = try run(["buildah"] + storage + ["push", tag, layout])
        guard pushed.status == 0 else { throw ServerProcess.ServerError(message: "buildah push failed: \(pushed.stderr)") }
        return layout
    }

    /// One filesystem entry as the comparison sees it.
    struct Entry: Equatable, CustomStringConvertible {
        var type: String
        var mode: UInt32
        var uid: UInt32
        var gid: UInt32
        var content: String
        var description: String { "\(type) \(String(mode, radix: 8)) \(uid):\(gid) \(content)" }
    }

    /// The unpacked filesystem of `oci:LAYOUT:TAG`, entry by entry (directory times are not compared: builders
    /// set them differently and Docker's own builders disagree).
    static func filesystem(of location: String, in work: TemporaryDirectory) throws -> [String: Entry] {
        let directory = work("unpacked-\(UUID().uuidString.prefix(8))")
        let unpacked = try run([slipwayExecutable, "image", "unpack", location, directory, "--allow-devices"])
        guard unpacked.status == 0 else { throw ServerProcess.ServerError(message: "unpack failed: \(unpacked.stderr)") }
        var entries: [String: Entry] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            let path = directory + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            var type = "other", content = ""
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                type = "file"
                content = Digest(of: try Data(contentsOf: URL(fileURLWithPath: path))).description
            case S_IFDIR: type = "dir"
            case S_IFCHR, S_IFBLK:
                type = info.st_mode & S_IFMT == S_IFCHR ? "char" : "block"
                content = "\(info.st_rdev)"
            case S_IFLNK:
                type = "symlink"
                content = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? ""
            default: break
            }
            entries[relative] = Entry(type: type, mode: UInt32(info.st_mode) & 0o7777, uid: info.st_uid, gid: info.st_gid,
                                      content: content)
        }
        return entries
    }

    /// The configuration fields a Dockerfile sets, as text for readable differences.
    static func configuration(of location: String) throws -> [String: String] {
        let inspected = try run([slipwayExecutable, "image", "inspect", location, "--json"])
        // `slipway image inspect --json` puts the image configuration's `config` object at the top as "config".
        guard inspected.status == 0,
              let root = try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any],
              let config = root["config"] as? [String: Any] else {
            throw ServerProcess.ServerError(message: "inspect failed: \(inspected.stderr)\(inspected.stdout.prefix(500))")
        }
        var fields: [String: String] = [:]
        for key in ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Labels", "Volumes", "StopSignal"] {
            if let value = config[key], !(value is NSNull) {
                let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
                fields[key] = String(decoding: data, as: UTF8.self)
            }
        }
        return fields
    }
}
