import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayTestSupport
import Testing

@testable import SlipwayStore

@Suite struct BlobStoreTests {
    let dir = TemporaryDirectory("slipway-store")
    var store: BlobStore { get throws { try BlobStore(root: dir("blobs")) } }

    /// Every file under the store that is not staging, relative to it.
    func visibleFiles() throws -> [String] {
        let items = FileManager.default.enumerator(atPath: dir("blobs"))?.allObjects as? [String] ?? []
        return items.filter { !$0.hasPrefix("ingest") }.filter {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: dir("blobs/" + $0), isDirectory: &isDirectory)
            return !isDirectory.boolValue
        }
    }

    func stagingFiles() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir("blobs/ingest")) }

    @Test func storesByDigestUnderFanout() throws {
        let store = try self.store
        let (digest, size) = try store.put(Array("hello".utf8))
        #expect(digest.description == "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(size == 5)
        #expect(try visibleFiles() == ["sha256/2c/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"])
        #expect(try store.bytes(of: digest) == Array("hello".utf8))
        #expect(try store.size(of: digest) == 5)
        #expect(try store.digests() == [digest])
        #expect(try stagingFiles().isEmpty)
    }

    @Test func wrongDigestStoresNothing() throws {
        let store = try self.store
        let claimed = Digest(of: Array("something else".utf8))
        #expect(throws: StoreError.self) { try store.put(Array("hello".utf8), expected: claimed) }
        #expect(try visibleFiles().isEmpty)
        #expect(try stagingFiles().isEmpty)
    }

    @Test func sizeOverrunAndTruncationStoreNothing() throws {
        let store = try self.store
        let bytes = Array("0123456789".utf8)
        let digest = Digest(of: bytes)
        // More bytes than promised: refused at the write that overruns.
        let over = try store.beginIngest(expected: digest, expectedSize: 5)
        #expect(throws: StoreError.self) { try over.write(bytes) }
        over.abort()
        // Fewer bytes than promised (a truncated upload): refused at commit.
        let short = try store.beginIngest(expected: digest, expectedSize: 10)
        try short.write(Array(bytes.prefix(6)))
        #expect(throws: StoreError.self) { try short.commit() }
        #expect(try visibleFiles().isEmpty)
        #expect(try stagingFiles().isEmpty)
    }

    @Test func abandonedIngestLeavesNothing() throws {
        let store = try self.store
        do {
            let ingest = try store.beginIngest()
            try ingest.write(Array(repeating: 1, count: 100_000))
            #expect(try stagingFiles().count == 1)
        }  // dropped without commit, as when the client goes away
        #expect(try stagingFiles().isEmpty)
        #expect(try visibleFiles().isEmpty)
    }

    @Test func concurrentIngestsOfTheSameContentBothSucceed() async throws {
        let store = try self.store
        let bytes = [UInt8]((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let results = try await withThrowingTaskGroup(of: Digest.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let ingest = try store.beginIngest(expected: Digest(of: bytes), expectedSize: Int64(bytes.count))
                    for chunk in stride(from: 0, to: bytes.count, by: 65536) {
                        try ingest.write(Array(bytes[chunk..<min(chunk + 65536, bytes.count)]))
                    }
                    return try ingest.commit().digest
                }
            }
            return try await group.reduce(into: [Digest]()) { $0.append($1) }
        }
        #expect(Set(results) == [Digest(of: bytes)])
        #expect(try visibleFiles().count == 1)
        #expect(try store.bytes(of: Digest(of: bytes)) == bytes)
        #expect(try stagingFiles().isEmpty)
    }

    @Test func corruptedBlobFailsVerificationOnRead() throws {
        let store = try self.store
        let (digest, _) = try store.put(Array("original content".utf8))
        let path = store.path(for: digest)
        try Data("tampered content".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.digestMismatch(expected: digest, actual: Digest(of: Array("tampered content".utf8)))) {
            try store.bytes(of: digest)
        }
    }

    @Test func unknownBlobIsNamed() throws {
        let missing = Digest(of: Array("absent".utf8))
        #expect(throws: StoreError.self) { try self.store.bytes(of: missing) }
        do {
            _ = try self.store.bytes(of: missing)
        } catch {
            #expect("\(error)".contains(missing.description))
        }
    }

    @Test func staleStagingFilesAreRemoved() throws {
        let store = try self.store
        try Data("left by a killed process".utf8).write(to: URL(fileURLWithPath: dir("blobs/ingest/123-old")))
        try FileSystem.setTimes(dir("blobs/ingest/123-old"), seconds: 1000, nanoseconds: 0)
        try Data("in progress".utf8).write(to: URL(fileURLWithPath: dir("blobs/ingest/456-new")))
        try store.removeStaleIngests()
        #expect(try stagingFiles() == ["456-new"])
    }
}

extension StoreError: Equatable {
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.description == rhs.description }
}
