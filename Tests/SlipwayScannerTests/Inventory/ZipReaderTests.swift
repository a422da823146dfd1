import Foundation
import SlipwayScanner
import Testing

/// Files zipped by Info-ZIP `zip` at test time, and their original contents.
struct ZipFixture: Sendable {
    let files: [String: Data]
    /// "stored", "deflated", "zip64", "prefixed", "streamed", "bomb", "many" → archive.
    let archives: [String: Data]

    static let shared: Result<ZipFixture, SetupError> = {
        do {
            return .success(try build())
        } catch let error as SetupError {
            return .failure(error)
        } catch {
            return .failure(SetupError(description: "building the zip test archives: \(error)"))
        }
    }()

    static func build() throws -> ZipFixture {
        let zip = try tool("zip", debianPackage: "zip")
        let root = try temporaryDirectory("zip")
        defer { try? FileManager.default.removeItem(at: root) }
        let content = root.appendingPathComponent("content")
        var generator = SeededGenerator(seed: 42)
        var files: [String: Data] = [
            "hello.txt": Data("hello, zip\n".utf8),
            "empty.txt": Data(),
            "dir/random.bin": Data((0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }),
            "dir/repetitive.json":
                Data(String(repeating: #"{"id":"GHSA-xxxx","modified":"2024-01-01"}"#, count: 5000).utf8),
            "ünïcode name.txt": Data("names in UTF-8\n".utf8),
        ]
        for (name, data) in files {
            let url = content.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            try data.write(to: url)
        }
        var archives: [String: Data] = [:]
        func archive(_ name: String, _ options: [String]) throws {
            let url = root.appendingPathComponent(name + ".zip")
            try run(zip, ["-q", "-r", "-X"] + options + [url.path, "."], in: content)
            archives[name] = try Data(contentsOf: url)
        }
        try archive("stored", ["-0"])
        try archive("deflated", ["-9"])
        try archive("zip64", ["-fz"])

        // A launch script in front of the archive, as executable jars and self-extractors have.
        var prefixed = Data("#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n".utf8)
        prefixed.append(try #require(archives["deflated"]))
        archives["prefixed"] = prefixed

        // Standard input: zip writes sizes after the data (a data descriptor) and ZIP64 local fields.
        let streamed = root.appendingPathComponent("streamed.zip")
        try run("/bin/sh", ["-c", "head -c 70000 /dev/zero | '\(zip)' -q '\(streamed.path)' -"])
        archives["streamed"] = try Data(contentsOf: streamed)
        files["-"] = Data(count: 70000)

        // 50 MB of zeros deflate to about 50 KB.
        let bomb = root.appendingPathComponent("bomb")
        try FileManager.default.createDirectory(at: bomb, withIntermediateDirectories: true)
        try Data(count: 50 << 20).write(to: bomb.appendingPathComponent("zeros"))
        let bombZip = root.appendingPathComponent("bomb.zip")
        try run(zip, ["-q", "-9", bombZip.path, "zeros"], in: bomb)
        archives["bomb"] = try Data(contentsOf: bombZip)

        // Many small JSON documents, as osv.dev's per-ecosystem archives hold.
        let many = root.appendingPathComponent("many")
        try FileManager.default.createDirectory(at: many, withIntermediateDirectories: true)
        for index in 0..<3000 {
            try Data(#"{"id":"OSV-\#(index)","summary":"advisory \#(index)","affected":[]}"#.utf8)
                .write(to: many.appendingPathComponent("OSV-\(index).json"))
        }
        let manyZip = root.appendingPathComponent("many.zip")
        try run(zip, ["-q", "-r", manyZip.path, "."], in: many)
        archives["many"] = try Data(contentsOf: manyZip)
        return ZipFixture(files: files, archives: archives)
    }

    func data(_ name: String) throws -> Data {
        try #require(archives[name])
    }
}

@Suite("ZipReader")
struct ZipReaderTests {
    func fixture() throws -> ZipFixture {
        try ZipFixture.shared.get()
    }

    @Test("archives written by zip: stored, deflated, ZIP64, with a prefix", arguments: [
        "stored", "deflated", "zip64", "prefixed",
    ])
    func readsZip(kind: String) throws {
        let zip = try fixture()
        let archive = try ZipArchive(data: try zip.data(kind))
        let files = archive.entries.filter { !$0.isDirectory }
        #expect(Set(files.map(\.name)) == Set(zip.files.keys).subtracting(["-"]))
        #expect(archive.entries.contains { $0.name == "dir/" && $0.isDirectory })
        for entry in files {
            let contents = try archive.contents(of: entry, limit: 1 << 20)
            #expect(contents == zip.files[entry.name], "\(kind): \(entry.name)")
        }
        let methods = Set(files.filter { $0.uncompressedSize > 100 }.map(\.method))
        #expect(methods == (kind == "stored" ? [0] : [8]))
        #expect(archive.entry(named: "hello.txt")?.crc32 == crc32(Array("hello, zip\n".utf8)))
    }

    @Test("a streamed entry with a data descriptor and ZIP64 local sizes")
    func streamed() throws {
        let zip = try fixture()
        let archive = try ZipArchive(data: try zip.data("streamed"))
        let entry = try #require(archive.entry(named: "-"))
        #expect(try archive.contents(of: entry, limit: 1 << 20) == Data(count: 70000))
    }

    @Test("a zip bomb stops at the limit, before inflating")
    func bomb() throws {
        let zip = try fixture()
        let data = try zip.data("bomb")
        #expect(data.count < 200_000)
        let archive = try ZipArchive(data: data)
        let entry = try #require(archive.entry(named: "zeros"))
        #expect(throws: ZipError.tooLarge(entry: "zeros", size: 50 << 20, limit: 1 << 20)) {
            try archive.contents(of: entry, limit: 1 << 20)
        }
        #expect(try archive.contents(of: entry, limit: 64 << 20).count == 50 << 20)
    }

    @Test("an entry that inflates to more than it declares is refused")
    func lyingSize() throws {
        let zip = try fixture()
        var bytes = [UInt8](try zip.data("bomb"))
        // Central directory entry: uncompressed size at +24; say 1000 bytes instead of 50 MB.
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        let at = try #require((0..<(bytes.count - 4)).last { Array(bytes[$0..<($0 + 4)]) == signature })
        bytes.replaceSubrange((at + 24)..<(at + 28), with: [0xE8, 0x03, 0, 0])
        let archive = try ZipArchive(data: Data(bytes))
        let entry = try #require(archive.entries.first)
        #expect(entry.uncompressedSize == 1000)
        #expect {
            try archive.contents(of: entry, limit: 1 << 20)
        } throws: { error in
            "\(error)".contains("more than the 1000 bytes")
        }
    }

    @Test("thousands of entries, read one by one from the same archive")
    func many() throws {
        let zip = try fixture()
        let data = try zip.data("many")
        let clock = ContinuousClock()
        let start = clock.now
        let archive = try ZipArchive(data: data)
        #expect(archive.entries.count == 3000)
        var total = 0
        for entry in archive.entries {
            let json = try archive.contents(of: entry, limit: 1 << 20)
            #expect(json.first == UInt8(ascii: "{"))
            total += json.count
        }
        #expect(total > 100_000)
        #expect(clock.now - start < .seconds(10))
    }

    @Test("hostile and odd names are returned exactly as written")
    func hostileNames() throws {
        let names = ["../../etc/passwd", "/absolute/path", "a/../../b", "dir/", "C:\\windows\\evil.dll", ""]
        let data = makeStoredZip(names.map { ($0, Array("x".utf8)) })
        let archive = try ZipArchive(data: data)
        #expect(archive.entries.map(\.name) == names)
        #expect(try archive.contents(of: archive.entries[0], limit: 10) == Data("x".utf8))
    }

    @Test("a hand-written archive behind a prefix, and an empty archive")
    func handWritten() throws {
        let data = makeStoredZip([("a.txt", Array("alpha".utf8)), ("b.txt", [])],
                                 prefix: Array(repeating: 0x41, count: 1000))
        let archive = try ZipArchive(data: data)
        #expect(try archive.contents(of: try #require(archive.entry(named: "a.txt")), limit: 100) == Data("alpha".utf8))
        #expect(try archive.contents(of: try #require(archive.entry(named: "b.txt")), limit: 100).isEmpty)
        let empty = try ZipArchive(data: makeStoredZip([]))
        #expect(empty.entries.isEmpty)
        // A slice of a bigger buffer (non-zero startIndex) reads the same.
        let padded = Data([1, 2, 3]) + data
        let slice = padded[3...]
        let sliced = try ZipArchive(data: slice)
        #expect(try sliced.contents(of: try #require(sliced.entry(named: "a.txt")), limit: 100) == Data("alpha".utf8))
    }

    @Test("truncated archives throw clear errors")
    func truncated() throws {
        let zip = try fixture()
        let data = try zip.data("deflated")
        #expect(throws: ZipError.self) { try ZipArchive(data: Data()) }
        #expect {
            try ZipArchive(data: data.prefix(data.count - 30))
        } throws: { error in
            "\(error)".contains("end of central directory")
        }
        // Cut in the middle: the end record is found no more, or the directory points past the data.
        for length in stride(from: 22, to: data.count, by: max(1, data.count / 97)) {
            #expect(throws: ZipError.self, "length \(length)") { try ZipArchive(data: data.prefix(length)) }
        }
        // Keep the directory but lose the entries' data: reading the entries fails, listing does not.
        let archive = try ZipArchive(data: data)
        let directoryStart = try #require(archive.entries.map(\.localHeaderOffset).max())
        var hollow = data
        hollow.replaceSubrange(0..<Int(directoryStart), with: Data(count: Int(directoryStart)))
        let damaged = try ZipArchive(data: hollow)
        let first = try #require(damaged.entries.first { $0.localHeaderOffset == 0 })
        #expect {
            try damaged.contents(of: first, limit: 1 << 20)
        } throws: { error in
            "\(error)".contains("bad signature")
        }
    }

