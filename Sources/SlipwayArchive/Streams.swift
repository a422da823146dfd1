#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A source of bytes read in chunks, so that archives of any size stream through bounded memory.
public protocol ByteReader: AnyObject {
    /// Returns up to `maxLength` bytes; an empty array means the end of the stream.
    func read(upTo maxLength: Int) throws -> [UInt8]
}

/// A sink of bytes.
public protocol ByteWriter: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension ByteWriter {
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// The chunk size streams use: large enough for throughput, small enough to keep memory flat.
public let streamChunkSize = 64 * 1024

extension ByteReader {
    /// Copies everything that remains into `writer`; returns the number of bytes copied.
    @discardableResult
    public func copy(to writer: some ByteWriter) throws -> Int64 {
        var total: Int64 = 0
        while true {
            let chunk = try read(upTo: streamChunkSize)
            if chunk.isEmpty { return total }
            try writer.write(chunk)
            total += Int64(chunk.count)
        }
    }

    /// Reads the whole stream into memory; for small documents only.
    public func readAll() throws -> [UInt8] {
        let sink = MemoryWriter()
        try copy(to: sink)
        return sink.bytes
    }
}

/// Reads from bytes held in memory.
public final class MemoryReader: ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(upTo maxLength: Int) throws -> [UInt8] {
        let end = min(bytes.count, offset + maxLength)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

/// Collects written bytes in memory.
public final class MemoryWriter: ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }
}

/// Passes every written chunk to a closure: a hasher, a counter, another writer.
public final class CallbackWriter: ByteWriter {
    private let body: (UnsafeRawBufferPointer) throws -> Void
    public init(_ body: @escaping (UnsafeRawBufferPointer) throws -> Void) { self.body = body }
    public func write(_ bytes: UnsafeRawBufferPointer) throws { try body(bytes) }
}

/// Reads a file through its descriptor. The reader owns the descriptor and closes it.
public final class FileReader: ByteReader {
    public let path: String
    private let fd: Int32

    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError.io(path: path, operation: "open", errno: errno) }
        self.path = path
        self.fd = fd
    }

    /// Reads standard input or another descriptor the caller owns; it is not closed.
    public init(borrowing fd: Int32, name: String) {
        self.path = name
        self.fd = dup(fd)
    }

    deinit { close(fd) }

    /// Moves to `offset` bytes from the start of the file.
    public func seek(to offset: Int64) throws {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else {
            throw ArchiveError.io(path: path, operation: "seek in", errno: errno)
        }
    }

    /// Reads into caller-provided memory (no intermediate copy); returns the count, 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw ArchiveError.io(path: path, operation: "read", errno: errno)
        }
    }

    public func read(upTo maxLength: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maxLength)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, maxLength) }
            if count >= 0 {
                buffer.removeLast(maxLength - count)
                return buffer
            }
            if errno == EINTR { continue }
            throw ArchiveError.io(path: path, operation: "read", errno: errno)
        }
    }
}

/// Writes a file through its descriptor. The writer owns the descriptor and closes it.
public final class FileWriter: ByteWriter {
    public let path: String
    private var fd: Int32

    /// Creates `path`, which must not exist yet unless `truncate` is set.
    public init(path: String, mode: mode_t = 0o644, truncate: Bool = false) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (truncate ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode)
        guard fd >= 0 else { throw ArchiveError.io(path: path, operation: "create", errno: errno) }
        self.path = path
        self.fd = fd
    }

    /// Writes to standard output or another descriptor the caller owns; it is not closed.
    public init(borrowing fd: Int32, name: String) {
        self.path = name
        self.fd = dup(fd)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw ArchiveError.io(path: path, operation: "write", errno: errno)
            }
            offset += count
        }
    }

    /// Flushes the file to stable storage and closes it.
    public func close(sync: Bool = false) throws {
        guard fd >= 0 else { return }
        defer { fd = -1 }
        if sync, fsync(fd) != 0 { throw ArchiveError.io(path: path, operation: "fsync", errno: errno) }
        if Glibc.close(fd) != 0 { throw ArchiveError.io(path: path, operation: "close", errno: errno) }
    }
}

/// Reads exact amounts from another reader, buffering what it over-reads.
final class BufferedReader {
    private let source: any ByteReader
    private var buffer: [UInt8] = []
    private var start = 0
    /// Bytes handed out so far, for error messages.
    private(set) var offset: Int64 = 0

    init(_ source: any ByteReader) { self.source = source }

    private var available: Int { buffer.count - start }

    private func fill(_ wanted: Int) throws -> Bool {
        while available < wanted {
            let chunk = try source.read(upTo: max(streamChunkSize, wanted - available))
            if chunk.isEmpty { return false }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            buffer.append(contentsOf: chunk)
        }
        return true
    }

    /// Exactly `count` bytes, or nil at a clean end of stream; an end part-way through is `truncated`.
    func readExactly(_ count: Int, what: String) throws -> [UInt8]? {
        if try !fill(count) {
            if available == 0 { return nil }
            throw ArchiveError.truncated(what: what)
        }
        return take(count)
    }

    /// Up to `count` bytes (fewer only at end of stream).
    func read(upTo count: Int) throws -> [UInt8] {
        if available == 0 { _ = try fill(1) }
        return take(min(count, available))
    }

    private func take(_ count: Int) -> [UInt8] {
        let out = Array(buffer[start..<start + count])
        start += count
        offset += Int64(count)
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return out
    }
}
