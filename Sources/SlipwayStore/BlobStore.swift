#if canImport(Glibc)
import Glibc
#endif
import SlipwayArchive
import SlipwayOCI

/// Where blobs live: the seam for other storage (S3-compatible object stores) later.
public protocol BlobStorage: Sendable {
    func contains(_ digest: Digest) throws -> Bool
    /// Size in bytes, or nil when the blob is absent.
    func size(of digest: Digest) throws -> Int64?
    /// A reader of the blob's bytes that fails at the end if they do not hash to `digest`.
    func reader(for digest: Digest) throws -> any ByteReader
    /// Starts writing a blob; nothing is visible until `commit()` verified it.
    func beginIngest(expected: Digest?, expectedSize: Int64?) throws -> BlobIngest
    func delete(_ digest: Digest) throws
    func digests() throws -> [Digest]
}

/// A content-addressed blob store on disk.
///
/// Blobs are files named by their digest; an ingest writes a temporary file under `ingest/` while hashing,
/// checks size and digest, and renames it into place. Rename is atomic, so readers see a whole blob or none,
/// and two ingests of the same content both succeed with one copy kept.
public struct BlobStore: BlobStorage {
    /// How blob paths are laid out below `root`.
    public enum Layout: Sendable {
        /// `sha256/ab/abcdef…`: Slipway's own store, which keeps directories small.
        case fanout
        /// `sha256/abcdef…`: the OCI image layout's `blobs/` directory.
        case flat
    }

    public let root: String
    public let layout: Layout
    /// Where ingests stage their temporary files: on the same filesystem, so the final rename is atomic.
    public let stagingDirectory: String
    /// Whether a blob is flushed to disk (fsync) before it becomes visible. A cache that can be rebuilt (the
    /// builder's own layout) skips it; the registry's store never does.
    public let durable: Bool

    public init(root: String, layout: Layout = .fanout, stagingDirectory: String? = nil, durable: Bool = true) throws {
        self.root = root
        self.layout = layout
        self.durable = durable
        self.stagingDirectory = stagingDirectory ?? root + "/ingest"
        try FileSystem.makeDirectories(root)
        try FileSystem.makeDirectories(self.stagingDirectory)
    }

    public func path(for digest: Digest) -> String {
        switch layout {
        case .fanout: "\(root)/\(digest.algorithm.rawValue)/\(digest.hex.prefix(2))/\(digest.hex)"
        case .flat: "\(root)/\(digest.algorithm.rawValue)/\(digest.hex)"
        }
    }

    public func contains(_ digest: Digest) throws -> Bool { try size(of: digest) != nil }

    public func size(of digest: Digest) throws -> Int64? {
        var info = stat()
        if stat(path(for: digest), &info) == 0 { return Int64(info.st_size) }
        if errno == ENOENT { return nil }
        throw StoreError.io(path: path(for: digest), operation: "stat", errno: errno)
    }

    public func reader(for digest: Digest) throws -> any ByteReader {
        try VerifyingReader(try rawReader(for: digest), expected: digest)
    }

    /// A reader that does not verify, for callers that hash the bytes themselves.
    public func rawReader(for digest: Digest) throws -> FileReader {
        do {
            return try FileReader(path: path(for: digest))
        } catch ArchiveError.io(_, _, let code) where code == ENOENT {
            throw StoreError.blobUnknown(digest)
        }
    }

    /// Reads a small blob (a manifest or a config) whole, verifying its digest.
    public func bytes(of digest: Digest) throws -> [UInt8] {
        try reader(for: digest).readAll()
    }

    public func beginIngest(expected: Digest? = nil, expectedSize: Int64? = nil) throws -> BlobIngest {
        try BlobIngest(store: self, expected: expected, expectedSize: expectedSize)
    }

    /// Stores bytes held in memory; returns their descriptor fields.
    @discardableResult
    public func put(_ bytes: [UInt8], expected: Digest? = nil) throws -> (digest: Digest, size: Int64) {
        let ingest = try beginIngest(expected: expected, expectedSize: expected == nil ? nil : Int64(bytes.count))
        try ingest.write(bytes)
        return try ingest.commit()
    }

    public func delete(_ digest: Digest) throws {
        if unlink(path(for: digest)) != 0, errno != ENOENT {
            throw StoreError.io(path: path(for: digest), operation: "delete", errno: errno)
        }
    }

