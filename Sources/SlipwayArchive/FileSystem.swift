#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Thin, throwing wrappers over the POSIX calls the archive code needs. None of them follows a symlink in the
/// last component unless it says so.
public enum FileSystem {
    public static func lstatOrNil(_ path: String) throws -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT { return nil }
        throw ArchiveError.io(path: path, operation: "lstat", errno: errno)
    }

    public static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    public static func isSymlink(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFLNK }

    public static func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw ArchiveError.io(path: path, operation: "readlink", errno: errno) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Names in a directory, without `.` and `..`, sorted bytewise.
    public static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw ArchiveError.io(path: path, operation: "opendir", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// Removes a file, a symlink (not its target) or a whole directory tree.
    public static func removeTree(_ path: String) throws {
        guard let info = try lstatOrNil(path) else { return }
        if isDirectory(info) {
            for name in try list(path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw ArchiveError.io(path: path, operation: "rmdir", errno: errno) }
        } else {
            guard unlink(path) == 0 else { throw ArchiveError.io(path: path, operation: "unlink", errno: errno) }
        }
    }

    /// Creates a directory and any missing parents (`mkdir -p`).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0, errno != EEXIST {
                throw ArchiveError.io(path: current, operation: "mkdir", errno: errno)
            }
        }
    }

    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
        guard mkdir(path, mode) == 0 else { throw ArchiveError.io(path: path, operation: "mkdir", errno: errno) }
    }

    public static func setTimes(_ path: String, seconds: Int64, nanoseconds: Int32) throws {
        let time = timespec(tv_sec: Int(seconds), tv_nsec: Int(nanoseconds))
        var times = [time, time]
        guard utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw ArchiveError.io(path: path, operation: "set times on", errno: errno)
        }
    }

    /// Device numbers as glibc's `major()`/`minor()` compute them.
    public static func major(_ device: UInt) -> Int { Int(((device >> 8) & 0xfff) | ((device >> 32) & ~UInt(0xfff))) }
    public static func minor(_ device: UInt) -> Int { Int((device & 0xff) | ((device >> 12) & ~UInt(0xff))) }
    public static func makeDevice(major: Int, minor: Int) -> dev_t {
        let major = UInt64(major), minor = UInt64(minor)
        return dev_t((major & 0xfff) << 8 | (major & ~0xfff) << 32 | (minor & 0xff) | (minor & ~0xff) << 12)
    }
}
