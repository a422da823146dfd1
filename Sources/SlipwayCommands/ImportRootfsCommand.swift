import ArgumentParser
import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayStore

/// `slipway image import-rootfs DIR --output oci:LAYOUT:TAG`
struct ImportRootfsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-rootfs",
        abstract: "Turn a directory into a one-layer OCI image.",
        discussion: """
            The layer is written deterministically: entries sorted, owners as the files record them, times \
            clamped to SOURCE_DATE_EPOCH when it is set. The same directory gives the same layer digest.
            If anything fails, the layout is left as it was.
            """
    )

    @Argument(help: "The directory that becomes the image's root filesystem.", completion: .directory)
    var directory: String

    @Option(name: .shortAndLong, help: "Where to write the image: oci:DIRECTORY:TAG.")
    var output: String

    @Option(help: "The image's platform, OS/ARCH[/VARIANT].")
    var platform = "linux/amd64"

    @Option(name: .customLong("label"), help: "A label KEY=VALUE (repeatable).")
    var labels: [String] = []

    @Option(name: .customLong("env"), help: "An environment variable KEY=VALUE (repeatable).")
    var environment: [String] = []

    @Option(parsing: .unconditionalSingleValue, help: "One argument of the default command (repeatable, in order).")
    var cmd: [String] = []

    @Option(parsing: .unconditionalSingleValue, help: "One argument of the entrypoint (repeatable, in order).")
    var entrypoint: [String] = []

    @Option(help: "The working directory of the image's containers.")
    var workdir: String?

    @Option(name: .customLong("expose"), help: "A port the image's application listens on, PORT[/tcp|udp] (repeatable).")
    var exposedPorts: [String] = []

    @Option(help: "Clamp file times to this Unix time (default: $SOURCE_DATE_EPOCH).")
    var sourceDateEpoch: Int64?

    func validate() throws {
        for pair in labels + environment where !pair.contains("=") {
            throw ValidationError("'\(pair)' is not KEY=VALUE")
        }
        for port in exposedPorts {
            let parts = port.split(separator: "/")
            guard let number = Int(parts[0]), (1...65535).contains(number), parts.count == 1 || ["tcp", "udp"].contains(parts[1]) else {
                throw ValidationError("--expose '\(port)' is not PORT[/tcp|udp]")
            }
        }
        guard case .layout(_, let tag) = try ImageLocation(parsing: output), tag != nil else {
            throw ValidationError("--output must be oci:DIRECTORY:TAG")
        }
    }

    func run() throws {
        let (layoutPath, tag) = try ImageLocation(parsing: output).requireLayout()
        let platform = try Platform(parsing: platform)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandError("\(directory) is not a directory")
        }
        let epoch = sourceDateEpoch ?? ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { Int64($0) }

        let layout = try OCILayout.openOrCreate(at: layoutPath)
        let before = Set(try layout.blobs.digests())
        do {
            let progress = Progress("Layer from \(directory)")
            let archiver = TreeArchiver(root: directory, options: LayerOptions(sourceDateEpoch: epoch))
            let (layer, diffID) = try layout.blobs.putLayer(progress: progress.advance) { tar in
                try archiver.write(to: tar)
            }
            progress.finish("\(formatBytes(progress.bytes)) → \(formatBytes(layer.size)) gzip, \(layer.digest)")

            let created = ISO8601DateFormatter().string(from: epoch.map { Date(timeIntervalSince1970: Double($0)) } ?? Date())
            let configuration = ImageConfiguration(
                platform: platform,
                config: ContainerConfig(
                    exposedPorts: exposedPorts.isEmpty ? nil : Set(exposedPorts.map { $0.contains("/") ? $0 : $0 + "/tcp" }),
                    env: environment.isEmpty ? nil : environment,
                    entrypoint: entrypoint.isEmpty ? nil : entrypoint,
                    cmd: cmd.isEmpty ? nil : cmd,
                    workingDir: workdir,
                    labels: labels.isEmpty ? nil : Dictionary(labels.map(Self.split), uniquingKeysWith: { $1 })),
                rootfs: .init(diffIDs: [diffID]),
                history: [.init(created: created, createdBy: "slipway image import-rootfs", comment: directory)],
                created: created)
            let manifest = try layout.blobs.putImage(configuration: configuration, layers: [layer])
            try layout.tag(manifest, as: tag!)
            print("\(output) \(manifest.digest)")
        } catch {
            // Leave the layout as it was: drop the blobs this run added.
            for digest in Set(try layout.blobs.digests()).subtracting(before) { try? layout.blobs.delete(digest) }
            throw error
        }
    }

    static func split(_ pair: String) -> (String, String) {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }
}
