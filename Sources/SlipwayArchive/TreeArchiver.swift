#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSlipwaySystem

/// How a directory tree becomes layer entries.
public struct LayerOptions: Sendable {
    /// When set, no entry's mtime is later than this (reproducible builds: `SOURCE_DATE_EPOCH`).
    public var sourceDateEpoch: Int64?
    public var includeXattrs = true

    public init(sourceDateEpoch: Int64? = nil) { self.sourceDateEpoch = sourceDateEpoch }
}

/// Writes directory trees as tar entries, deterministically: entries sorted bytewise by path, times in whole
/// seconds (clamped to `SOURCE_DATE_EPOCH` when given), uid/gid as the files record them, no user or group
/// names, no atime or ctime. The same tree gives the same bytes, and so the same digest.
public struct TreeArchiver {
    public let root: String
    public let options: LayerOptions

    public init(root: String, options: LayerOptions = LayerOptions()) {
        var root = root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.options = options
    }

    /// Every path under the root, relative, sorted bytewise.
    public func allPaths() throws -> [String] {
        var out: [String] = []
        func walk(_ relative: String) throws {
            let directory = relative.isEmpty ? root : root + "/" + relative
            for name in try FileSystem.list(directory) {
                let path = relative.isEmpty ? name : relative + "/" + name
                out.append(path)
                if let info = try FileSystem.lstatOrNil(root + "/" + path), FileSystem.isDirectory(info) {
                    try walk(path)
                }
            }
        }
        try walk("")
        return out.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Writes the whole tree.
    public func write(to tar: TarWriter) throws {
        try write(paths: try allPaths(), deletions: [], to: tar)
    }

    /// Writes the given paths (relative to the root) and a whiteout for each deleted path, all in one sorted order.
    public func write(paths: [String], deletions: [String], to tar: TarWriter) throws {
        var items: [(name: String, deleted: Bool)] = paths.map { ($0, false) }
        for deleted in deletions {
            let parts = deleted.split(separator: "/")
            let whiteout = (parts.dropLast() + [".wh." + parts.last!]).joined(separator: "/")
            items.append((whiteout, true))
        }
        items.sort { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }

        var firstPathOfInode: [String: String] = [:]
        for item in items {
            if item.deleted {
                var entry = TarEntry(name: item.name, kind: .regular, mode: 0o644)
                entry.modificationTime = clamp(0)
                try tar.append(entry)
                continue
            }
            try writeEntry(item.name, firstPathOfInode: &firstPathOfInode, to: tar)
        }
    }

    private func clamp(_ seconds: Int64) -> Int64 {
        if let epoch = options.sourceDateEpoch, seconds > epoch { return epoch }
        return seconds
    }

    private func writeEntry(_ name: String, firstPathOfInode: inout [String: String], to tar: TarWriter) throws {
        let path = root + "/" + name
        guard let info = try FileSystem.lstatOrNil(path) else {
            throw ArchiveError.io(path: path, operation: "archive", errno: ENOENT)
        }
        var entry = TarEntry(name: name, kind: .regular, mode: UInt32(info.st_mode) & 0o7777,
                             uid: Int(info.st_uid), gid: Int(info.st_gid),
                             modificationTime: clamp(Int64(info.st_mtim.tv_sec)))
        var content: FileReader?
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            let inode = "\(info.st_dev):\(info.st_ino)"
            if info.st_nlink > 1, let first = firstPathOfInode[inode] {
                entry.kind = .hardlink
                entry.linkName = first
            } else {
                if info.st_nlink > 1 { firstPathOfInode[inode] = name }
                entry.size = Int64(info.st_size)
                content = try FileReader(path: path)
            }
        case S_IFDIR: entry.kind = .directory
        case S_IFLNK:
            entry.kind = .symlink
            entry.linkName = try FileSystem.readLink(path)
        case S_IFCHR, S_IFBLK:
            entry.kind = info.st_mode & S_IFMT == S_IFCHR ? .characterDevice : .blockDevice
            entry.deviceMajor = FileSystem.major(UInt(info.st_rdev))
            entry.deviceMinor = FileSystem.minor(UInt(info.st_rdev))
        case S_IFIFO: entry.kind = .fifo
        default:
            return  // sockets do not belong in images
        }
        if options.includeXattrs { entry.xattrs = try Self.xattrs(path) }
        try tar.append(entry)
        if let content {
            var written: Int64 = 0
            while true {
                let chunk = try content.read(upTo: streamChunkSize)
                if chunk.isEmpty { break }
                guard written + Int64(chunk.count) <= entry.size else { break }
                try tar.writeContent(chunk)
                written += Int64(chunk.count)
            }
            guard written == entry.size else {
                throw ArchiveError.truncated(what: "file '\(path)' (it changed while being archived)")
            }
        }
    }

    /// Extended attributes of a path, without `security.selinux` (a host's labelling, not the image's).
    static func xattrs(_ path: String) throws -> [String: [UInt8]] {
        let size = llistxattr(path, nil, 0)
        if size <= 0 { return [:] }
        var names = [CChar](repeating: 0, count: size)
        let count = llistxattr(path, &names, size)
        guard count > 0 else { return [:] }
        var out: [String: [UInt8]] = [:]
        for raw in names[..<count].split(separator: 0) {
            let name = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if name == "security.selinux" || name.hasPrefix("trusted.overlay.") { continue }  // host labels, overlayfs state
            let length = lgetxattr(path, name, nil, 0)
            guard length >= 0 else { continue }
            var value = [UInt8](repeating: 0, count: length)
            let read = value.withUnsafeMutableBytes { lgetxattr(path, name, $0.baseAddress, length) }
            if read >= 0 { out[name] = Array(value[..<read]) }
        }
        return out
    }
}