    public func digests() throws -> [Digest] {
        var out: [Digest] = []
        for algorithm in Digest.Algorithm.allCases {
            let base = "\(root)/\(algorithm.rawValue)"
            let directories = layout == .fanout ? (try? FileSystem.list(base))?.map { base + "/" + $0 } ?? [] : [base]
            for directory in directories {
                for name in (try? FileSystem.list(directory)) ?? [] {
                    if let digest = try? Digest(parsing: "\(algorithm.rawValue):\(name)") { out.append(digest) }
                }
            }
        }
        return out.sorted()
    }

    /// Removes staging files that an interrupted process left behind (older than `age` seconds).
    public func removeStaleIngests(olderThan age: Int64 = 24 * 3600) throws {
        let now = Int64(time(nil))
        for name in try FileSystem.list(stagingDirectory) {
            var info = stat()
            let path = stagingDirectory + "/" + name
            if lstat(path, &info) == 0, now - Int64(info.st_mtim.tv_sec) > age { unlink(path) }
        }
    }
}

/// One blob being written: hashed as it streams to a staging file, then verified and renamed into place.
/// Dropping an ingest that was not committed removes its staging file.
public final class BlobIngest: ByteWriter {
    private let store: BlobStore
    private let expected: Digest?
    private let expectedSize: Int64?
    private let stagingPath: String
    private var file: FileWriter?
    private var digester: Digester

    init(store: BlobStore, expected: Digest?, expectedSize: Int64?) throws {
        self.store = store
        self.expected = expected
        self.expectedSize = expectedSize
        self.digester = Digester(algorithm: expected?.algorithm ?? .sha256)
        var random = SystemRandomNumberGenerator()
        stagingPath = store.stagingDirectory + "/\(getpid())-\(String(random.next(), radix: 36))"
        do {
            file = try FileWriter(path: stagingPath, mode: 0o644)
        } catch ArchiveError.io(let path, let operation, let code) {
            throw StoreError.io(path: path, operation: operation, errno: code)
        }
    }

    deinit { abort() }

    /// Bytes written so far.
    public var count: Int64 { digester.count }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let file else { throw StoreError.io(path: stagingPath, operation: "write after commit to", errno: EBADF) }
        if let expectedSize, digester.count + Int64(bytes.count) > expectedSize {
            throw StoreError.sizeMismatch(expected ?? digester.finalize(), expected: expectedSize,
                                          actual: digester.count + Int64(bytes.count))
        }
        digester.update(bytes)
        try file.write(bytes)
    }

    /// Verifies what was written and makes it visible; returns its digest and size. `expected` (when the
    /// digest is known only at the end, as in a chunked upload) overrides the one given at the start.
    @discardableResult
    public func commit(expected: Digest? = nil) throws -> (digest: Digest, size: Int64) {
        let expected = expected ?? self.expected
        if let expected, expected.algorithm != digester.algorithm {
            abort()
            throw StoreError.unsupportedAlgorithm(expected, hashedWith: digester.algorithm)
        }
        guard let file else { throw StoreError.io(path: stagingPath, operation: "commit twice", errno: EBADF) }
        defer { abort() }
        try file.close(sync: store.durable)
        self.file = nil
        let digest = digester.finalize()
        if let expectedSize, digester.count != expectedSize {
            throw StoreError.sizeMismatch(expected ?? digest, expected: expectedSize, actual: digester.count)
        }
        if let expected, expected != digest { throw StoreError.digestMismatch(expected: expected, actual: digest) }
        let destination = store.path(for: digest)
        try FileSystem.makeDirectories(String(destination[..<destination.lastIndex(of: "/")!]))
        guard rename(stagingPath, destination) == 0 else {
            throw StoreError.io(path: destination, operation: "rename into place", errno: errno)
        }
        return (digest, digester.count)
    }

    /// Abandons the ingest; nothing becomes visible.
    public func abort() {
        file = nil
        unlink(stagingPath)
    }
}

/// Passes bytes through and, at the end of the stream, fails unless they hashed to the expected digest.
public final class VerifyingReader: ByteReader {
    private let source: any ByteReader
    private let expected: Digest
    private var digester: Digester
    private var done = false

    public init(_ source: any ByteReader, expected: Digest) {
        self.source = source
        self.expected = expected
        self.digester = Digester(algorithm: expected.algorithm)
    }

    public func read(upTo maxLength: Int) throws -> [UInt8] {
        guard !done else { return [] }
        let chunk = try source.read(upTo: maxLength)
        if chunk.isEmpty {
            done = true
            let actual = digester.finalize()
            guard actual == expected else { throw StoreError.digestMismatch(expected: expected, actual: actual) }
            return []
        }
        digester.update(chunk)
        return chunk
    }
}
