import Foundation
import SlipwayOCI
import SlipwayRegistryClient
import SlipwayStore

/// Builds Dockerfiles without a daemon: base images pulled through the registry client, their layers unpacked once
/// per diff_id, RUN steps through runc on an overlay of the layers so far, COPY and ADD written through an overlay
/// without a container, every step's changes one OCI layer, a layer cache keyed by parent, instruction and content.
/// State lives under `root` (`$SLIPWAY_HOME/builder`).
public final class Builder: @unchecked Sendable {
    public let root: String
    public let client: RegistryClient
    let layers: LayerStore
    let images: OCILayout
    let cache: BuildCache
    let runner: RuncRunner
    let pulls = PullCoordinator()
    /// Where the build's progress goes.
    public var events: @Sendable (BuildEvent) -> Void = { _ in }

    public init(root: String, client: RegistryClient) throws {
        self.root = root
        self.client = client
        layers = try LayerStore(root: root + "/layers")
        images = try OCILayout.openOrCreate(at: root + "/images", durable: false)  // a cache: no fsync per blob
        cache = try BuildCache(root: root + "/cache")
        runner = RuncRunner(stateRoot: root + "/runc")
        try FileManager.default.createDirectory(atPath: root + "/steps", withIntermediateDirectories: true)
        Self.removeStaleSteps(in: root + "/steps")
        try FileManager.default.createDirectory(atPath: root + "/cache-mounts", withIntermediateDirectories: true)
    }

    /// Stops the build: steps running now are killed, and the build throws `BuilderError.cancelled`.
    public func cancel() { runner.cancel() }

    /// A layer the build has: its blob in `images`, its diff_id, its unpacked directory.
    struct Layer: Sendable {
        var descriptor: Descriptor
        var diffID: Digest
        var directory: String
    }

    /// A stage as the build goes through it.
    struct Stage: Sendable {
        var index: Int
        var name: String?
        var configuration: ImageConfiguration
        var layers: [Layer] = []
        var history: [ImageConfiguration.History] = []
        var shell = ["/bin/sh", "-c"]
        var arguments: [String: String] = [:]
        var key: Digest
        /// CMD was set in this stage (an ENTRYPOINT then keeps it).
        var cmdSet = false

        var config: ContainerConfig {
            get { configuration.config ?? ContainerConfig() }
            set { configuration.config = newValue }
        }

        var environment: [String: String] {
            var values: [String: String] = [:]
            for entry in config.env ?? [] {
                let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                values[String(parts[0])] = parts.count == 2 ? String(parts[1]) : ""
            }
            return values
        }

        mutating func setEnvironment(_ key: String, _ value: String) {
            var env = config.env ?? []
            env.removeAll { $0.hasPrefix(key + "=") || $0 == key }
            env.append("\(key)=\(value)")
            config.env = env
        }

        var lowerDirectories: [String] { layers.reversed().map(\.directory) }
    }

    /// The result: the image in the builder's layout, tagged, with its digest.
    public struct Result: Sendable {
        public var descriptor: Descriptor
        public var layout: OCILayout
        public var tag: String
    }

    /// Makes a fresh step directory: `<root>/steps/<pid>.<start time>-<id>/{upper,work,merged}`; the
    /// `ProcessIdentity` says whose it is.
    func stepDirectory() throws -> String {
        let directory = root + "/steps/\(ProcessIdentity.current)-" + UUID().uuidString.prefix(13).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Removes the step directories of builders that died mid-step (a killed server), unmounting what they left
    /// mounted there first. Those of live processes are left alone: other builds may be running.
    static func removeStaleSteps(in steps: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: steps) else { return }
        let mounts = OverlayMount.mountPoints()
        for name in names {
            guard let owner = name.split(separator: "-").first, !ProcessIdentity.isAlive(owner) else { continue }
            let directory = steps + "/" + name
            // Deepest first, so a mount inside a mount comes off before it.
            for target in mounts.filter({ $0.hasPrefix(directory + "/") }).sorted(by: { $0.count > $1.count }) {
                _ = umount2(target, Int32(MNT_DETACH))
            }
            guard !OverlayMount.mountPoints().contains(where: { $0.hasPrefix(directory + "/") }) else { continue }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Runs `body` with the stage's filesystem mounted read-write at `merged`; the changes `body` makes become a
    /// layer (nil when it changed nothing). The step directory is removed whatever happens.
    func withOverlay(_ stage: Stage, _ body: (_ merged: String) throws -> Void) throws -> Layer? {
        let directory = try stepDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let mount = try OverlayMount.mount(lowers: stage.lowerDirectories, upper: directory + "/upper",
                                           work: directory + "/work", at: directory + "/merged")
        do {
            try body(mount.target)
        } catch {
            mount.unmount()
            throw error
        }
        mount.unmount()
        return try commit(upper: directory + "/upper")
    }

    /// Turns an upper directory into a layer: a gzip blob in the builder's layout and the directory itself moved
    /// into the layer store (it is already in overlayfs form). nil when the directory is empty.
    func commit(upper: String) throws -> Layer? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: upper), !names.isEmpty else { return nil }
        let epoch = sourceDateEpoch
        let (descriptor, diffID) = try images.blobs.putLayer { tar in
            try OverlayLayers.writeLayer(upper: upper, sourceDateEpoch: epoch, to: tar)
        }
        let target = layers.directory(for: diffID)
        if FileManager.default.fileExists(atPath: target) {
            try? FileManager.default.removeItem(atPath: upper)
        } else if rename(upper, target) != 0 {
            guard FileManager.default.fileExists(atPath: target) else {  // else: a parallel step made the same layer
                throw BuilderError.io(path: target, reason: String(cString: strerror(errno)))
            }
            try? FileManager.default.removeItem(atPath: upper)
        }
        return Layer(descriptor: descriptor, diffID: diffID, directory: target)
    }

    /// The time written into layers and `created`, and whether the cache is bypassed: set per build.
    var sourceDateEpoch: Int64?
    var noCache = false
}
