import SlipwayArchive
import SlipwayOCI

/// An image read from a blob store and checked: its manifest, its configuration, and where it came from.
public struct LoadedImage: Sendable {
    /// The descriptor of the image manifest (not of the index it may have been chosen from).
    public var descriptor: Descriptor
    public var manifest: ImageManifest
    public var configuration: ImageConfiguration
    /// When the reference named an index: the index, from which `descriptor` was chosen by platform.
    public var index: ImageIndex?

    public init(descriptor: Descriptor, manifest: ImageManifest, configuration: ImageConfiguration, index: ImageIndex? = nil) {
        self.descriptor = descriptor
        self.manifest = manifest
        self.configuration = configuration
        self.index = index
    }
}

extension BlobStore {
    /// Reads the image `descriptor` names, choosing `platform` from an index, and checks that every blob it
    /// refers to is present with the size its descriptor states; manifest and configuration are verified
    /// against their digests, and layers too when `verifyLayers` is set (which reads them whole).
    public func loadImage(_ descriptor: Descriptor, platform: Platform = .linuxAMD64,
                          verifyLayers: Bool = false) throws -> LoadedImage {
        let bytes = try checkedBytes(descriptor, what: "manifest")
        if MediaType.indexes.contains(descriptor.mediaType) {
            let index = try decodeIndex(bytes, digest: descriptor.digest)
            guard let chosen = index.manifest(for: platform) else {
                let offered = index.manifests.compactMap { $0.platform?.description }
                throw StoreError.invalidImage(
                    "index \(descriptor.digest) has no image for \(platform) (it has: \(offered.joined(separator: ", ")))")
            }
            var image = try loadImage(chosen, platform: platform, verifyLayers: verifyLayers)
            image.index = index
            return image
        }
        guard MediaType.manifests.contains(descriptor.mediaType) else {
            throw StoreError.invalidImage("\(descriptor.digest) has media type \(descriptor.mediaType), not an image manifest")
        }
        let manifest: ImageManifest
        do {
            manifest = try ImageManifest.decode(bytes)
        } catch {
            throw StoreError.invalidImage("manifest \(descriptor.digest): \(error.description)")
        }
        let configBytes = try checkedBytes(manifest.config, what: "configuration")
        let configuration: ImageConfiguration
        do {
            configuration = try ImageConfiguration.decode(configBytes)
        } catch {
            throw StoreError.invalidImage("configuration \(manifest.config.digest): \(error.description)")
        }
        guard configuration.rootfs.diffIDs.count == manifest.layers.count else {
            throw StoreError.invalidImage(
                "manifest \(descriptor.digest) lists \(manifest.layers.count) layers but its configuration has "
                    + "\(configuration.rootfs.diffIDs.count) diff_ids")
        }
        for layer in manifest.layers {
            try checkSize(layer)
            if verifyLayers { _ = try reader(for: layer.digest).copy(to: CallbackWriter { _ in }) }
        }
        return LoadedImage(descriptor: descriptor, manifest: manifest, configuration: configuration)
    }

    private func decodeIndex(_ bytes: [UInt8], digest: Digest) throws -> ImageIndex {
        do {
            return try ImageIndex.decode(bytes)
        } catch {
            throw StoreError.invalidImage("index \(digest): \(error.description)")
        }
    }

    private func checkSize(_ descriptor: Descriptor) throws {
        guard let size = try size(of: descriptor.digest) else { throw StoreError.blobUnknown(descriptor.digest) }
        guard size == descriptor.size else {
            throw StoreError.sizeMismatch(descriptor.digest, expected: descriptor.size, actual: size)
        }
    }

    private func checkedBytes(_ descriptor: Descriptor, what: String) throws -> [UInt8] {
        try checkSize(descriptor)
        guard descriptor.size <= 4 << 20 else {
            throw StoreError.invalidImage("\(what) \(descriptor.digest) is \(descriptor.size) bytes; the limit is 4 MiB")
        }
        return try bytes(of: descriptor.digest)
    }

    /// Writes a gzip-compressed layer: `body` writes tar entries; the tar is hashed as it streams (the diff_id)
    /// and the compressed bytes go straight into the store. `progress` is told of every uncompressed chunk.
    public func putLayer(progress: ((Int) -> Void)? = nil, _ body: (TarWriter) throws -> Void)
        throws -> (descriptor: Descriptor, diffID: Digest)
    {
        let ingest = try beginIngest()
        let gzip = try GzipWriter(ingest)
        var uncompressed = Digester()
        let tar = TarWriter(CallbackWriter { bytes in
            uncompressed.update(bytes)
            progress?(bytes.count)
            try gzip.write(bytes)
        })
        try body(tar)
        try tar.finish()
        try gzip.finish()
        let (digest, size) = try ingest.commit()
        return (Descriptor(mediaType: MediaType.ociLayerGzip, digest: digest, size: size), uncompressed.finalize())
    }

    /// Stores a configuration and a manifest for these layers; returns the manifest's descriptor.
    public func putImage(configuration: ImageConfiguration, layers: [Descriptor],
                         annotations: [String: String]? = nil) throws -> Descriptor {
        let configBytes = try configuration.encoded()
        let (configDigest, configSize) = try put(configBytes)
        let manifest = ImageManifest(
            config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: configSize),
            layers: layers, annotations: annotations)
        let (digest, size) = try put(try manifest.encoded())
        return Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: size,
                          platform: configuration.platform)
    }
}
