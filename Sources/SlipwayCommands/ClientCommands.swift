import ArgumentParser
import Foundation
import SlipwayArchive
import SlipwayConfig
import SlipwayOCI
import SlipwayRegistryClient
import SlipwayStore

/// Options shared by the commands that talk to registries.
struct ClientOptions: ParsableArguments {
    @Option(help: "The configuration file (default: $SLIPWAY_HOME/slipway.yml); its client section sets mirrors and insecure registries.")
    var config: String?

    @Option(help: "The platform to pick from a multi-platform index, OS/ARCH[/VARIANT].")
    var platform = "linux/amd64"

    func makeClient() throws -> RegistryClient {
        let home = SlipwayHome.fromEnvironment()
        return try Self.makeClient(try SlipwayConfig.load(path: config ?? home.path + "/slipway.yml"), home: home)
    }

    /// A registry client with the configuration's client settings and the standard credentials.
    static func makeClient(_ settings: SlipwayConfig, home: SlipwayHome) throws -> RegistryClient {
        var configuration = ClientConfiguration(credentials: .standard(slipwayHome: home.path))
        configuration.mirrors = settings.client.mirrors
        configuration.insecure = Set(settings.client.insecure)
        configuration.parallelism = settings.client.parallelLayers
        configuration.chunkSize = settings.client.chunkSize
        configuration.caFile = settings.client.caFile
        return try RegistryClient(configuration: configuration)
    }
}

extension ImageLocation {
    /// The endpoint a copy reads or writes. A layout destination is created if absent; an archive is unpacked
    /// into (or, as a destination, staged in) `scratch`, a temporary directory.
    func endpoint(creating: Bool, scratch: String) throws -> ImageEndpoint {
        switch self {
        case .registry(let reference): return .registry(reference)
        case .layout(let path, let tag):
            return .layout(creating ? try OCILayout.openOrCreate(at: path) : try OCILayout.open(at: path), tag: tag)
        case .archive(let path, let tag):
            if creating { return .layout(try OCILayout.openOrCreate(at: scratch + "/layout"), tag: tag) }
            var options = ExtractOptions()
            options.applyWhiteouts = false
            options.preserveOwnership = false
            try Extractor.unpack(layers: [{ try FileReader(path: path) }], to: scratch + "/layout", options: options)
            return .layout(try OCILayout.open(at: scratch + "/layout"), tag: tag)
        }
    }

    /// For an archive destination: writes the staged layout as one tar file, atomically.
    func finishArchive(scratch: String) throws {
        guard case .archive(let path, _) = self else { return }
        let temporary = path + ".partial-\(getpid())"
        unlink(temporary)
        do {
            let file = try FileWriter(path: temporary)
            let tar = TarWriter(file)
            try TreeArchiver(root: scratch + "/layout").write(to: tar)
            try tar.finish()
            try file.close(sync: true)
            guard rename(temporary, path) == 0 else { throw CommandError("cannot write \(path): \(String(cString: strerror(errno)))") }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}

/// `slipway image copy SRC DST`
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy an image between registries, OCI layouts and archives (docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG]).",
        discussion: """
            Blobs the destination has are skipped, blobs in another repository of the same registry are mounted, \
            the rest are streamed (several at once) and verified against their digests. The manifest is copied \
            byte for byte, so the digest does not change. Credentials come from `slipway login`, Docker's \
            config.json, or SLIPWAY_REGISTRY_USERNAME/PASSWORD. A layout destination is left as it was on failure.
            """
    )

    @Argument(help: "Source: docker://REF, oci:DIR[:TAG] or oci-archive:FILE[:TAG].") var source: String
    @Argument(help: "Destination: docker://REF, oci:DIR[:TAG] or oci-archive:FILE[:TAG].") var destination: String
    @Flag(help: "Copy every platform of a multi-platform index.") var all = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-copy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch + "/in", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch + "/out", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let target = try ImageLocation(parsing: destination)
        let from = try ImageLocation(parsing: source).endpoint(creating: false, scratch: scratch + "/in")
        let to = try target.endpoint(creating: true, scratch: scratch + "/out")
        var copier = ImageCopier(client: try options.makeClient())
        copier.all = all
        copier.platform = try Platform(parsing: options.platform)
        let board = ProgressBoard()
        copier.onProgress = { blob, count in board.advance(blob.digest.short, total: blob.size, by: count) }
        copier.onBlob = { blob, outcome in
            switch outcome {
            case .skipped: board.finish(blob.digest.short, total: blob.size, outcome: "skipped (already there)")
            case .mounted(let repository): board.finish(blob.digest.short, total: blob.size, outcome: "mounted from \(repository)")
            case .copied(let bytes, let seconds):
                let rate = formatBytes(Int64(Double(bytes) / max(seconds, 0.001)))
                board.finish(blob.digest.short, total: blob.size,
                             outcome: "\(formatBytes(bytes)) in \(String(format: "%.1f", seconds)) s (\(rate)/s)")
            }
        }
        let written = try await copier.copy(from: from, to: to)
        try target.finishArchive(scratch: scratch + "/out")
        print("\(destination) \(written.digest)")
    }
}

/// `slipway login REGISTRY`
struct LoginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Save credentials for a registry in $SLIPWAY_HOME/auth.json (owner-only).")

    @Argument(help: "The registry, HOST[:PORT].") var registry: String
    @Option(name: .shortAndLong, help: "The user name.") var username: String
    @Flag(help: "Read the password from standard input (recommended: it stays out of shell history).")
    var passwordStdin = false
    @Option(name: .shortAndLong, help: "The password (prefer --password-stdin).") var password: String?

    func validate() throws {
        guard passwordStdin != (password != nil) else { throw ValidationError("give either --password-stdin or --password") }
    }

    func run() throws {
        let secret = password ?? (readLine(strippingNewline: true) ?? "")
        guard !secret.isEmpty else { throw CommandError("no password given") }
        let file = SlipwayHome.fromEnvironment().path + "/auth.json"
        try CredentialStore.save(Credential(username: username, password: secret), for: registry, in: file)
        note("Saved credentials for \(registry) in \(file)")
    }
}

/// `slipway logout REGISTRY`
struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forget the saved credentials for a registry.")

    @Argument(help: "The registry, HOST[:PORT].") var registry: String

    func run() throws {
        let file = SlipwayHome.fromEnvironment().path + "/auth.json"
        guard try CredentialStore.remove(registry: registry, from: file) else {
            throw CommandError("no saved credentials for \(registry) in \(file)")
        }
        note("Removed credentials for \(registry)")
    }
}
