#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSlipwaySystem

/// What extraction may do beyond writing plain files, directories and links.
public struct ExtractOptions: Sendable {
    /// Apply OCI whiteouts (`.wh.NAME`, `.wh..wh..opq`) instead of writing them as files.
    public var applyWhiteouts = true
    /// Create character and block device nodes. Off by default: a layer has no business creating them.
    public var allowDevices = false
    /// Give entries the uid and gid they record; only possible as root.
    public var preserveOwnership = geteuid() == 0
    /// Set extended attributes recorded in PAX headers; attributes the filesystem refuses are skipped.
    public var applyXattrs = true
    /// Extract only entries at or under these paths (`app/pub/static`), creating the directories above them;
    /// nil extracts everything.
    public var only: [String]?

    public init() {}
}

/// Extracts tar streams into a directory, one layer after another, and never writes outside it.
///
/// Every entry's path is resolved inside the root: absolute names and `..` components are refused, symlinks met
/// on the way are followed with the root as `/` (as a container sees them), and a symlink whose target climbs
/// out of the root makes the entry fail. Hardlinks must point at something already inside the root. The final
/// component of an entry is never followed: an existing symlink there is replaced, not written through.
public final class Extractor {
    public let root: String
    public let options: ExtractOptions
    /// Resolved paths written by the layer being extracted, so an opaque whiteout keeps them.
    private var writtenThisLayer: Set<String> = []
    private var directoryTimes: [(path: String, seconds: Int64, nanoseconds: Int32)] = []

    /// `root` must be an existing directory.
    public init(root: String, options: ExtractOptions = ExtractOptions()) throws {
        var root = root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        guard let info = try FileSystem.lstatOrNil(root), FileSystem.isDirectory(info) else {
            throw ArchiveError.io(path: root, operation: "extract into", errno: ENOTDIR)
        }
        self.root = root
        self.options = options
    }

    /// Extracts one layer (an uncompressed tar stream) on top of what the root already holds.
    public func extractLayer(_ tar: any ByteReader) throws {
        writtenThisLayer = []
        directoryTimes = []
        let reader = TarReader(tar)
        while let entry = try reader.next() {
            try extract(entry, content: reader)
        }
        // Read to the end of the stream, past the end-of-archive marker, so that a verifying source sees
        // every byte and can fail on a digest mismatch.
        while try !tar.read(upTo: streamChunkSize).isEmpty {}
        // Directory times last: writing their children changed them.
        for item in directoryTimes.reversed() {
            try FileSystem.setTimes(item.path, seconds: item.seconds, nanoseconds: item.nanoseconds)
        }
    }

    /// Extracts layers in order into `destination`, which must not exist. The layers are unpacked into a
    /// temporary sibling that is renamed into place only when all succeeded, so a failure leaves nothing behind.
    public static func unpack(layers: [() throws -> any ByteReader], to destination: String,
                              options: ExtractOptions = ExtractOptions()) throws {
        if try FileSystem.lstatOrNil(destination) != nil {
            throw ArchiveError.io(path: destination, operation: "unpack into", errno: EEXIST)
        }
        let staging = destination + ".partial-\(getpid())"
        try? FileSystem.removeTree(staging)
        try FileSystem.makeDirectory(staging)
        do {
            let extractor = try Extractor(root: staging, options: options)
            for open in layers { try extractor.extractLayer(try open()) }
            guard rename(staging, destination) == 0 else {
                throw ArchiveError.io(path: destination, operation: "rename into place", errno: errno)
            }
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }
    }

    /// Whether an entry's path components lie at or under `prefix` (a relative or absolute path).
    static func isWithin(_ components: [String], _ prefix: String) -> Bool {
        let wanted = prefix.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
        return components.count >= wanted.count && Array(components.prefix(wanted.count)) == wanted
    }

    // MARK: - One entry

