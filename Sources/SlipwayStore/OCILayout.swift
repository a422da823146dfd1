#if canImport(Glibc)
import Glibc
#endif
import SlipwayArchive
import SlipwayOCI

/// A directory in the OCI image layout: `oci-layout`, `index.json` and `blobs/<alg>/<hex>`, the format
/// skopeo, buildah, containerd and others read and write (`oci:DIR:tag`).
/// https://github.com/opencontainers/image-spec/blob/v1.1.0/image-layout.md
public struct OCILayout: Sendable {
    public let path: String
    public let blobs: BlobStore

    static let layoutFile = "oci-layout"
    static let indexFile = "index.json"
    static let layoutVersion = "1.0.0"

    private struct LayoutMarker: Codable {
        var imageLayoutVersion: String
    }

    private init(path: String, durable: Bool) throws {
        self.path = path
        // Staging lives outside blobs/ so other tools never see a half-written file there.
        self.blobs = try BlobStore(root: path + "/blobs", layout: .flat, stagingDirectory: path + "/.slipway-ingest", durable: durable)
    }

    /// Opens the layout at `path`, creating an empty one if the directory is absent or empty.
    /// `durable: false` skips fsync for blobs (a cache that can be made again).
    public static func openOrCreate(at path: String, durable: Bool = true) throws -> OCILayout {
        let exists = try FileSystem.lstatOrNil(path + "/" + layoutFile) != nil
        if exists { return try open(at: path, durable: durable) }
        if let names = try? FileSystem.list(path), !names.isEmpty {
            throw StoreError.invalidLayout(path: path, reason: "the directory is not empty and has no oci-layout file")
        }
        try FileSystem.makeDirectories(path)
        let layout = try OCILayout(path: path, durable: durable)
        try writeFileAtomically(path + "/" + layoutFile, try CanonicalJSON.encode(LayoutMarker(imageLayoutVersion: layoutVersion)))
        try layout.writeIndex(ImageIndex(manifests: []))
        return layout
    }

    /// Opens an existing layout, checking its marker file.
    public static func open(at path: String, durable: Bool = true) throws -> OCILayout {
        let markerPath = path + "/" + layoutFile
        let bytes: [UInt8]
        do {
            bytes = try FileReader(path: markerPath).readAll()
        } catch {
            throw StoreError.invalidLayout(path: path, reason: "cannot read \(layoutFile) (\(error))")
        }
        let marker: LayoutMarker
        do {
            marker = try CanonicalJSON.decode(LayoutMarker.self, from: bytes, what: layoutFile)
        } catch {
            throw StoreError.invalidLayout(path: path, reason: error.description)
        }
        guard marker.imageLayoutVersion.hasPrefix("1.") else {
            throw StoreError.invalidLayout(path: path, reason: "imageLayoutVersion \(marker.imageLayoutVersion) is not 1.x")
        }
        return try OCILayout(path: path, durable: durable)
    }

    public func index() throws -> ImageIndex {
        let bytes: [UInt8]
        do {
            bytes = try FileReader(path: path + "/" + Self.indexFile).readAll()
        } catch {
            throw StoreError.invalidLayout(path: path, reason: "cannot read \(Self.indexFile) (\(error))")
        }
        do {
            return try ImageIndex.decode(bytes)
        } catch {
            throw StoreError.invalidLayout(path: path, reason: error.description)
        }
    }

    public func writeIndex(_ index: ImageIndex) throws {
        try writeFileAtomically(path + "/" + Self.indexFile, try index.encoded())
    }

    /// Tags in the index (`org.opencontainers.image.ref.name`).
    public func tags() throws -> [String] {
        try index().manifests.compactMap { $0.annotations?[Annotation.refName] }.sorted()
    }

    /// Records `descriptor` in the index under `tag`, replacing what the tag named before.
    public func tag(_ descriptor: Descriptor, as tag: String) throws {
        var index = try index()
        index.manifests.removeAll { $0.annotations?[Annotation.refName] == tag }
        var entry = descriptor
        entry.annotations = (entry.annotations ?? [:]).merging([Annotation.refName: tag]) { $1 }
        index.manifests.append(entry)
        try writeIndex(index)
    }

    /// The index entry for `tag`; with no tag, the layout's only entry.
    public func descriptor(tag: String?) throws -> Descriptor {
        let index = try index()
        if let tag {
            guard let entry = index.manifests.first(where: { $0.annotations?[Annotation.refName] == tag }) else {
                throw StoreError.tagUnknown(layout: path, tag: tag, available: try tags())
            }
            return entry
        }
        guard index.manifests.count == 1 else {
            throw StoreError.invalidLayout(
                path: path, reason: "it holds \(index.manifests.count) images; name one with oci:\(path):TAG")
        }
        return index.manifests[0]
    }

}

/// Writes a file through a temporary sibling and a rename, so readers never see part of it. The temporary name is
/// unique to the call, so writers of the same file in one process (parallel build stages) never collide.
public func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
    var random = SystemRandomNumberGenerator()
    let temporary = path + ".tmp-\(getpid())-\(String(random.next(), radix: 36))"
    do {
        let file = try FileWriter(path: temporary, mode: 0o644)
        try file.write(bytes)
        try file.close(sync: true)
    } catch {
        unlink(temporary)
        throw error
    }
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw StoreError.io(path: path, operation: "rename into place", errno: errno)
    }
}
