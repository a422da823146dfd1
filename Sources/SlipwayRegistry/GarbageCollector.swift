import Foundation
import SlipwayOCI
import SlipwayStore

/// Removes blobs nothing refers to.
///
/// Mark: every manifest and index the database holds (tagged or not, referrers included), with the configs
/// and layers of each manifest and the children of each index, and any extra roots (the images environments
/// have tagged or deployed, so a rollback always finds its image). Sweep: blobs in the store that were not
/// marked and are older than the grace period — so a blob uploaded while the collector runs, whose manifest
/// has not arrived yet, survives.
public struct GarbageCollector: Sendable {
    public let registry: Registry
    /// Unreferenced blobs younger than this are kept.
    public var gracePeriod: TimeInterval

    public init(registry: Registry, gracePeriod: TimeInterval = 3600) {
        self.registry = registry
        self.gracePeriod = gracePeriod
    }

    public struct Report: Sendable, Equatable, Encodable {
        /// Blobs reachable from a root.
        public var marked = 0
        /// Blobs removed (or, in a dry run, that would be).
        public var swept: [Digest] = []
        public var bytesFreed: Int64 = 0
        /// Unreferenced blobs kept because they are younger than the grace period.
        public var keptYoung = 0
        public var dryRun = false
    }

    public func run(dryRun: Bool = false, extraRoots: [Digest] = [], now: Date = Date()) throws -> Report {
        var report = Report(dryRun: dryRun)
        let marked = try mark(extraRoots: extraRoots)
        report.marked = marked.count
        for digest in try registry.store.digests() where !marked.contains(digest) {
            let path = registry.store.path(for: digest)
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let modified = attributes?[.modificationDate] as? Date ?? now
            let linked = try registry.database.newestLink(of: digest) ?? .distantPast
            guard now.timeIntervalSince(max(modified, linked)) > gracePeriod else {
                report.keptYoung += 1
                continue
            }
            report.swept.append(digest)
            report.bytesFreed += (attributes?[.size] as? NSNumber)?.int64Value ?? 0
            if !dryRun {
                try registry.database.unlinkEverywhere(digest)
                try registry.store.delete(digest)
            }
        }
        return report
    }

    private func mark(extraRoots: [Digest]) throws -> Set<Digest> {
        var marked = Set<Digest>()
        var pending = try registry.database.manifests().compactMap { try? Digest(parsing: $0.manifest.digest) } + extraRoots
        while let digest = pending.popLast() {
            guard marked.insert(digest).inserted, try registry.store.contains(digest) else { continue }
            guard let bytes = try? registry.store.bytes(of: digest), bytes.count <= Registry.maxManifestSize else { continue }
            // Roots are manifests and indexes; what they name is either a blob (marked) or, for an index, a manifest.
            if let manifest = try? ImageManifest.decode(bytes) {
                marked.insert(manifest.config.digest)
                for layer in manifest.layers { marked.insert(layer.digest) }
            } else if let index = try? ImageIndex.decode(bytes) {
                pending.append(contentsOf: index.manifests.map(\.digest))
            }
        }
        return marked
    }
}
