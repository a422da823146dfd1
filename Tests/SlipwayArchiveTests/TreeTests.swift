import Foundation
import SlipwayTestSupport
import Testing

@testable import SlipwayArchive

func layerBytes(_ root: String, options: LayerOptions = LayerOptions()) throws -> [UInt8] {
    let sink = MemoryWriter()
    let tar = TarWriter(sink)
    try TreeArchiver(root: root, options: options).write(to: tar)
    try tar.finish()
    return sink.bytes
}

/// A listing of a tree with the metadata a layer carries, to compare two trees.
func snapshot(_ root: String) throws -> [String] {
    try TreeArchiver(root: root).allPaths().map { path in
        var info = stat()
        lstat(root + "/" + path, &info)
        var line = "\(path) mode=\(String(info.st_mode, radix: 8)) uid=\(info.st_uid) gid=\(info.st_gid)"
        if info.st_mode & S_IFMT == S_IFREG {
            line += " size=\(info.st_size) content=\(String(decoding: try readFile(root + "/" + path), as: UTF8.self))"
        } else if info.st_mode & S_IFMT == S_IFLNK {
            line += " -> " + (try FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + path))
        }
        return line
    }
}

func makeTree(_ dir: TemporaryDirectory, _ name: String) throws {
    try dir.write("\(name)/etc/app.conf", "port=8080\n")
    try dir.write("\(name)/srv/www/index.html", "<h1>hi</h1>")
    try dir.write("\(name)/bin/run", "#!/bin/sh\nexec app\n", mode: 0o755)
    try FileManager.default.createSymbolicLink(atPath: dir("\(name)/bin/start"), withDestinationPath: "run")
    try FileManager.default.linkItem(atPath: dir("\(name)/bin/run"), toPath: dir("\(name)/bin/run2"))
}

