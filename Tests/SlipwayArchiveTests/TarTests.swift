import Foundation
import SlipwayTestSupport
import Testing

@testable import SlipwayArchive

/// Writes entries (with content for regular files) into an in-memory tar.
func makeTar(_ entries: [(TarEntry, String)]) throws -> [UInt8] {
    let sink = MemoryWriter()
    let tar = TarWriter(sink)
    for (entry, content) in entries {
        var entry = entry
        if entry.kind == .regular { entry.size = Int64(content.utf8.count) }
        try tar.append(entry, content: MemoryReader(Array(content.utf8)))
    }
    try tar.finish()
    return sink.bytes
}

/// Reads every entry and its content.
func readTar(_ bytes: [UInt8]) throws -> [(TarEntry, String)] {
    let reader = TarReader(MemoryReader(bytes))
    var out: [(TarEntry, String)] = []
    while let entry = try reader.next() {
        out.append((entry, String(decoding: try reader.content().readAll(), as: UTF8.self)))
    }
    return out
}

@Suite struct TarTests {
    @Test func everyKindRoundTrips() throws {
        var fifo = TarEntry(name: "run/pipe", kind: .fifo, mode: 0o600)
        fifo.modificationTime = 1_700_000_000
        var device = TarEntry(name: "dev/null", kind: .characterDevice, mode: 0o666)
        device.deviceMajor = 1
        device.deviceMinor = 3
        var block = TarEntry(name: "dev/sda", kind: .blockDevice, mode: 0o660)
        block.deviceMajor = 8
        block.deviceMinor = 0
        var owned = TarEntry(name: "home/app/data", kind: .regular, mode: 0o4755, uid: 1000, gid: 1001)
        owned.userName = "app"
        owned.groupName = "staff"
        let entries: [(TarEntry, String)] = [
            (TarEntry(name: "etc", kind: .directory, mode: 0o755), ""),
            (TarEntry(name: "etc/hosts", kind: .regular, modificationTime: 1_600_000_000), "127.0.0.1 localhost\n"),
            (TarEntry(name: "etc/alias", kind: .symlink, mode: 0o777, linkName: "hosts"), ""),
            (TarEntry(name: "etc/hard", kind: .hardlink, linkName: "etc/hosts"), ""),
            (fifo, ""), (device, ""), (block, ""), (owned, "x"),
        ]
        let read = try readTar(try makeTar(entries))
        #expect(read.count == entries.count)
        for ((expected, content), (actual, actualContent)) in zip(entries, read) {
            var expected = expected
            if expected.kind == .regular { expected.size = Int64(content.utf8.count) }
            #expect(actual == expected)
            #expect(actualContent == content)
        }
    }

    @Test(arguments: [
        String(repeating: "a", count: 99),
        String(repeating: "a", count: 100),
        String(repeating: "d", count: 150) + "/" + String(repeating: "f", count: 90),  // fits ustar prefix+name
        String(repeating: "d/", count: 200) + "file",  // needs PAX
        String(repeating: "x", count: 300),  // one long component: PAX
        "caf\u{E9}/\u{1F680}.txt",  // non-ASCII: PAX
    ])
    func longAndUnicodeNamesRoundTrip(name: String) throws {
        var link = TarEntry(name: "l", kind: .symlink, linkName: String(repeating: "t/", count: 80) + "target")
        link.mode = 0o777
        let read = try readTar(try makeTar([(TarEntry(name: name, kind: .regular), "body"), (link, "")]))
        #expect(read.map(\.0.name) == [name, "l"])
        #expect(read[0].1 == "body")
        #expect(read[1].0.linkName == link.linkName)
    }

    @Test func largeValuesUsePAX() throws {
        var entry = TarEntry(name: "huge.bin", kind: .regular, uid: 3_000_000, gid: 70_000_000)
        entry.size = 9 << 30  // over ustar's 8 GiB limit
        entry.modificationTime = 1_700_000_000
        entry.modificationNanoseconds = 123_456_789
        entry.xattrs = ["user.comment": Array("hi".utf8), "security.capability": [1, 0, 0, 2]]
        let sink = MemoryWriter()
        try TarWriter(sink).append(entry)  // header only: the content would be 9 GiB
        let text = String(decoding: sink.bytes, as: UTF8.self)
        #expect(text.contains("size=9663676416"))
        #expect(text.contains("uid=3000000"))
        #expect(text.contains("mtime=1700000000.123456789"))
        let parsed = try #require(try TarReader(MemoryReader(sink.bytes)).next())
        #expect(parsed == entry)
    }

