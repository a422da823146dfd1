import Foundation
import SlipwayTestSupport
import Testing

@testable import SlipwayArchive

/// A target directory inside a sandbox that also holds a sentinel file outside the target, so a test can
/// prove that nothing outside the root was touched.
struct Sandbox {
    let dir = TemporaryDirectory("slipway-extract")
    var root: String { dir("root") }
    var outside: String { dir("outside") }

    init() throws {
        try FileManager.default.createDirectory(atPath: dir("root"), withIntermediateDirectories: true)
        try dir.write("outside/sentinel", "untouched")
    }

    func extract(_ entries: [(TarEntry, String)], options: ExtractOptions = ExtractOptions()) throws {
        try Extractor(root: root, options: options).extractLayer(MemoryReader(try makeTar(entries)))
    }

    /// Everything outside the root is as it was.
    func outsideIsUntouched() throws -> Bool {
        let names = try FileManager.default.contentsOfDirectory(atPath: outside)
        let sentinel = try String(contentsOfFile: outside + "/sentinel", encoding: .utf8)
        let top = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        return names == ["sentinel"] && sentinel == "untouched" && top == ["outside", "root"]
    }
}

func symlink(_ name: String, _ target: String) -> TarEntry {
    TarEntry(name: name, kind: .symlink, mode: 0o777, linkName: target)
}

func file(_ name: String) -> TarEntry { TarEntry(name: name, kind: .regular) }

@Suite struct ExtractorTests {
    @Test func extractsFilesLinksAndMetadata() throws {
        let box = try Sandbox()
        var executable = TarEntry(name: "usr/bin/app", kind: .regular, mode: 0o755, modificationTime: 1_500_000_000)
        executable.xattrs = ["user.origin": Array("layer".utf8)]
        try box.extract([
            (TarEntry(name: "usr/", kind: .directory, mode: 0o755), ""),
            (executable, "#!/bin/sh\n"),
            (symlink("usr/bin/alias", "app"), ""),
            (TarEntry(name: "usr/bin/hard", kind: .hardlink, linkName: "usr/bin/app"), ""),
            (TarEntry(name: "run/fifo", kind: .fifo, mode: 0o600), ""),
        ])
        #expect(try String(contentsOfFile: box.root + "/usr/bin/app", encoding: .utf8) == "#!/bin/sh\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: box.root + "/usr/bin/app")
        #expect(attributes[.posixPermissions] as? Int == 0o755)
        #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_500_000_000)
        #expect(attributes[.referenceCount] as? Int == 2)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: box.root + "/usr/bin/alias") == "app")
        var info = stat()
        #expect(lstat(box.root + "/run/fifo", &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
    }

    /// Each hostile entry is refused with an error naming it, and nothing outside the root is written.
    @Test(arguments: [
        ("absolute path", [(file("/outside/pwned"), "x")], "/outside/pwned"),
        ("dot-dot", [(file("../outside/pwned"), "x")], "../outside/pwned"),
        ("dot-dot inside", [(file("a/../../outside/pwned"), "x")], "a/../../outside/pwned"),
        ("symlink out, then through it",
         [(symlink("escape", "../outside"), ""), (file("escape/pwned"), "x")], "escape/pwned"),
        ("chain of symlinks out",
         [(symlink("a", "b/.."), ""), (symlink("b", "c"), ""), (symlink("c", "../.."), ""), (file("a/outside/pwned"), "x")],
         "a/outside/pwned"),
        ("hardlink to absolute", [(TarEntry(name: "h", kind: .hardlink, linkName: "/outside/sentinel"), "")], "h"),
        ("hardlink out", [(TarEntry(name: "h", kind: .hardlink, linkName: "../outside/sentinel"), "")], "h"),
        ("hardlink through symlink out",
         [(symlink("up", ".."), ""), (TarEntry(name: "h", kind: .hardlink, linkName: "up/outside/sentinel"), "")], "h"),
        ("device node", [(TarEntry(name: "dev/sda", kind: .blockDevice), "")], "dev/sda"),
    ] as [(String, [(TarEntry, String)], String)])
    func hostileEntriesAreRefused(label: String, entries: [(TarEntry, String)], name: String) throws {
        let box = try Sandbox()
        do {
            try box.extract(entries)
            Issue.record("\(label): extraction succeeded")
        } catch let error as ArchiveError {
            guard case .unsafeEntry(let entry, _) = error else {
                Issue.record("\(label): unexpected error \(error)")
                return
            }
            #expect(entry == name, "\(label)")
            #expect(error.description.contains(name))
        }
        #expect(try box.outsideIsUntouched(), "\(label)")
    }

