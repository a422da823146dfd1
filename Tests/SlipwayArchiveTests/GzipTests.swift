import Foundation
import SlipwayTestSupport
import Testing

@testable import SlipwayArchive

func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let sink = MemoryWriter()
    let writer = try GzipWriter(sink)
    try writer.write(bytes)
    try writer.finish()
    return sink.bytes
}

func gunzip(_ bytes: [UInt8], chunk: Int = 7) throws -> [UInt8] {
    let reader = try GzipReader(MemoryReader(bytes))
    var out: [UInt8] = []
    while true {
        let part = try reader.read(upTo: chunk)
        if part.isEmpty { return out }
        out += part
    }
}

@Suite struct GzipTests {
    let sample: [UInt8] = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 13) }

    @Test func roundTrip() throws {
        #expect(try gunzip(try gzip(sample), chunk: 4096) == sample)
        #expect(try gunzip(try gzip([])) == [])
    }

    @Test func sameInputSameBytes() throws {
        #expect(try gzip(sample) == gzip(sample))
    }

    @Test func concatenatedMembersAreOneStream() throws {
        let a = Array("first ".utf8), b = Array("second".utf8)
        #expect(try gunzip(try gzip(a) + gzip(b)) == a + b)
    }

    @Test func truncatedStreamIsAnError() throws {
        let compressed = try gzip(sample)
        for cut in [1, 10, compressed.count / 2, compressed.count - 1] {
            #expect(throws: ArchiveError.truncated(what: "gzip stream")) {
                try gunzip(Array(compressed.prefix(cut)), chunk: 65536)
            }
        }
        #expect(throws: ArchiveError.truncated(what: "gzip stream")) { try gunzip([]) }
    }

    @Test func corruptStreamIsAnError() throws {
        var compressed = try gzip(sample)
        compressed[compressed.count / 2] ^= 0xff
        compressed[compressed.count / 2 + 1] ^= 0xff
        #expect(throws: ArchiveError.self) { try gunzip(compressed, chunk: 65536) }
        #expect(throws: ArchiveError.self) { try gunzip(Array("not gzip at all".utf8)) }
    }

    /// The system's gzip is the reference: each side reads what the other writes.
    @Test func interoperatesWithGzip() throws {
        try requireTool("gzip")
        let dir = TemporaryDirectory()
        try Data(try gzip(sample)).write(to: URL(fileURLWithPath: dir("ours.gz")))
        #expect(try run(["gzip", "-t", dir("ours.gz")]).status == 0)
        try Data(sample).write(to: URL(fileURLWithPath: dir("plain")))
        #expect(try run(["gzip", "-9", "-k", dir("plain")]).status == 0)
        #expect(try gunzip(try readFile(dir("plain.gz")), chunk: 1000) == sample)
    }
}
