import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayStore
import Synchronization

/// What the registry tells subscribers after each manifest push (the scanner and the build pipeline).
public struct ManifestPushed: Sendable, Equatable {
    public var repository: String
    public var digest: Digest
    public var mediaType: String
    public var tag: String?
    public var labels: [String: String]
}

/// The registry's operations, independent of HTTP: blobs linked per repository, manifests checked and
/// recorded, tags moved, upload sessions kept. `RegistryResponder` maps the HTTP API onto these.
public final class Registry: Sendable {
    public let store: BlobStore
    public let database: StateDatabase
    let uploads = UploadSessions()
    public let metrics = RegistryMetrics()
    /// Who may do what (anonymous by default).
    public let auth: RegistryAuth
    /// Tags that may not be moved once set: (repository glob, tag globs).
    public let immutableTags: [(repository: String, tags: [String])]
    private let subscribers = SubscriberList()

    /// The largest manifest accepted, as the spec suggests registries enforce.
    public static let maxManifestSize = 4 << 20

    public init(store: BlobStore, database: StateDatabase, auth: RegistryAuth = .anonymous,
                immutableTags: [(repository: String, tags: [String])] = []) {
        self.store = store
        self.database = database
        self.auth = auth
        self.immutableTags = immutableTags
    }

    /// Opens the registry in a Slipway home.
    public convenience init(home: SlipwayHome, auth: RegistryAuth = .anonymous,
                            immutableTags: [(repository: String, tags: [String])] = []) throws {
        self.init(store: try home.blobStore(), database: try home.database(), auth: auth, immutableTags: immutableTags)
    }

    /// Refuses to move a tag that an immutability rule covers.
    func checkTagMayMove(_ tag: String, to digest: Digest, in repository: String) throws {
        guard let current = try database.digest(forTag: tag, in: repository), current != digest else { return }
        let covered = immutableTags.contains { rule in
            glob(rule.repository, matches: repository) && rule.tags.contains { glob($0, matches: tag) }
        }
        if covered {
            throw RegistryError(.denied, "tag \(tag) of \(repository) is immutable (registry.immutable_tags) and already "
                                    + "names \(current); push under a new tag")
        }
    }

    /// A stream of every manifest push from now on.
    public func pushes() -> AsyncStream<ManifestPushed> { subscribers.subscribe() }

    // MARK: Blobs

    /// The size of a blob readable through `repository`, or nil.
    func blobSize(_ digest: Digest, in repository: String) throws -> Int64? {
        guard let size = try database.linkedBlobSize(digest, in: repository) else { return nil }
        return try store.size(of: digest) != nil ? size : nil
    }

    /// Links a blob that is in the store into another repository (a cross-repository mount). With `from`, the
    /// blob must be readable there; false when it cannot be mounted.
    func mount(_ digest: Digest, into repository: String, from source: String?) throws -> Bool {
        let size: Int64?
        if let source {
            size = try blobSize(digest, in: source)
        } else {
            size = try store.size(of: digest)
        }
        guard let size else { return false }
        try database.linkBlob(digest, size: size, to: repository)
        return true
    }

    /// Verifies a finished ingest against `expected`, stores it and links it to the repository.
    func commit(_ ingest: BlobIngest, expected: Digest, repository: String) throws(RegistryError) -> Int64 {
        do {
            let (digest, size) = try ingest.commit(expected: expected)
            try database.linkBlob(digest, size: size, to: repository)
            return size
        } catch let error as StoreError {
            if case .digestMismatch = error { throw RegistryError(.digestInvalid, error.description) }
            throw RegistryError(.blobUploadInvalid, error.description)
        } catch {
            throw RegistryError(.blobUploadInvalid, "\(error)")
        }
    }

    // MARK: Manifests

