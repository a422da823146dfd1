import Foundation

/// An overlayfs mount for one RUN step: the image so far as read-only lower directories (topmost first), the
/// step's changes captured in `upper`. Unmounted (lazily, if busy) by `unmount()`.
public struct OverlayMount: Sendable {
    public let target: String
    public let upper: String

    /// The mount options must fit in one page, so layer directories have short paths (see `LayerStore`).
    public static func mount(lowers: [String], upper: String, work: String, at target: String) throws -> OverlayMount {
        for directory in [upper, work, target] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // overlayfs needs at least one lower directory; an empty one stands in for `FROM scratch`.
        var lowers = lowers
        if lowers.isEmpty {
            let empty = work + "-empty"
            try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
            lowers = [empty]
        }
        let options = "lowerdir=\(lowers.joined(separator: ":")),upperdir=\(upper),workdir=\(work)"
        guard options.utf8.count < 4000 else {
            throw BuilderError.mount(target: target, reason: "\(lowers.count) layers are more than one overlay mount takes; "
                                     + "squash some layers of the base image")
        }
        guard Glibc.mount("overlay", target, "overlay", 0, options) == 0 else {
            throw BuilderError.mount(target: target, reason: String(cString: strerror(errno))
                                     + " (overlayfs needs root, and layer directories on a filesystem that supports it)")
        }
        return OverlayMount(target: target, upper: upper)
    }

    /// The layers alone, read-only, at `target` (for COPY --from and bind mounts of another stage). overlayfs needs
    /// two lower directories when there is no upper one, so `empty` (created here) is always the bottom one.
    public static func mountReadOnly(lowers: [String], empty: String, at target: String) throws -> OverlayMount {
        for directory in [empty, target] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let options = "lowerdir=\((lowers + [empty]).joined(separator: ":"))"
        guard options.utf8.count < 4000 else {
            throw BuilderError.mount(target: target, reason: "\(lowers.count) layers are more than one overlay mount takes")
        }
        guard Glibc.mount("overlay", target, "overlay", UInt(MS_RDONLY), options) == 0 else {
            throw BuilderError.mount(target: target, reason: String(cString: strerror(errno)))
        }
        return OverlayMount(target: target, upper: empty)
    }

    public func unmount() {
        if umount2(target, 0) != 0 { _ = umount2(target, Int32(MNT_DETACH)) }
    }

    /// Every mount point in this mount namespace (`/proc/self/mountinfo`, octal escapes undone).
    static func mountPoints() -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            return unescape(fields[4])
        }
    }

    private static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var index = field.utf8.startIndex
        let utf8 = field.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "\\"), utf8.distance(from: index, to: utf8.endIndex) >= 4,
               let value = UInt8(String(decoding: utf8[utf8.index(after: index)..<utf8.index(index, offsetBy: 4)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index = utf8.index(index, offsetBy: 4)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
