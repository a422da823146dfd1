#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The difference between two directory trees, as the paths a layer must carry to turn the lower tree into
/// the upper one. Files are compared by metadata (type, mode, owner, size, mtime to the nanosecond, device,
/// link target), as Docker's and BuildKit's differs do.
public struct TreeDiff: Sendable, Equatable {
    /// Paths to write from the upper tree (added or changed), with the directories above them.
    public var changed: [String] = []
    /// Paths of the lower tree that are gone from the upper one; each becomes a `.wh.` whiteout.
    public var deleted: [String] = []

    public init(lower: String, upper: String) throws {
        var changed = Set<String>()
        try Self.compare(lower: lower, upper: upper, relative: "", changed: &changed, deleted: &deleted)
        // A changed path needs its parent directories in the layer, so their modes and owners are kept.
        for path in Array(changed) {
            var parts = path.split(separator: "/").dropLast()
            while !parts.isEmpty {
                changed.insert(parts.joined(separator: "/"))
                parts = parts.dropLast()
            }
        }
        self.changed = changed.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        deleted.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Writes the diff as a layer: changed paths from the upper tree, whiteouts for deletions.
    public func write(upper: String, options: LayerOptions = LayerOptions(), to tar: TarWriter) throws {
        try TreeArchiver(root: upper, options: options).write(paths: changed, deletions: deleted, to: tar)
    }

    private static func compare(lower: String, upper: String, relative: String,
                                changed: inout Set<String>, deleted: inout [String]) throws {
        let lowerDirectory = relative.isEmpty ? lower : lower + "/" + relative
        let upperDirectory = relative.isEmpty ? upper : upper + "/" + relative
        let lowerNames = Set(try FileSystem.list(lowerDirectory))
        let upperNames = try FileSystem.list(upperDirectory)
        for name in lowerNames where !upperNames.contains(name) {
            deleted.append(relative.isEmpty ? name : relative + "/" + name)
        }
        for name in upperNames {
            let path = relative.isEmpty ? name : relative + "/" + name
            guard let upperInfo = try FileSystem.lstatOrNil(upper + "/" + path) else { continue }
            let lowerInfo = lowerNames.contains(name) ? try FileSystem.lstatOrNil(lower + "/" + path) : nil
            let bothDirectories = lowerInfo.map(FileSystem.isDirectory) == true && FileSystem.isDirectory(upperInfo)
            if let lowerInfo, bothDirectories {
                if try !same(lowerInfo, upperInfo, lower + "/" + path, upper + "/" + path, directory: true) {
                    changed.insert(path)
                }
                try compare(lower: lower, upper: upper, relative: path, changed: &changed, deleted: &deleted)
            } else if let lowerInfo, try same(lowerInfo, upperInfo, lower + "/" + path, upper + "/" + path, directory: false) {
                continue
            } else {
                changed.insert(path)
                if FileSystem.isDirectory(upperInfo) {
                    for sub in try TreeArchiver(root: upper + "/" + path).allPaths() { changed.insert(path + "/" + sub) }
                }
            }
        }
    }

    private static func same(_ a: stat, _ b: stat, _ aPath: String, _ bPath: String, directory: Bool) throws -> Bool {
        guard a.st_mode == b.st_mode, a.st_uid == b.st_uid, a.st_gid == b.st_gid else { return false }
        if directory { return true }  // a directory's own size and mtime change with its children
        guard a.st_size == b.st_size, a.st_rdev == b.st_rdev,
              a.st_mtim.tv_sec == b.st_mtim.tv_sec, a.st_mtim.tv_nsec == b.st_mtim.tv_nsec else { return false }
        if FileSystem.isSymlink(a) { return try FileSystem.readLink(aPath) == FileSystem.readLink(bPath) }
        return true
    }
}