    /// Checks and records a manifest or index pushed to `repository` under `reference`. Every blob a manifest
    /// names must be in the repository (`MANIFEST_BLOB_UNKNOWN`), every image an index lists too.
    public func putManifest(_ bytes: [UInt8], contentType: String, repository: String,
                            reference: ManifestReference) throws -> (digest: Digest, subject: Digest?) {
        guard bytes.count <= Self.maxManifestSize else {
            throw RegistryError(.sizeInvalid, "manifest is \(bytes.count) bytes; the limit is \(Self.maxManifestSize)",
                                status: .contentTooLarge)
        }
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let digest: Digest
        if case .digest(let expected) = reference {
            digest = Digest(of: bytes, algorithm: expected.algorithm)
            guard digest == expected else {
                throw RegistryError(.digestInvalid, "manifest content has digest \(digest), not \(expected)")
            }
        } else {
            digest = Digest(of: bytes)
        }

        var record: ManifestRecord
        var labels: [String: String] = [:]
        func invalid(_ error: OCIError) -> RegistryError { RegistryError(.manifestInvalid, error.description) }
        if MediaType.manifests.contains(mediaType) {
            let manifest: ImageManifest
            do { manifest = try ImageManifest.decode(bytes) } catch { throw invalid(error) }
            if let declared = manifest.mediaType, declared != mediaType {
                throw RegistryError(.manifestInvalid, "Content-Type \(mediaType) differs from the mediaType field \(declared)")
            }
            for blob in [manifest.config] + manifest.layers where blob.urls == nil {
                guard let size = try blobSize(blob.digest, in: repository) else {
                    throw RegistryError(.manifestBlobUnknown, "blob \(blob.digest) is not in repository \(repository); push it first")
                }
                guard size == blob.size else {
                    throw RegistryError(.manifestInvalid, "blob \(blob.digest) has \(size) bytes; the manifest says \(blob.size)")
                }
            }
            if MediaType.configs.contains(manifest.config.mediaType), manifest.config.size <= Self.maxManifestSize,
               let config = try? ImageConfiguration.decode(store.bytes(of: manifest.config.digest)) {
                labels = config.config?.labels ?? [:]
            }
            record = ManifestRecord(repository: repository, digest: digest, mediaType: mediaType, size: Int64(bytes.count),
                                    artifactType: manifest.artifactType ?? manifest.config.mediaType,
                                    subject: manifest.subject?.digest, annotations: manifest.annotations, labels: labels)
        } else if MediaType.indexes.contains(mediaType) {
            let index: ImageIndex
            do { index = try ImageIndex.decode(bytes) } catch { throw invalid(error) }
            if let declared = index.mediaType, declared != mediaType {
                throw RegistryError(.manifestInvalid, "Content-Type \(mediaType) differs from the mediaType field \(declared)")
            }
            for child in index.manifests where try database.manifest(child.digest, in: repository) == nil {
                throw RegistryError(.manifestBlobUnknown, "manifest \(child.digest) listed by the index is not in \(repository); push it first")
            }
            record = ManifestRecord(repository: repository, digest: digest, mediaType: mediaType, size: Int64(bytes.count),
                                    artifactType: index.artifactType, subject: index.subject?.digest,
                                    annotations: index.annotations)
        } else {
            throw RegistryError(.manifestInvalid, "unsupported manifest media type '\(mediaType)'; use one of: "
                                    + (MediaType.manifests.union(MediaType.indexes)).sorted().joined(separator: ", "))
        }

        var tag: String?
        if case .tag(let name) = reference {
            tag = name
            try checkTagMayMove(name, to: digest, in: repository)
        }
        try store.put(bytes, expected: digest)
        try database.putManifest(record, tag: tag)
        subscribers.publish(ManifestPushed(repository: repository, digest: digest, mediaType: mediaType, tag: tag, labels: labels))
        return (digest, record.subject.flatMap { try? Digest(parsing: $0) })
    }

    /// The manifest a reference names in a repository, or nil.
    public func manifest(_ reference: ManifestReference, in repository: String) throws -> ManifestRecord? {
        let digest: Digest
        switch reference {
        case .digest(let value): digest = value
        case .tag(let name):
            guard let value = try database.digest(forTag: name, in: repository) else { return nil }
            digest = value
        }
        return try database.manifest(digest, in: repository)
    }

    /// Copies an image from other storage (an OCI layout) into a repository, as a push would: blobs verified
    /// and linked, child manifests before their index, the tag last.
    public func importImage(_ descriptor: Descriptor, from source: any BlobStorage, repository: String, tag: String) throws
        -> ImageTransfer.Summary
    {
        try RegistryRoute.validateName(repository)
        let summary = try ImageTransfer.copy(descriptor, from: source, to: store)
        try link(descriptor, repository: repository, tag: tag)
        return summary
    }

    private func link(_ descriptor: Descriptor, repository: String, tag: String?) throws {
        let bytes = try store.bytes(of: descriptor.digest)
        if MediaType.indexes.contains(descriptor.mediaType) {
            for child in try ImageIndex.decode(bytes).manifests { try link(child, repository: repository, tag: nil) }
        } else {
            let manifest = try ImageManifest.decode(bytes)
            for blob in [manifest.config] + manifest.layers {
                try database.linkBlob(blob.digest, size: blob.size, to: repository)
            }
        }
        _ = try putManifest(bytes, contentType: descriptor.mediaType, repository: repository,
                            reference: tag.map { .tag($0) } ?? .digest(descriptor.digest))
    }
}

/// Subscribers to push events, each an AsyncStream continuation.
final class SubscriberList: Sendable {
    private let continuations = Mutex<[UUID: AsyncStream<ManifestPushed>.Continuation]>([:])

    func subscribe() -> AsyncStream<ManifestPushed> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ManifestPushed>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        continuation.onTermination = { [weak self] _ in _ = self?.continuations.withLock { $0.removeValue(forKey: id) } }
        continuations.withLock { $0[id] = continuation }
        return stream
    }

    func publish(_ event: ManifestPushed) {
        for continuation in continuations.withLock({ Array($0.values) }) { continuation.yield(event) }
    }
}
