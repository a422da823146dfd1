import ArgumentParser
import SlipwayOCI
import SlipwayArchive
import SlipwayRegistryClient
import SlipwayStore

/// `slipway image inspect oci:LAYOUT[:TAG]`
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an image's digest, platform, configuration, labels and layers.",
        discussion: "Every blob the image names is checked to be present with the size its descriptor states."
    )

    @Argument(help: "The image: oci:DIRECTORY[:TAG] or docker://REFERENCE.")
    var image: String

    @OptionGroup var options: ClientOptions

    @Flag(help: "Also read every layer and verify it against its digest.")
    var verify = false

    @Flag(help: "Print as JSON.")
    var json = false

    /// What `--json` prints.
    struct Report: Encodable {
        var reference: String
        var digest: Digest
        var mediaType: String
        var size: Int64
        var platform: String
        var platforms: [String]?
        var created: String?
        var config: ContainerConfig?
        var labels: [String: String]
        var layers: [Descriptor]
        var history: [ImageConfiguration.History]?
    }

    func run() async throws {
        let location = try ImageLocation(parsing: image)
        let platform = try Platform(parsing: options.platform)
        let loaded: LoadedImage
        switch location {
        case .layout(let path, let tag):
            let layout = try OCILayout.open(at: path)
            loaded = try layout.blobs.loadImage(try layout.descriptor(tag: tag), platform: platform, verifyLayers: verify)
        case .registry(let reference):
            loaded = try await Self.load(reference, platform: platform, client: try options.makeClient())
        case .archive:
            _ = try location.requireLayout()  // says how to get a layout from the archive
            return
        }
        let configuration = loaded.configuration
        let report = Report(
            reference: location.description, digest: loaded.descriptor.digest,
            mediaType: loaded.descriptor.mediaType, size: loaded.descriptor.size,
            platform: configuration.platform.description,
            platforms: loaded.index?.manifests.compactMap { $0.platform?.description },
            created: configuration.created, config: configuration.config,
            labels: configuration.config?.labels ?? [:], layers: loaded.manifest.layers,
            history: configuration.history)
        if json {
            try printJSON(report)
        } else {
            printTable(report)
        }
    }

    /// Reads an image's manifest (choosing the platform from an index) and configuration from a registry.
    static func load(_ reference: ImageReference, platform: Platform, client: RegistryClient) async throws -> LoadedImage {
        var (descriptor, bytes) = try await client.manifest(reference)
        var index: ImageIndex?
        if MediaType.indexes.contains(descriptor.mediaType) {
            let decoded = try ImageIndex.decode(bytes)
            guard let chosen = decoded.manifest(for: platform) else {
                throw ClientError.noPlatform(reference: "\(reference)", wanted: "\(platform)",
                                             available: decoded.manifests.compactMap { $0.platform?.description })
            }
            index = decoded
            (descriptor, bytes) = try await client.manifest(reference, tagOrDigest: chosen.digest.description)
        }
        let manifest = try ImageManifest.decode(bytes)
        guard manifest.config.size <= 4 << 20 else { throw CommandError("configuration \(manifest.config.digest) is over 4 MiB") }
        let sink = MemoryWriter()
        try await client.fetchBlob(manifest.config, from: reference, into: sink)
        return LoadedImage(descriptor: descriptor, manifest: manifest,
                           configuration: try ImageConfiguration.decode(sink.bytes), index: index)
    }

    private func printTable(_ report: Report) {
        var rows: [(String, String)] = [
            ("Image", report.reference), ("Digest", report.digest.description), ("Media type", report.mediaType),
            ("Platform", report.platform),
        ]
        if let platforms = report.platforms { rows.append(("Platforms", platforms.joined(separator: ", "))) }
        if let created = report.created { rows.append(("Created", created)) }
        let config = report.config
        if let entrypoint = config?.entrypoint { rows.append(("Entrypoint", entrypoint.description)) }
        if let cmd = config?.cmd { rows.append(("Cmd", cmd.description)) }
        if let dir = config?.workingDir { rows.append(("WorkingDir", dir)) }
        if let user = config?.user { rows.append(("User", user)) }
        if let ports = config?.exposedPorts { rows.append(("Ports", ports.sorted().joined(separator: ", "))) }
        for variable in config?.env ?? [] { rows.append(("Env", variable)) }
        for (key, value) in report.labels.sorted(by: { $0.key < $1.key }) { rows.append(("Label", "\(key)=\(value)")) }
        let total = report.layers.reduce(Int64(0)) { $0 + $1.size }
        rows.append(("Layers", "\(report.layers.count), \(formatBytes(total))"))
        let width = rows.map(\.0.count).max() ?? 0
        for (key, value) in rows {
            print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
        for layer in report.layers {
            print("  \(layer.digest)  \(formatBytes(layer.size).padding(toLength: 10, withPad: " ", startingAt: 0))  \(layer.mediaType)")
        }
    }
}
