import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayStore
import Synchronization

/// Where an image is read from or written to.
public enum ImageEndpoint: Sendable, CustomStringConvertible {
    case registry(ImageReference)
    case layout(OCILayout, tag: String?)

    public var description: String {
        switch self {
        case .registry(let reference): "docker://\(reference)"
        case .layout(let layout, let tag): "oci:\(layout.path)" + (tag.map { ":\($0)" } ?? "")
        }
    }
}

/// What happened to each blob of a copy, for progress lines and tests.
public enum BlobOutcome: Sendable, Equatable {
    case copied(bytes: Int64, seconds: Double)
    case skipped
    case mounted(from: String)
}

/// Copies images between registries and OCI layouts: the manifest's bytes are kept as they are (so its digest
/// is too), blobs already at the destination are skipped, blobs in another repository of the same registry are
/// mounted, the rest are streamed and verified, several at once. The manifest goes last, so a destination
/// never names a blob it lacks; a layout destination that fails is left as it was.
public struct ImageCopier: Sendable {
    public let client: RegistryClient
    public var platform: Platform = .linuxAMD64
    /// Every platform of an index, not just `platform`.
    public var all = false
    /// Told about each blob as it finishes, and about a manifest the destination already has (skipped).
    public var onBlob: (@Sendable (Descriptor, BlobOutcome) -> Void)?
    /// Told of bytes as they move (a count since the last call), from several tasks at once.
    public var onProgress: (@Sendable (Descriptor, Int) -> Void)?

    public init(client: RegistryClient) { self.client = client }

    /// Copies and returns the descriptor of what was written (a manifest, or an index with `all`).
    @discardableResult
    public func copy(from source: ImageEndpoint, to destination: ImageEndpoint) async throws -> Descriptor {
        var layoutBefore: Set<Digest> = []
        if case .layout(let layout, _) = destination { layoutBefore = Set(try layout.blobs.digests()) }
        do {
            var (descriptor, bytes) = try await root(of: source)
            if MediaType.indexes.contains(descriptor.mediaType), !all {
                let index = try ImageIndex.decode(bytes)
                guard let chosen = index.manifest(for: platform) else {
                    throw ClientError.noPlatform(reference: "\(source)", wanted: "\(platform)",
                                                 available: index.manifests.compactMap { $0.platform?.description })
                }
                (descriptor, bytes) = try await manifest(chosen.digest, of: source)
            }
            if await present(descriptor, at: destination) {
                report(descriptor, .skipped)
            } else {
                try await copyTree(descriptor, bytes, from: source, to: destination)
            }
            try await finish(descriptor, bytes, at: destination)
            return descriptor
        } catch {
            if case .layout(let layout, _) = destination {
                for digest in Set(try layout.blobs.digests()).subtracting(layoutBefore) { try? layout.blobs.delete(digest) }
            }
            throw error
        }
    }

