import Foundation

/// An advisory lock on a file (flock), held while a closure runs or for a process's lifetime.
public final class FileLock: Sendable {
    let descriptor: Int32

    /// Takes the lock without waiting; nil when another process holds it.
    public static func tryExclusive(_ path: String) throws -> FileLock? {
        let descriptor = try open(path)
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return FileLock(descriptor: descriptor)
    }

    /// Whether another process holds the lock now (taking it for an instant to see).
    public static func isHeld(_ path: String) throws -> Bool { try tryExclusive(path) == nil }

    public static func withExclusive<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let descriptor = try open(path)
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw PipelineError("cannot lock \(path): \(String(cString: strerror(errno)))") }
        }
        return try body()
    }

    private static func open(_ path: String) throws -> Int32 {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw PipelineError("cannot open \(path): \(String(cString: strerror(errno)))") }
        return descriptor
    }

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }
}
