import Foundation
import CSlipwaySystem
import SlipwayArchive

/// Layers as overlayfs sees them. A layer unpacked for use as a lower directory keeps its deletions as overlayfs
/// whiteouts (character device 0/0, and the `trusted.overlay.opaque` attribute for opaque directories) instead of
/// OCI's `.wh.` files; the upper directory a RUN step leaves behind is turned back into an OCI layer the same way.
/// (https://docs.kernel.org/filesystems/overlayfs.html#whiteouts-and-opaque-directories,
/// https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts)
public enum OverlayLayers {
    /// Unpacks an OCI layer tar stream into `directory` (which must not exist), in overlayfs form. All or nothing:
    /// the layer is unpacked beside it and renamed into place.
    public static func unpack(_ layer: any ByteReader, into directory: String) throws {
        let staging = directory + ".partial-\(UUID().uuidString.prefix(8))"
        try? FileSystem.removeTree(staging)
        do {
            var options = ExtractOptions()
            options.applyWhiteouts = false
            options.allowDevices = true
            try FileSystem.makeDirectories(staging)
            let extractor = try Extractor(root: staging, options: options)
            try extractor.extractLayer(layer)
            try convertWhiteouts(in: staging)
            guard rename(staging, directory) == 0 else {
                // Another build unpacked the same layer meanwhile: theirs is as good as ours.
                if FileManager.default.fileExists(atPath: directory) {
                    try? FileSystem.removeTree(staging)
                    return
                }
                throw BuilderError.io(path: directory, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
    }

    /// `.wh.NAME` files become 0/0 character devices named NAME; `.wh..wh..opq` marks its directory opaque.
    static func convertWhiteouts(in root: String) throws {
        var pending = [root]
        while let directory = pending.popLast() {
            for name in try FileSystem.list(directory) {
                let path = directory + "/" + name
                if name == ".wh..wh..opq" {
                    unlink(path)
                    guard setxattr(directory, "trusted.overlay.opaque", "y", 1, 0) == 0 else {
                        throw BuilderError.io(path: directory, reason: "cannot mark opaque: \(String(cString: strerror(errno)))")
                    }
                } else if name.hasPrefix(".wh.") {
                    unlink(path)
                    let target = directory + "/" + name.dropFirst(4)
                    try? FileSystem.removeTree(target)
                    guard mknod(target, S_IFCHR | 0o000, FileSystem.makeDevice(major: 0, minor: 0)) == 0 else {
                        throw BuilderError.io(path: target, reason: "cannot make a whiteout: \(String(cString: strerror(errno)))")
                    }
                } else if let info = try FileSystem.lstatOrNil(path), FileSystem.isDirectory(info) {
                    pending.append(path)
                }
            }
        }
    }

    /// Writes the changes an overlay upper directory holds as an OCI layer: files as they are, whiteout devices as
    /// `.wh.` entries, opaque directories with `.wh..wh..opq`. Entries are sorted and times clamped to
    /// `sourceDateEpoch`, so the same changes give the same bytes.
    public static func writeLayer(upper: String, sourceDateEpoch: Int64?, to tar: TarWriter) throws {
        var paths: [String] = []
        var deletions: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let directory = relative.isEmpty ? upper : upper + "/" + relative
            for name in try FileSystem.list(directory) {
                let path = relative.isEmpty ? name : relative + "/" + name
                guard let info = try FileSystem.lstatOrNil(upper + "/" + path) else { continue }
                if info.st_mode & S_IFMT == S_IFCHR, info.st_rdev == 0 {
                    deletions.append(path)
                    continue
                }
                paths.append(path)
                if FileSystem.isDirectory(info) {
                    if isOpaque(upper + "/" + path) { deletions.append(path + "/.wh..opq") }
                    pending.append(path)
                }
            }
        }
        try TreeArchiver(root: upper, options: LayerOptions(sourceDateEpoch: sourceDateEpoch))
            .write(paths: paths, deletions: deletions, to: tar)
    }

    static func isOpaque(_ directory: String) -> Bool {
        var value = [UInt8](repeating: 0, count: 4)
        let size = lgetxattr(directory, "trusted.overlay.opaque", &value, value.count)
        return size == 1 && value[0] == UInt8(ascii: "y")
    }
}
