import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An opened asset file with its validators. The descriptor is owned by whoever holds this and
/// must be closed with `AssetResponder.close(_:)`.
struct AssetFile: Sendable {
    var descriptor: CInt
    var size: Int64
    var modifiedSeconds: Int
    var etag: String
    var contentType: String
}

/// Blocking file-system work for the asset route, run on a small thread pool so event loops
/// never block on disk. The HTTP side (headers, streaming) lives in `DownstreamHandler`.
final class AssetResponder: Sendable {
    static let chunkSize = 64 * 1024
    let threadPool: NIOThreadPool
    private let allocator = ByteBufferAllocator()

    init(threadPool: NIOThreadPool) {
        self.threadPool = threadPool
    }

    /// Finds and opens `segments` in the first root that has it as a regular file.
    func open(segments: [String], roots: [String], eventLoop: any EventLoop) -> EventLoopFuture<AssetFile?> {
        threadPool.runIfActive(eventLoop: eventLoop) {
            for root in roots {
                if let file = Self.openBlocking(segments: segments, root: root) { return file }
            }
            return nil
        }
    }

    func read(_ file: AssetFile, offset: Int64, eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer> {
        let allocator = self.allocator
        return threadPool.runIfActive(eventLoop: eventLoop) {
            let count = Int(min(Int64(Self.chunkSize), file.size - offset))
            var buffer = allocator.buffer(capacity: count)
            let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw -> Int in
                let n = pread(file.descriptor, raw.baseAddress, count, off_t(offset))
                if n < 0 { throw AssetError.readFailed(errno: errno) }
                return n
            }
            if read == 0 { throw AssetError.truncated }
            return buffer
        }
    }

    func close(_ file: AssetFile) {
        _ = SlipwayProxy.closeDescriptor(file.descriptor)
    }

    /// Resolves symlinks with `realpath` and insists the result is still inside the (also
    /// resolved) root: a symlink in the image pointing at `/etc/passwd` is a 404, not a leak.
    static func openBlocking(segments: [String], root: String) -> AssetFile? {
        guard let realRoot = realPath(root) else { return nil }
        let candidate = realRoot + "/" + segments.joined(separator: "/")
        guard let resolved = realPath(candidate) else { return nil }
        let rootPrefix = realRoot.hasSuffix("/") ? realRoot : realRoot + "/"
        guard resolved.hasPrefix(rootPrefix) else { return nil }
        let fd = SlipwayProxy.openReadOnly(resolved)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            _ = closeDescriptor(fd)
            return nil
        }
        #if canImport(Darwin)
        let seconds = Int(info.st_mtimespec.tv_sec)
        let nanos = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        #else
        let seconds = Int(info.st_mtim.tv_sec)
        let nanos = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        #endif
        let size = Int64(info.st_size)
        return AssetFile(
            descriptor: fd,
            size: size,
            modifiedSeconds: seconds,
            etag: AssetPath.etag(size: size, modifiedNanos: nanos),
            contentType: AssetPath.contentType(forPath: resolved)
        )
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

enum AssetError: Error, CustomStringConvertible {
    case readFailed(errno: CInt)
    case truncated

    var description: String {
        switch self {
        case .readFailed(let code): "asset read failed (errno \(code))"
        case .truncated: "asset file shrank while being served"
        }
    }
}

func openReadOnly(_ path: String) -> CInt {
    open(path, O_RDONLY | O_CLOEXEC)
}

func closeDescriptor(_ fd: CInt) -> CInt {
    close(fd)
}