    @Test func devicesAreCreatedWhenAllowed() throws {
        guard geteuid() == 0 else { return }  // mknod needs root; CI runs as root
        let box = try Sandbox()
        var options = ExtractOptions()
        options.allowDevices = true
        var null = TarEntry(name: "dev/null", kind: .characterDevice, mode: 0o666)
        null.deviceMajor = 1
        null.deviceMinor = 3
        try box.extract([(null, "")], options: options)
        var info = stat()
        #expect(lstat(box.root + "/dev/null", &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFCHR)
        #expect(FileSystem.major(UInt(info.st_rdev)) == 1 && FileSystem.minor(UInt(info.st_rdev)) == 3)
    }

    /// An absolute symlink means the image's own root, as a container sees it: followed inside the root.
    @Test func absoluteSymlinksResolveInsideTheRoot() throws {
        let box = try Sandbox()
        try box.extract([
            (TarEntry(name: "usr/lib", kind: .directory, mode: 0o755), ""),
            (symlink("lib", "/usr/lib"), ""),
            (symlink("var/run", box.outside), ""),  // a symlink to the host's path of the outside directory
            (file("lib/libc.so"), "elf"),
            (file("var/run/app.pid"), "42"),
        ])
        #expect(try String(contentsOfFile: box.root + "/usr/lib/libc.so", encoding: .utf8) == "elf")
        #expect(try String(contentsOfFile: box.root + box.outside + "/app.pid", encoding: .utf8) == "42")
        #expect(try box.outsideIsUntouched())
    }

    /// A symlink already in place at an entry's own path is replaced, never written through.
    @Test func existingSymlinkIsReplacedNotFollowed() throws {
        let box = try Sandbox()
        try box.extract([(symlink("config", box.outside + "/sentinel"), "")])
        try box.extract([(file("config"), "new")])
        #expect(try String(contentsOfFile: box.root + "/config", encoding: .utf8) == "new")
        #expect(try box.outsideIsUntouched())
    }

    @Test func whiteoutsApplyLayerAfterLayer() throws {
        let box = try Sandbox()
        try box.extract([
            (file("app/keep"), "1"), (file("app/old"), "2"), (file("data/a"), "3"), (file("data/b"), "4"),
            (file("gone/x"), "5"),
        ])
        try box.extract([
            (file("app/.wh.old"), ""),
            (file(".wh.gone"), ""),
            (file("data/new"), "6"),  // written in this layer before the opaque marker: kept
            (file("data/.wh..wh..opq"), ""),
            (file("never/was/.wh.here"), ""),  // hides nothing, creates nothing
        ])
        #expect(!FileManager.default.fileExists(atPath: box.root + "/never"))
        let fm = FileManager.default
        #expect(try fm.contentsOfDirectory(atPath: box.root + "/app") == ["keep"])
        #expect(!fm.fileExists(atPath: box.root + "/gone"))
        #expect(try fm.contentsOfDirectory(atPath: box.root + "/data") == ["new"])
    }

    /// A layer's source is read to its end, so a verifying reader beneath it gets to check the whole blob.
    @Test func readsTheLayerToItsEnd() throws {
        final class Recorder: ByteReader {
            let inner: MemoryReader
            var sawEnd = false
            init(_ bytes: [UInt8]) { inner = MemoryReader(bytes) }
            func read(upTo maxLength: Int) throws -> [UInt8] {
                let chunk = try inner.read(upTo: maxLength)
                if chunk.isEmpty { sawEnd = true }
                return chunk
            }
        }
        let box = try Sandbox()
        // Trailing zero blocks beyond the end marker, as many writers pad to a record size.
        let source = Recorder(try makeTar([(file("a"), "1")]) + [UInt8](repeating: 0, count: 10 * 512))
        try Extractor(root: box.root).extractLayer(source)
        #expect(source.sawEnd)
    }

    @Test func unpackIsAllOrNothing() throws {
        let dir = TemporaryDirectory()
        let good = try makeTar([(file("a"), "1")])
        let bad = try makeTar([(file("b"), "2"), (file("../evil"), "3")])
        #expect(throws: ArchiveError.self) {
            try Extractor.unpack(layers: [{ MemoryReader(good) }, { MemoryReader(bad) }], to: dir("rootfs"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [])
        try Extractor.unpack(layers: [{ MemoryReader(good) }], to: dir("rootfs"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir("rootfs")) == ["a"])
    }

    @Test func truncatedLayerFailsCleanly() throws {
        let dir = TemporaryDirectory()
        let layer = try gzip(try makeTar([(file("big"), String(repeating: "q", count: 100_000))]))
        #expect(throws: ArchiveError.truncated(what: "gzip stream")) {
            try Extractor.unpack(layers: [{ try GzipReader(MemoryReader(Array(layer.prefix(layer.count - 20)))) }],
                                 to: dir("rootfs"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [])
    }
}
