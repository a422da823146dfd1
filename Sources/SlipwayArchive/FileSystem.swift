import CSlipwaySystem
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

    /// `path` resolved inside `root` as if `root` were `/` (the securejoin rule): `..` stops at the root, a symlink's
    /// absolute target starts again from the root, and nothing ever leads outside. Missing components are kept as
    /// written. The final component is followed only when `followFinal`. Returns the path relative to `root` ("" for
    /// the root itself), with no symlink left in it (but perhaps the last component).
    public static func resolveInRoot(_ root: String, _ path: String, followFinal: Bool = true) throws -> String {
        var resolved: [String] = []
        var pending = path.split(separator: "/").map(String.init).reversed() as [String]
        var links = 0
        while let component = pending.popLast() {
            switch component {
            case "", ".": continue
            case "..":
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            default: break
            }
            let candidate = root + "/" + (resolved + [component]).joined(separator: "/")
            guard let info = try lstatOrNil(candidate), isSymlink(info), followFinal || !pending.isEmpty else {
                resolved.append(component)
                continue
            }
            links += 1
            guard links <= 40 else { throw ArchiveError.io(path: path, operation: "resolve", errno: ELOOP) }
            let target = try readLink(candidate)
            if target.hasPrefix("/") { resolved = [] }
            pending += target.split(separator: "/").map(String.init).reversed()
        }
        return resolved.joined(separator: "/")
    }

    /// Copies a regular file's bytes into a new file at `target` (which must not exist), created with `mode`: the kernel
    /// copies (copy_file_range), with a read/write loop where it cannot.
    public static func copyFile(_ source: String, to target: String, mode: mode_t = 0o600) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw ArchiveError.io(path: source, operation: "open", errno: errno) }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard output >= 0 else { throw ArchiveError.io(path: target, operation: "create", errno: errno) }
        var closed = false
        defer { if !closed { close(output) } }
        var kernelCopies = true
        while kernelCopies {
            let copied = slipway_copy_file_range(input, output, 1 << 30)
            if copied == 0 { break }
            if copied < 0 {
                guard [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP].contains(errno) else {
                    throw ArchiveError.io(path: target, operation: "copy into", errno: errno)
                }
                kernelCopies = false
            }
        }
        if !kernelCopies {
            var buffer = [UInt8](repeating: 0, count: 1 << 17)
            while true {
                let count = read(input, &buffer, buffer.count)
                if count == 0 { break }
                guard count > 0 else { throw ArchiveError.io(path: source, operation: "read", errno: errno) }
                var written = 0
                while written < count {
                    let result = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, count - written) }
                    guard result > 0 else { throw ArchiveError.io(path: target, operation: "write", errno: errno) }
                    written += result
                }
            }
        }
        closed = true
        guard close(output) == 0 else { throw ArchiveError.io(path: target, operation: "close", errno: errno) }
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
