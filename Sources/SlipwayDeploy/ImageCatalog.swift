import Foundation
import SlipwayOCI
import SlipwayStore

/// An image of the app as the operator sees it: where it came from (its config labels), its tags, when it arrived.
public struct ImageSummary: Codable, Sendable, Equatable {
    public var digest: String
    public var revision: String?
    public var branch: String?
    public var source: String?
    public var tags: [String]
    public var pushedAt: Date
    public var size: Int64
    /// The latest scan's counts by severity; nil when the image was never scanned.
    public var scan: ScanCounts?

    /// The commit as people write it: the first 7 hex digits.
    public var shortRevision: String { revision.map { String($0.prefix(7)) } ?? "-" }

    enum CodingKeys: String, CodingKey {
        case digest, revision, branch, source, tags, size, scan
        case pushedAt = "pushed_at"
    }
}

/// An image's latest scan, as list-images shows it.
public struct ScanCounts: Codable, Sendable, Equatable {
    public var critical: Int, high: Int, medium: Int, low: Int, unknown: Int, ignored: Int
    public var scannedAt: Date

    /// `2C 5H 1M 0L` style is cryptic; this says `2 critical, 5 high` or `clean`.
    public var summary: String {
        let parts = [(critical, "critical"), (high, "high"), (medium, "medium"), (low, "low"), (unknown, "unknown")]
            .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        return (parts.isEmpty ? "clean" : parts.joined(separator: ", ")) + (ignored > 0 ? " (+\(ignored) ignored)" : "")
    }

    enum CodingKeys: String, CodingKey {
        case critical, high, medium, low, unknown, ignored
        case scannedAt = "scanned_at"
    }
}

/// Finding images of the app by commit or branch. The lookups are pure functions of the image list, so they are
/// tested without a database.
public enum ImageCatalog {
    /// The app's images (manifests in its repository that are images, not signatures or other referrers),
    /// oldest first. With the blob store, each image's size is its config and layers (compressed, as pulled);
    /// without, the manifest's own.
    public static func images(of repository: String, in database: StateDatabase, store: BlobStore? = nil) throws -> [ImageSummary] {
        var images: [ImageSummary] = try database.manifests().compactMap { record, tags in
            guard record.repository == repository, record.subject == nil,
                  record.artifactType.map(MediaType.configs.contains) ?? true else { return nil }
            var size = record.size
            if let store, let digest = try? Digest(parsing: record.digest), let bytes = try? store.bytes(of: digest),
               let manifest = try? ImageManifest.decode(bytes) {
                size = manifest.config.size + manifest.layers.reduce(0) { $0 + $1.size }
            }
            return ImageSummary(digest: record.digest, revision: record.revision, branch: record.branch, source: record.source,
                                tags: tags, pushedAt: record.pushedAt, size: size)
        }
        let scans = try database.scans(digests: images.map(\.digest))
        for index in images.indices {
            guard let scan = scans[images[index].digest] else { continue }
            images[index].scan = ScanCounts(critical: scan.critical, high: scan.high, medium: scan.medium, low: scan.low,
                                            unknown: scan.unknown, ignored: scan.ignored, scannedAt: scan.scannedAt)
        }
        return images
    }

    /// The image built from a commit, given in full or as a prefix of at least 7 hex digits. When a commit was built
    /// more than once, the newest build wins.
    public static func image(commit: String, in images: [ImageSummary], repository: String) throws -> ImageSummary {
        let prefix = commit.lowercased()
        guard prefix.count >= 7, prefix.count <= 64, prefix.allSatisfy(\.isHexDigit) else {
            throw CatalogError.badCommit(commit)
        }
        let matching = images.filter { $0.revision?.lowercased().hasPrefix(prefix) == true }
        let commits = Set(matching.compactMap(\.revision))
        guard !matching.isEmpty else { throw CatalogError.unknownCommit(commit, repository: repository) }
        guard commits.count == 1 else {
            let newestPerCommit = commits.map { revision in matching.last { $0.revision == revision }! }
            throw CatalogError.ambiguousCommit(commit, candidates: newestPerCommit.sorted { $0.pushedAt < $1.pushedAt })
        }
        return matching.last!
    }

    /// The newest image built from a branch.
    public static func image(branch: String, in images: [ImageSummary], repository: String) throws -> ImageSummary {
        guard let image = images.last(where: { $0.branch == branch }) else {
            let known = Array(Set(images.compactMap(\.branch))).sorted()
            throw CatalogError.unknownBranch(branch, repository: repository, known: known)
        }
        return image
    }
}

public enum CatalogError: Error, CustomStringConvertible, Equatable {
    case badCommit(String)
    case unknownCommit(String, repository: String)
    case ambiguousCommit(String, candidates: [ImageSummary])
    case unknownBranch(String, repository: String, known: [String])

    public var description: String {
        switch self {
        case .badCommit(let commit):
            return "'\(commit)' is not a commit id: give the full id or at least its first 7 hex digits"
        case .unknownCommit(let commit, let repository):
            return "no image of \(repository) was built from commit \(commit); `list-images` shows the commits there are"
        case .ambiguousCommit(let commit, let candidates):
            let lines = candidates.map { "  \($0.revision ?? "-")  \($0.branch ?? "-")  \($0.digest)" }
            return "commit prefix \(commit) matches \(candidates.count) commits; give more digits:\n" + lines.joined(separator: "\n")
        case .unknownBranch(let branch, let repository, let known):
            return "no image of \(repository) was built from branch \(branch)"
                + (known.isEmpty ? "" : "; branches with images: \(known.joined(separator: ", "))")
        }
    }
}
