import Foundation
import SlipwayConfig
import SlipwayOCI
import SlipwayStore

/// Scans images held in a blob store (the registry's, or an OCI layout), caching each image's inventory in the
/// state database by digest, so that a rescan after a database update only matches.
public struct ImageScanner: Sendable {
    public let database: VulnerabilityDatabase
    public let state: StateDatabase?
    public let ignore: [IgnoreRule]

    public init(database: VulnerabilityDatabase, state: StateDatabase?, ignore: [IgnoreRule]) {
        self.database = database
        self.state = state
        self.ignore = ignore
    }

    /// The cached inventory of `digest`, if it was read before.
    public func cachedInventory(_ digest: Digest) throws -> ImageInventory? {
        guard let state, let data = try state.inventory(digest: digest.description) else { return nil }
        return try? JSONDecoder().decode(ImageInventory.self, from: data)
    }

    /// The inventory of the image `descriptor` names (for an index, the linux/amd64 image), read from `store` and
    /// cached; or from the cache when it was read before.
    public func inventory(of descriptor: Descriptor, store: BlobStore) throws -> ImageInventory {
        if let cached = try cachedInventory(descriptor.digest) { return cached }
        let image: LoadedImage
        do {
            image = try store.loadImage(descriptor)
        } catch {
            throw ScannerError.image(reference: descriptor.digest.description, reason: "\(error)")
        }
        let inventory = try ImageInventory.read(manifest: image.manifest) { layer in try store.reader(for: layer.digest) }
        if let state { try state.saveInventory(digest: descriptor.digest.description, try JSONEncoder().encode(inventory)) }
        return inventory
    }

    /// Matches an inventory and, with a state database, records the result under the digest scanned.
    public func scan(_ inventory: ImageInventory, digest: Digest, name: String, now: Date = Date()) throws -> ScanReport {
        let version = try database.version()
        let matched = try Scanner.findings(inventory: inventory, database: database, ignore: ignore, now: now)
        let report = ScanReport(image: name, digest: digest.description, inventory: inventory,
                                findings: matched.findings, warnings: matched.warnings, databaseVersion: version,
                                scannedAt: now)
        if let state {
            let counts = report.counts
            try state.saveScan(StoredScan(
                digest: report.digest, scannedAt: now, databaseVersion: version, critical: counts.critical,
                high: counts.high, medium: counts.medium, low: counts.low, unknown: counts.unknown,
                ignored: counts.ignored, report: try JSONEncoder().encode(report)))
        }
        return report
    }

    /// Scans a manifest the registry holds (its media type and size from the state database); nil when the
    /// repository no longer has it.
    public func scan(digest: Digest, in repository: String, store: BlobStore, name: String) throws -> ScanReport? {
        guard let state, let record = try state.manifest(digest, in: repository) else { return nil }
        return try scan(Descriptor(mediaType: record.mediaType, digest: digest, size: record.size), store: store, name: name)
    }

    /// Reads (or recalls) and matches an image held in `store`.
    public func scan(_ descriptor: Descriptor, store: BlobStore, name: String, now: Date = Date()) throws -> ScanReport {
        try scan(try inventory(of: descriptor, store: store), digest: descriptor.digest, name: name, now: now)
    }
}
