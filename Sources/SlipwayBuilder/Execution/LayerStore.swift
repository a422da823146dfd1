import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayStore

/// Unpacked layers, one directory per layer diff_id, in overlayfs form, under `$SLIPWAY_HOME/builder/layers`.
/// Each layer is unpacked once and then shared by every build whose image contains it. Directory names are the
/// first 24 hex digits of the diff_id, so an overlay mount of many layers stays within its one-page option limit.
public struct LayerStore: Sendable {
    public let root: String

    public init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    public func directory(for diffID: Digest) -> String { root + "/" + String(diffID.hex.prefix(24)) }

    /// The layer's directory, unpacking it from `open` (the compressed blob) when it is not there yet.
    @discardableResult
    public func unpacked(_ layer: Descriptor, diffID: Digest, open: () throws -> any ByteReader) throws -> String {
        let directory = directory(for: diffID)
        if FileManager.default.fileExists(atPath: directory) { return directory }
        let raw = try open()
        let stream: any ByteReader
        switch MediaType.layerCompression(layer.mediaType) {
        case .some(.none): stream = raw
        case .gzip: stream = try GzipReader(raw)
        case .zstd, nil:
            throw BuilderError.io(path: layer.digest.description, reason: "layer media type \(layer.mediaType) is not supported (gzip or plain tar)")
        }
        try OverlayLayers.unpack(stream, into: directory)
        return directory
    }
}