    @Test("corrupt data: CRC mismatch for stored entries, inflate errors for deflated ones")
    func corrupt() throws {
        let zip = try fixture()
        for kind in ["stored", "deflated"] {
            var bytes = [UInt8](try zip.data(kind))
            let archive = try ZipArchive(data: Data(bytes))
            let entry = try #require(archive.entry(named: "dir/repetitive.json"))
            // Flip a byte in the middle of the entry's data.
            let header = Int(entry.localHeaderOffset)
            let nameLength = Int(bytes[header + 26]) | Int(bytes[header + 27]) << 8
            let extraLength = Int(bytes[header + 28]) | Int(bytes[header + 29]) << 8
            let middle = header + 30 + nameLength + extraLength + Int(entry.compressedSize) / 2
            bytes[middle] ^= 0xFF
            let damaged = try ZipArchive(data: Data(bytes))
            let target = try #require(damaged.entry(named: "dir/repetitive.json"))
            #expect(throws: ZipError.self, "\(kind)") { try damaged.contents(of: target, limit: 1 << 20) }
            if kind == "stored" {
                #expect {
                    try damaged.contents(of: target, limit: 1 << 20)
                } throws: { error in
                    if case ZipError.checksumMismatch = error { return true }
                    return false
                }
            }
        }
    }

    @Test("random bytes and damaged directories never crash", arguments: 0..<8)
    func fuzz(seed: Int) throws {
        let zip = try fixture()
        var generator = SeededGenerator(seed: UInt64(seed))
        var bytes = [UInt8](try zip.data(seed % 2 == 0 ? "deflated" : "zip64"))
        for _ in 0..<(1 + seed * 3) {
            let index = Int.random(in: max(0, bytes.count - 600)..<bytes.count, using: &generator)
            bytes[index] = UInt8.random(in: 0...255, using: &generator)
        }
        if let archive = try? ZipArchive(data: Data(bytes)) {
            for entry in archive.entries {
                _ = try? archive.contents(of: entry, limit: 1 << 20)
            }
        }
        let noise = Data((0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        #expect(throws: ZipError.self) { try ZipArchive(data: noise) }
    }
}
