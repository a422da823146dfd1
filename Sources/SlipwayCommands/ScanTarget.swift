import Foundation
import SlipwayOCI
import SlipwayRegistryClient
import SlipwayStore

/// An image to scan, found by the reference the user gave: `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`,
/// `docker://REF`, or a plain reference — which names this host's own registry when it has that repository
/// (`example:staging`), else a remote registry as Docker would read it.
struct ScanTarget {
    var name: String
    var descriptor: Descriptor
    /// Where the blobs are; nil for a remote image not pulled yet (its inventory may be cached).
    var store: BlobStore?
    var pull: (() async throws -> BlobStore)?

    static func resolve(_ text: String, client options: ClientOptions, home: SlipwayHome, scratch: String) async throws
        -> ScanTarget
    {
        if text.hasPrefix("oci:") || text.hasPrefix("oci-archive:") {
            let location = try ImageLocation(parsing: text)
            guard case .layout(let layout, let tag) = try location.endpoint(creating: false, scratch: scratch) else {
                throw CommandError("\(text): not an OCI layout")
            }
            return ScanTarget(name: text, descriptor: try layout.descriptor(tag: tag), store: layout.blobs)
        }
        let plain = text.hasPrefix("docker://") ? String(text.dropFirst("docker://".count)) : text
        if !text.hasPrefix("docker://"), let local = try local(plain, home: home) { return local }
        let reference = try ImageReference(parsing: plain)
        let client = try options.makeClient()
        let descriptor = try await client.resolve(reference)
        return ScanTarget(name: reference.description, descriptor: descriptor, store: nil, pull: {
            let layout = try OCILayout.openOrCreate(at: scratch + "/pulled")
            var copier = ImageCopier(client: client)
            copier.platform = try Platform(parsing: options.platform)
            let board = ProgressBoard()
            copier.onProgress = { blob, count in board.advance(blob.digest.short, total: blob.size, by: count) }
            copier.onBlob = { blob, _ in board.finish(blob.digest.short, total: blob.size, outcome: "pulled") }
            _ = try await copier.copy(from: .registry(reference), to: .layout(layout, tag: nil))
            return layout.blobs
        })
    }

    /// `REPOSITORY[:TAG|@DIGEST]` in this host's registry, when it has that repository.
    static func local(_ text: String, home: SlipwayHome) throws -> ScanTarget? {
        guard FileManager.default.fileExists(atPath: home.path + "/slipway.sqlite") else { return nil }
        var repository = text
        var tag = "latest"
        var digest: String?
        if let at = text.firstIndex(of: "@") {
            repository = String(text[..<at])
            digest = String(text[text.index(after: at)...])
        } else if let colon = text.lastIndex(of: ":"), !text[colon...].contains("/") {
            repository = String(text[..<colon])
            tag = String(text[text.index(after: colon)...])
        }
        let database = try home.database()
        guard try database.repositoryExists(repository) else { return nil }
        let resolved: Digest
        if let digest {
            resolved = try Digest(parsing: digest)
        } else {
            guard let tagged = try database.digest(forTag: tag, in: repository) else {
                throw CommandError("\(repository) has no tag \(tag) in this registry (see `slipway list-images`)")
            }
            resolved = tagged
        }
        guard let record = try database.manifest(resolved, in: repository) else {
            throw CommandError("\(repository) has no manifest \(resolved) in this registry")
        }
        return ScanTarget(name: text, descriptor: Descriptor(mediaType: record.mediaType, digest: resolved, size: record.size),
                          store: try home.blobStore())
    }
}