    private func extract(_ entry: TarEntry, content: TarReader) throws {
        let components = try Self.components(of: entry.name, entry: entry.name)
        guard let leaf = components.last else { return }  // "./": the root itself
        if let only = options.only, !only.contains(where: { Self.isWithin(components, $0) }) { return }

        if options.applyWhiteouts, leaf.hasPrefix(".wh.") {
            // A whiteout under a directory that does not exist hides nothing.
            guard let parent = try resolveDirectory(Array(components.dropLast()), entry: entry.name, create: false)
            else { return }
            if leaf == ".wh..wh..opq" {
                for name in try FileSystem.list(parent) where !writtenThisLayer.contains(parent + "/" + name) {
                    try FileSystem.removeTree(parent + "/" + name)
                }
            } else {
                let hidden = String(leaf.dropFirst(4))
                guard !hidden.isEmpty, hidden != ".", hidden != ".." else {
                    throw ArchiveError.unsafeEntry(name: entry.name, reason: "whiteout names no file")
                }
                try FileSystem.removeTree(parent + "/" + hidden)
            }
            return
        }

        let parent = try resolveDirectory(Array(components.dropLast()), entry: entry.name, create: true)!
        let path = parent + "/" + leaf
        let existing = try FileSystem.lstatOrNil(path)
        if let existing, !(entry.kind == .directory && FileSystem.isDirectory(existing)) {
            try FileSystem.removeTree(path)
        }
        switch entry.kind {
        case .directory:
            if existing == nil || !FileSystem.isDirectory(existing!) { try FileSystem.makeDirectory(path, mode: 0o700) }
            guard chmod(path, mode_t(entry.mode)) == 0 else {
                throw ArchiveError.io(path: path, operation: "chmod", errno: errno)
            }
        case .regular:
            let file = try FileWriter(path: path, mode: 0o600)
            while true {
                let chunk = try content.readContent(upTo: streamChunkSize)
                if chunk.isEmpty { break }
                try file.write(chunk)
            }
            try file.close()
            guard chmod(path, mode_t(entry.mode)) == 0 else {
                throw ArchiveError.io(path: path, operation: "chmod", errno: errno)
            }
        case .symlink:
            guard symlink(entry.linkName, path) == 0 else {
                throw ArchiveError.io(path: path, operation: "symlink", errno: errno)
            }
        case .hardlink:
            let targetComponents = try Self.components(of: entry.linkName, entry: entry.name, what: "hardlink target")
            guard let targetLeaf = targetComponents.last else {
                throw ArchiveError.unsafeEntry(name: entry.name, reason: "hardlink to the root directory")
            }
            let targetParent = try resolveDirectory(Array(targetComponents.dropLast()), entry: entry.name, create: false)
            let target = (targetParent ?? root) + "/" + targetLeaf
            guard targetParent != nil, let info = try FileSystem.lstatOrNil(target), !FileSystem.isDirectory(info) else {
                throw ArchiveError.unsupportedEntry(
                    name: entry.name, reason: "hardlink target '\(entry.linkName)' is not a file earlier in the archive")
            }
            guard link(target, path) == 0 else { throw ArchiveError.io(path: path, operation: "link", errno: errno) }
        case .characterDevice, .blockDevice:
            guard options.allowDevices else {
                throw ArchiveError.unsafeEntry(name: entry.name, reason: "device nodes are not extracted unless allowed")
            }
            let type = entry.kind == .characterDevice ? S_IFCHR : S_IFBLK
            let device = FileSystem.makeDevice(major: entry.deviceMajor, minor: entry.deviceMinor)
            guard mknod(path, type | mode_t(entry.mode), device) == 0 else {
                throw ArchiveError.io(path: path, operation: "mknod", errno: errno)
            }
        case .fifo:
            guard mkfifo(path, mode_t(entry.mode)) == 0 else {
                throw ArchiveError.io(path: path, operation: "mkfifo", errno: errno)
            }
        }
        writtenThisLayer.insert(path)

        if entry.kind != .hardlink {
            if options.preserveOwnership, lchown(path, uid_t(entry.uid), gid_t(entry.gid)) != 0 {
                throw ArchiveError.io(path: path, operation: "chown", errno: errno)
            }
            // chown clears setuid/setgid bits; put them back.
            if options.preserveOwnership, entry.kind != .symlink, entry.mode & 0o7000 != 0 {
                chmod(path, mode_t(entry.mode))
            }
            if options.applyXattrs {
                for (name, value) in entry.xattrs.sorted(by: { $0.key < $1.key }) {
                    let status = value.withUnsafeBytes { lsetxattr(path, name, $0.baseAddress, value.count, 0) }
                    if status != 0, errno != ENOTSUP, errno != EPERM {
                        throw ArchiveError.io(path: path, operation: "set xattr \(name) on", errno: errno)
                    }
                }
            }
            if entry.kind == .directory {
                directoryTimes.append((path, entry.modificationTime, entry.modificationNanoseconds))
            } else {
                try FileSystem.setTimes(path, seconds: entry.modificationTime, nanoseconds: entry.modificationNanoseconds)
            }
        }
    }

    // MARK: - Paths

    /// The components of an entry name; refuses absolute names and `..`.
    static func components(of name: String, entry: String, what: String = "path") throws -> [String] {
        if name.hasPrefix("/") {
            throw ArchiveError.unsafeEntry(name: entry, reason: "absolute \(what) '\(name)'")
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        if parts.contains("..") {
            throw ArchiveError.unsafeEntry(name: entry, reason: "\(what) '\(name)' has a '..' component")
        }
        return parts
    }

    /// Resolves directory components inside the root, following symlinks with the root as `/`, and returns the
    /// real path. A missing directory is created when `create` is set; otherwise the result is nil.
    private func resolveDirectory(_ components: [String], entry: String, create: Bool) throws -> String? {
        var resolved: [String] = []
        var pending = components[...]
        var hops = 0
        while let component = pending.popFirst() {
            if component.isEmpty || component == "." { continue }
            if component == ".." {
                guard !resolved.isEmpty else {
                    throw ArchiveError.unsafeEntry(name: entry, reason: "it passes through a symlink that leads out of the root")
                }
                resolved.removeLast()
                continue
            }
            let path = root + "/" + (resolved + [component]).joined(separator: "/")
            guard let info = try FileSystem.lstatOrNil(path) else {
                guard create else { return nil }
                try FileSystem.makeDirectory(path)
                writtenThisLayer.insert(path)
                resolved.append(component)
                continue
            }
            if FileSystem.isSymlink(info) {
                hops += 1
                guard hops <= 40 else { throw ArchiveError.unsafeEntry(name: entry, reason: "too many levels of symlinks") }
                let target = try FileSystem.readLink(path)
                if target.hasPrefix("/") { resolved = [] }
                pending = (target.split(separator: "/").map(String.init) + pending)[...]
                continue
            }
            guard FileSystem.isDirectory(info) else {
                throw ArchiveError.unsupportedEntry(
                    name: entry, reason: "'\(path.dropFirst(root.count + 1))' is not a directory")
            }
            resolved.append(component)
        }
        return resolved.isEmpty ? root : root + "/" + resolved.joined(separator: "/")
    }
}