    @Test func readsBase256NumbersAndGNULongNames() throws {
        // GNU tar writes long names as 'L' entries; build one by hand as GNU tar does.
        let longName = String(repeating: "n", count: 180)
        var payload = Array(longName.utf8) + [0]
        var header = [UInt8](repeating: 0, count: 512)
        TarHeader.put("././@LongLink", TarHeader.name, into: &header)
        TarHeader.putOctal(0o644, TarHeader.mode, into: &header)
        TarHeader.putOctal(Int64(payload.count), TarHeader.size, into: &header)
        header[TarHeader.typeFlag] = UInt8(ascii: "L")
        TarHeader.put("ustar  ", TarHeader.Field(offset: 257, length: 8), into: &header)
        seal(&header)
        payload += [UInt8](repeating: 0, count: 512 - payload.count)

        var file = [UInt8](repeating: 0, count: 512)
        TarHeader.put(String(longName.prefix(100)), TarHeader.name, into: &file)
        TarHeader.putOctal(0o644, TarHeader.mode, into: &file)
        // uid in base-256: 0x80 marker then big-endian value.
        file[108] = 0x80
        file[112...115] = [0x7f, 0xff, 0xff, 0xff]
        TarHeader.putOctal(3, TarHeader.size, into: &file)
        file[TarHeader.typeFlag] = UInt8(ascii: "0")
        TarHeader.put("ustar  ", TarHeader.Field(offset: 257, length: 8), into: &file)
        seal(&file)
        let body = Array("abc".utf8) + [UInt8](repeating: 0, count: 509)

        let read = try readTar(header + payload + file + body + [UInt8](repeating: 0, count: 1024))
        #expect(read.count == 1)
        #expect(read[0].0.name == longName)
        #expect(read[0].0.uid == 0x7fff_ffff)
        #expect(read[0].1 == "abc")
    }

    func seal(_ block: inout [UInt8]) {
        let sum = TarHeader.checksums(block).unsigned
        TarHeader.putOctal(sum, TarHeader.Field(offset: 148, length: 7), into: &block)
        block[155] = UInt8(ascii: " ")
    }

    @Test func badChecksumIsAnError() throws {
        var bytes = try makeTar([(TarEntry(name: "a", kind: .regular), "x")])
        bytes[0] = UInt8(ascii: "b")
        #expect(throws: ArchiveError.badHeader(offset: 0, reason: "checksum mismatch (not a tar stream?)")) {
            try readTar(bytes)
        }
    }

    @Test func truncatedArchiveIsAnError() throws {
        let bytes = try makeTar([(TarEntry(name: "file.txt", kind: .regular), String(repeating: "z", count: 2000))])
        #expect(throws: ArchiveError.truncated(what: "content of tar entry 'file.txt'")) {
            try readTar(Array(bytes.prefix(1024)))
        }
        #expect(throws: ArchiveError.truncated(what: "tar header")) {
            try readTar(Array(bytes.prefix(300)))
        }
    }

    @Test func writerRefusesShortContent() throws {
        let tar = TarWriter(MemoryWriter())
        try tar.append(TarEntry(name: "a", kind: .regular, size: 10))
        try tar.writeContent(Array("12345".utf8))
        #expect(throws: ArchiveError.self) { try tar.finish() }
    }

    /// GNU tar is the reference reader: what Slipway writes, it must list and extract unchanged.
    @Test func gnuTarReadsWhatSlipwayWrites() throws {
        try requireTool("tar")
        let dir = TemporaryDirectory()
        let longName = String(repeating: "deep/", count: 40) + "file.txt"
        var link = TarEntry(name: "link", kind: .symlink, linkName: longName)
        link.mode = 0o777
        var xattr = TarEntry(name: "attrs", kind: .regular)
        xattr.xattrs = ["user.note": Array("kept".utf8)]
        let bytes = try makeTar([
            (TarEntry(name: longName, kind: .regular, mode: 0o640, modificationTime: 1_234_567_890), "deep content"),
            (link, ""), (xattr, "a"),
        ])
        try Data(bytes).write(to: URL(fileURLWithPath: dir("out.tar")))
        let listing = try run(["tar", "-tvf", dir("out.tar")])
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains(longName))
        #expect(listing.stdout.contains("link -> " + longName))
        try FileManager.default.createDirectory(atPath: dir("x"), withIntermediateDirectories: true)
        let extract = try run(["tar", "-xf", dir("out.tar"), "-C", dir("x")])
        #expect(extract.status == 0, "\(extract.stderr)")
        #expect(try String(contentsOfFile: dir("x/" + longName), encoding: .utf8) == "deep content")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir("x/" + longName))
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
        #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_234_567_890)
    }

    /// And what GNU tar writes (GNU and POSIX formats, long names, symlinks, hardlinks), Slipway must read.
    @Test(arguments: ["gnu", "posix", "ustar"])
    func slipwayReadsWhatGNUTarWrites(format: String) throws {
        try requireTool("tar")
        let dir = TemporaryDirectory()
        let longDirectory = format == "ustar" ? "short/dir" : String(repeating: "long-directory-name/", count: 8)
        try dir.write("src/" + longDirectory + "/file.txt", "hello from gnu tar")
        try FileManager.default.createSymbolicLink(atPath: dir("src/sym"), withDestinationPath: longDirectory + "/file.txt")
        try FileManager.default.linkItem(atPath: dir("src/" + longDirectory + "/file.txt"), toPath: dir("src/hard"))
        let result = try run(["tar", "--format=\(format)", "-cf", dir("gnu.tar"), "-C", dir("src"), "."])
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try readTar(try readFile(dir("gnu.tar")))
        let byName = Dictionary(entries.map { ($0.0.name.hasPrefix("./") ? String($0.0.name.dropFirst(2)) : $0.0.name, $0) },
                                uniquingKeysWith: { a, _ in a })
        let file = try #require(byName[longDirectory + "/file.txt"] ?? byName["hard"])
        #expect(file.1 == "hello from gnu tar" || file.0.kind == .hardlink)
        let sym = try #require(byName["sym"])
        #expect(sym.0.kind == .symlink)
        #expect(sym.0.linkName == longDirectory + "/file.txt")
        #expect(entries.contains { $0.0.kind == .hardlink })
        #expect(entries.contains { $0.1 == "hello from gnu tar" })
    }
}
