import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayStore

/// Publishes an image's static assets for the proxy: the files under the environment's `assets.path`, extracted
/// from the image's layers (never by running it) into `$SLIPWAY_HOME/assets/<digest>/`, once per image. Keeping a
/// directory per image lets the proxy serve the old and the new image's assets side by side during a switch.
public struct AssetPublisher: Sendable {
    public let store: BlobStore
    public let root: String

    public init(store: BlobStore, root: String) {
        self.store = store
        self.root = root
    }

    /// The directory holding the image's files at `path` (e.g. `/app/pub/static`), extracting them if needed.
    public func publish(_ manifest: Descriptor, path: String) throws -> String {
        let directory = root + "/" + manifest.digest.hex
        let files = directory + "/" + path.split(separator: "/").joined(separator: "/")
        if FileManager.default.fileExists(atPath: directory) { return files }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let image = try store.loadImage(manifest)
        let layers: [() throws -> any ByteReader] = try image.manifest.layers.map { layer in
            guard let compression = MediaType.layerCompression(layer.mediaType) else {
                throw DeployError("layer \(layer.digest) of \(manifest.digest) is \(layer.mediaType), not a filesystem layer")
            }
            return {
                let reader = try store.reader(for: layer.digest)
                switch compression {
                case .gzip: return try GzipReader(reader)
                case .none: return reader
                case .zstd: throw DeployError("layer \(layer.digest) is zstd-compressed, which Slipway cannot read yet")
                }
            }
        }
        var options = ExtractOptions()
        options.only = [path]
        options.preserveOwnership = false
        options.applyXattrs = false
        try Extractor.unpack(layers: layers, to: directory, options: options)
        guard FileManager.default.fileExists(atPath: files) else {
            throw DeployError("the image \(manifest.digest) has nothing at \(path) (assets.path); check the path or the Dockerfile")
        }
        return files
    }

    /// Deletes the asset directories of images not in `keep` (digests).
    public func prune(keeping keep: Set<String>) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        where !keep.contains("sha256:" + name) && !name.contains(".partial-") {
            try? FileManager.default.removeItem(atPath: root + "/" + name)
        }
    }
}