@Suite struct TreeTests {
    @Test func copyFileCopiesEveryByteAndNeverOverwrites() throws {
        let work = TemporaryDirectory("slipway-copyfile")
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<(3 << 20) + 17).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(bytes).write(to: URL(fileURLWithPath: work("source")))
        try FileSystem.copyFile(work("source"), to: work("copy"), mode: 0o640)
        #expect(try Data(contentsOf: URL(fileURLWithPath: work("copy"))) == Data(bytes))
        #expect(try FileSystem.lstatOrNil(work("copy")).map { $0.st_mode & 0o777 } == 0o640)
        try Data().write(to: URL(fileURLWithPath: work("empty")))
        try FileSystem.copyFile(work("empty"), to: work("empty-copy"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: work("empty-copy"))).isEmpty)
        #expect(throws: ArchiveError.self) { try FileSystem.copyFile(work("source"), to: work("copy")) }
        #expect(throws: ArchiveError.self) { try FileSystem.copyFile(work("missing"), to: work("other")) }
    }

    @Test func sameTreeSameLayer() throws {
        let dir = TemporaryDirectory()
        try makeTree(dir, "a")
        let first = try layerBytes(dir("a"))
        #expect(try layerBytes(dir("a")) == first)
        let entries = try readTar(first).map(\.0)
        #expect(entries.map(\.name) == ["bin", "bin/run", "bin/run2", "bin/start", "etc", "etc/app.conf", "srv",
                                        "srv/www", "srv/www/index.html"])
        #expect(entries[2].kind == .hardlink && entries[2].linkName == "bin/run")
        #expect(entries.allSatisfy { $0.userName.isEmpty && $0.groupName.isEmpty })
    }

    /// With SOURCE_DATE_EPOCH, two copies of a tree made at different times give identical layers.
    @Test func sourceDateEpochClampsTimes() throws {
        let dir = TemporaryDirectory()
        try makeTree(dir, "a")
        try makeTree(dir, "b")
        for path in try TreeArchiver(root: dir("b")).allPaths() {
            try FileSystem.setTimes(dir("b/" + path), seconds: 2_000_000_000 + 17, nanoseconds: 5)
        }
        let options = LayerOptions(sourceDateEpoch: 1_000_000_000)
        #expect(try layerBytes(dir("a")) != layerBytes(dir("b")))
        #expect(try layerBytes(dir("a"), options: options) == layerBytes(dir("b"), options: options))
        #expect(try readTar(try layerBytes(dir("b"), options: options)).allSatisfy { $0.0.modificationTime == 1_000_000_000 })
    }

    @Test func ownersAreRecorded() throws {
        guard geteuid() == 0 else { return }  // chown needs root; CI runs as root
        let dir = TemporaryDirectory()
        try dir.write("t/owned", "x")
        chown(dir("t/owned"), 1234, 5678)
        let entry = try #require(try readTar(try layerBytes(dir("t"))).first?.0)
        #expect(entry.uid == 1234 && entry.gid == 5678)
    }

    /// A layer of the tree, extracted, gives the tree back.
    @Test func layerRoundTripsThroughExtraction() throws {
        let dir = TemporaryDirectory()
        try makeTree(dir, "a")
        let layer = try layerBytes(dir("a"))
        try Extractor.unpack(layers: [{ MemoryReader(layer) }], to: dir("copy"))
        #expect(try snapshot(dir("copy")) == snapshot(dir("a")))
    }

    /// The diff of two trees, applied on the lower tree, gives the upper tree.
    @Test func diffTurnsLowerIntoUpper() throws {
        let dir = TemporaryDirectory()
        try makeTree(dir, "lower")
        try dir.write("lower/var/cache/a", "1")
        try dir.write("lower/var/cache/b", "2")
        // The upper tree starts as an exact copy (times included), as a build step's snapshot does.
        #expect(try run(["cp", "-a", dir("lower"), dir("upper")]).status == 0)
        try dir.write("upper/etc/app.conf", "port=9090\n")  // changed
        try FileManager.default.removeItem(atPath: dir("upper/srv"))  // a whole directory deleted
        try FileManager.default.removeItem(atPath: dir("upper/var/cache/a"))  // one file deleted
        try FileSystem.setTimes(dir("upper/var/cache/b"), seconds: 1, nanoseconds: 0)  // touched: counts as changed
        try dir.write("upper/var/log/new.log", "added")
        try FileManager.default.removeItem(atPath: dir("upper/bin/start"))
        try FileManager.default.createSymbolicLink(atPath: dir("upper/bin/start"), withDestinationPath: "run2")

        let diff = try TreeDiff(lower: dir("lower"), upper: dir("upper"))
        #expect(diff.deleted == ["srv", "var/cache/a"])
        #expect(diff.changed.contains("etc/app.conf"))
        #expect(diff.changed.contains("var/log/new.log"))
        #expect(diff.changed.contains("bin/start"))
        #expect(diff.changed.contains("var/cache/b"))
        #expect(!diff.changed.contains("bin/run") && !diff.changed.contains("bin/run2"))

        let sink = MemoryWriter()
        let tar = TarWriter(sink)
        try diff.write(upper: dir("upper"), to: tar)
        try tar.finish()
        let names = try readTar(sink.bytes).map(\.0.name)
        #expect(names.contains(".wh.srv") && names.contains("var/cache/.wh.a"))

        let lowerLayer = try layerBytes(dir("lower"))
        try Extractor.unpack(layers: [{ MemoryReader(lowerLayer) }, { MemoryReader(sink.bytes) }], to: dir("result"))
        #expect(try snapshot(dir("result")) == snapshot(dir("upper")))
    }
}

@Suite struct ResolveInRootTests {
    @Test func linksAndDotDotStayInsideTheRoot() throws {
        let work = TemporaryDirectory("slipway-inroot")
        try FileManager.default.createDirectory(atPath: work("root/real/deeper"), withIntermediateDirectories: true)
        let links = [("abs", "/real"), ("up", "../../../../real"), ("host", "/etc"), ("loop", "loop"), ("file", "real/deeper")]
        for (name, target) in links {
            try FileManager.default.createSymbolicLink(atPath: work("root/\(name)"), withDestinationPath: target)
        }
        let root = work("root")
        #expect(try FileSystem.resolveInRoot(root, "abs/deeper") == "real/deeper")
        #expect(try FileSystem.resolveInRoot(root, "up/deeper") == "real/deeper")
        #expect(try FileSystem.resolveInRoot(root, "../../etc/passwd") == "etc/passwd")
        #expect(try FileSystem.resolveInRoot(root, "host/passwd") == "etc/passwd")  // the root's /etc, absent here
        #expect(try FileSystem.resolveInRoot(root, "abs", followFinal: false) == "abs")
        #expect(try FileSystem.resolveInRoot(root, "abs") == "real")
        #expect(try FileSystem.resolveInRoot(root, "missing/child") == "missing/child")
        #expect(try FileSystem.resolveInRoot(root, "/") == "")
        #expect(throws: ArchiveError.self) { try FileSystem.resolveInRoot(root, "loop/x") }
    }
}