    /// Copies what a manifest or index refers to (blobs, child manifests), not the document itself.
    private func copyTree(_ descriptor: Descriptor, _ bytes: [UInt8], from source: ImageEndpoint, to destination: ImageEndpoint) async throws {
        if MediaType.indexes.contains(descriptor.mediaType) {
            for child in try ImageIndex.decode(bytes).manifests {
                let (childDescriptor, childBytes) = try await manifest(child.digest, of: source)
                try await copyTree(childDescriptor, childBytes, from: source, to: destination)
                try await store(childDescriptor, childBytes, at: destination, tag: nil)
            }
            return
        }
        let manifest = try ImageManifest.decode(bytes)
        // Largest first, so the last blob to start is a small one and the copy ends when the big ones do.
        let blobs = ([manifest.config] + manifest.layers.filter { $0.urls == nil }).sorted { $0.size > $1.size }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                guard next < blobs.count else { return }
                let blob = blobs[next]
                next += 1
                group.addTask { try await copyBlob(blob, from: source, to: destination) }
            }
            for _ in 0..<max(1, client.configuration.parallelism) { start() }
            while try await group.next() != nil { start() }
        }
    }

    private func root(of source: ImageEndpoint) async throws -> (Descriptor, [UInt8]) {
        switch source {
        case .registry(let reference):
            // HEAD first: what the tag names, then the document by that digest, so its bytes are checked against it.
            let descriptor = try await client.resolve(reference)
            return try await client.manifest(reference, tagOrDigest: descriptor.digest.description)
        case .layout(let layout, let tag):
            let descriptor = try layout.descriptor(tag: tag)
            return (descriptor, try layout.blobs.bytes(of: descriptor.digest))
        }
    }

    /// Whether a registry destination already holds this manifest or index, and so everything it refers to (a
    /// registry accepts a manifest only once it has its blobs): then only the tag needs writing.
    private func present(_ descriptor: Descriptor, at destination: ImageEndpoint) async -> Bool {
        guard case .registry(var reference) = destination else { return false }
        reference.tag = nil
        reference.digest = descriptor.digest
        return (try? await client.manifestExists(reference)) ?? false
    }

    private func manifest(_ digest: Digest, of source: ImageEndpoint) async throws -> (Descriptor, [UInt8]) {
        switch source {
        case .registry(let reference):
            return try await client.manifest(reference, tagOrDigest: digest.description)
        case .layout(let layout, _):
            let bytes = try layout.blobs.bytes(of: digest)
            let mediaType = Self.mediaType(of: bytes)
            return (Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count)), bytes)
        }
    }

    /// The media type a manifest or index names itself, or what its shape says when the field is absent.
    static func mediaType(of bytes: [UInt8]) -> String {
        struct Probe: Decodable {
            var mediaType: String?
            var manifests: [JSONValue]?
        }
        let probe = try? JSONDecoder().decode(Probe.self, from: Data(bytes))
        return probe?.mediaType ?? (probe?.manifests != nil ? MediaType.ociIndex : MediaType.ociManifest)
    }

    private func copyBlob(_ blob: Descriptor, from source: ImageEndpoint, to destination: ImageEndpoint) async throws {
        let started = Date()
        var progress: (@Sendable (Int) -> Void)?
        if let onProgress { progress = { count in onProgress(blob, count) } }
        switch destination {
        case .layout(let layout, _):
            if try layout.blobs.size(of: blob.digest) == blob.size { return report(blob, .skipped) }
            let ingest = try layout.blobs.beginIngest(expected: blob.digest, expectedSize: blob.size)
            switch source {
            case .registry(let reference): try await client.fetchBlob(blob, from: reference, into: ingest, progress: progress)
            case .layout(let from, _):
                let reader = try from.blobs.reader(for: blob.digest)
                while case let chunk = try reader.read(upTo: 1 << 20), !chunk.isEmpty {
                    try ingest.write(chunk)
                    progress?(chunk.count)
                }
            }
            try ingest.commit()
        case .registry(let target):
            if try await client.blobSize(blob.digest, in: target) == blob.size { return report(blob, .skipped) }
            switch source {
            case .registry(let reference):
                if reference.registry == target.registry, reference.repository != target.repository,
                   try await client.mountBlob(blob.digest, from: reference.repository, into: target) {
                    return report(blob, .mounted(from: reference.repository))
                }
                // Straight from one registry to the other; if that fails part-way, again through a temporary
                // file, which a retried upload can read from the start.
                do {
                    let response = try await client.openBlob(blob, from: reference)
                    try await client.pushBlob(blob, to: target, streaming: response.body, source: "\(source)", progress: progress)
                    return report(blob, .copied(bytes: blob.size, seconds: Date().timeIntervalSince(started)))
                } catch let error as ClientError {
                    switch error {
                    case .digestMismatch, .sizeMismatch, .denied, .unauthorized: throw error
                    default: break
                    }
                }
                let spool = NSTemporaryDirectory() + "slipway-blob-\(UUID().uuidString)"
                defer { unlink(spool) }
                let file = try FileWriter(path: spool, mode: 0o600)
                try await client.fetchBlob(blob, from: reference, into: file)
                try file.close()
                try await client.pushBlob(blob, to: target, open: { try FileReader(path: spool) }, progress: progress)
            case .layout(let from, _):
                let blobs = from.blobs
                try await client.pushBlob(blob, to: target, open: { try blobs.reader(for: blob.digest) }, progress: progress)
            }
        }
        report(blob, .copied(bytes: blob.size, seconds: Date().timeIntervalSince(started)))
    }

    private func report(_ blob: Descriptor, _ outcome: BlobOutcome) { onBlob?(blob, outcome) }

    /// Writes a manifest or index document (by digest) at the destination.
    private func store(_ descriptor: Descriptor, _ bytes: [UInt8], at destination: ImageEndpoint, tag: String?) async throws {
        switch destination {
        case .registry(let reference):
            try await client.pushManifest(bytes, mediaType: descriptor.mediaType, to: reference,
                                          tagOrDigest: tag ?? descriptor.digest.description)
        case .layout(let layout, _):
            try layout.blobs.put(bytes, expected: descriptor.digest)
        }
    }

    /// Writes the root document and names it: the tag (or digest) in a registry, the index entry in a layout.
    private func finish(_ descriptor: Descriptor, _ bytes: [UInt8], at destination: ImageEndpoint) async throws {
        switch destination {
        case .registry(let reference):
            try await store(descriptor, bytes, at: destination, tag: reference.digest == nil ? reference.tag : nil)
        case .layout(let layout, let tag):
            try await store(descriptor, bytes, at: destination, tag: nil)
            var entry = descriptor
            if !MediaType.indexes.contains(descriptor.mediaType), let config = try? ImageManifest.decode(bytes).config,
               let configuration = try? ImageConfiguration.decode(layout.blobs.bytes(of: config.digest)) {
                entry.platform = configuration.platform
            }
            try layout.tag(entry, as: tag ?? "latest")
        }
    }
}
