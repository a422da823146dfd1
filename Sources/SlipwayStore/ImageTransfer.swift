import SlipwayArchive
import SlipwayOCI

/// Copies an image — a manifest with its config and layers, or an index with every image it lists — from one
/// blob storage to another. Blobs the destination already has are skipped; every copied byte is verified
/// against its digest on the way (the source's reader checks it, the destination's ingest checks it again), and
/// the manifest or index is copied last, so the destination never holds an image whose blobs are missing.
public enum ImageTransfer {
    /// What a copy did.
    public struct Summary: Sendable, Equatable {
        public var blobsCopied = 0
        public var blobsSkipped = 0
        public var bytesCopied: Int64 = 0
    }

    @discardableResult
    public static func copy(_ descriptor: Descriptor, from source: any BlobStorage, to destination: any BlobStorage)
        throws -> Summary
    {
        var summary = Summary()
        try copy(descriptor, from: source, to: destination, summary: &summary)
        return summary
    }

    private static func copy(_ descriptor: Descriptor, from source: any BlobStorage, to destination: any BlobStorage,
                             summary: inout Summary) throws {
        if MediaType.indexes.contains(descriptor.mediaType) || MediaType.manifests.contains(descriptor.mediaType) {
            guard descriptor.size <= 4 << 20 else {
                throw StoreError.invalidImage("\(descriptor.digest) is \(descriptor.size) bytes; the limit is 4 MiB")
            }
            let bytes = try source.reader(for: descriptor.digest).readAll()
            guard Int64(bytes.count) == descriptor.size else {
                throw StoreError.sizeMismatch(descriptor.digest, expected: descriptor.size, actual: Int64(bytes.count))
            }
            let children: [Descriptor]
            do {
                if MediaType.indexes.contains(descriptor.mediaType) {
                    children = try ImageIndex.decode(bytes).manifests
                } else {
                    let manifest = try ImageManifest.decode(bytes)
                    children = [manifest.config] + manifest.layers
                }
            } catch {
                throw StoreError.invalidImage("\(descriptor.digest): \(error.description)")
            }
            for child in children {
                try copy(child, from: source, to: destination, summary: &summary)
            }
        }
        try copyBlob(descriptor, from: source, to: destination, summary: &summary)
    }

    private static func copyBlob(_ descriptor: Descriptor, from source: any BlobStorage,
                                 to destination: any BlobStorage, summary: inout Summary) throws {
        if let size = try destination.size(of: descriptor.digest), size == descriptor.size {
            summary.blobsSkipped += 1
            return
        }
        guard let size = try source.size(of: descriptor.digest) else { throw StoreError.blobUnknown(descriptor.digest) }
        guard size == descriptor.size else {
            throw StoreError.sizeMismatch(descriptor.digest, expected: descriptor.size, actual: size)
        }
        let ingest = try destination.beginIngest(expected: descriptor.digest, expectedSize: descriptor.size)
        try source.reader(for: descriptor.digest).copy(to: ingest)
        try ingest.commit()
        summary.blobsCopied += 1
        summary.bytesCopied += descriptor.size
    }
}
