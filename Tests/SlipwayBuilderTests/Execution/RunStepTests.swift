import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayStore
import SlipwayTestSupport
import Testing
@testable import SlipwayBuilder

/// A RUN step for real: busybox's layer unpacked in overlayfs form, an overlay mounted over it, the command run by
/// runc, and the upper directory turned into an OCI layer whose whiteouts say what the command deleted.
@Suite struct RunStepTests {
    let work = TemporaryDirectory("slipway-run-step")

    /// A one-layer busybox image's layer, unpacked into a layer store.
    func busyboxLayer() throws -> (store: LayerStore, directory: String) {
        try requireTool("busybox")
        let root = work("rootfs")
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/etc/keep", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: root + "/bin/busybox")
        for applet in ["sh", "rm", "echo", "mkdir", "cat", "id", "ls", "hostname"] {
            try FileManager.default.createSymbolicLink(atPath: root + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try "old\n".write(toFile: root + "/etc/old.conf", atomically: true, encoding: .utf8)
        try "x\n".write(toFile: root + "/etc/keep/a", atomically: true, encoding: .utf8)
        let memory = MemoryWriter()
        let tar = TarWriter(memory)
        try TreeArchiver(root: root).write(to: tar)
        try tar.finish()
        let store = try LayerStore(root: work("layers"))
        let directory = try store.unpacked(Descriptor(mediaType: MediaType.ociLayer, digest: Digest(of: memory.bytes),
                                                      size: Int64(memory.bytes.count)),
                                           diffID: Digest(of: memory.bytes)) { MemoryReader(memory.bytes) }
        return (store, directory)
    }

    func layerEntries(upper: String) throws -> [String: TarEntry] {
        let memory = MemoryWriter()
        let tar = TarWriter(memory)
        try OverlayLayers.writeLayer(upper: upper, sourceDateEpoch: 0, to: tar)
        try tar.finish()
        let reader = TarReader(MemoryReader(memory.bytes))
        var entries: [String: TarEntry] = [:]
        while let entry = try reader.next() { entries[entry.name] = entry }
        return entries
    }

    @Test func aRunStepsChangesBecomeALayerWithWhiteouts() throws {
        let (_, base) = try busyboxLayer()
        let mount = try OverlayMount.mount(lowers: [base], upper: work("upper"), work: work("work"), at: work("merged"))
        defer { mount.unmount() }
        let runner = RuncRunner(stateRoot: work("runc"))
        let lines = LockedLines()
        let script = "echo hello > /hello.txt; rm /etc/old.conf; rm -r /etc/keep; mkdir /etc/keep; echo new > /etc/keep/b; "
            + "id -u; hostname; echo to-stderr >&2"
        let status = try runner.run(RuncRunner.Step(arguments: ["/bin/sh", "-c", script], environment: ["PATH=/bin"],
                                                    workingDirectory: "/"),
                                    rootfs: mount.target, bundle: work("bundle"), output: lines.append)
        #expect(status == 0, "\(lines.all)")
        // stdout and stderr arrive through separate pipes: lines keep their order within a stream only.
        #expect(lines.all.filter { $0 != "to-stderr" } == ["0", "buildkitsandbox"])
        #expect(lines.all.contains("to-stderr"))
        #expect(lines.all.count == 3)
        mount.unmount()

        let entries = try layerEntries(upper: work("upper"))
        #expect(entries["hello.txt"]?.kind == .regular)
        #expect(entries["etc/.wh.old.conf"] != nil, "the deleted file is a whiteout: \(entries.keys.sorted())")
        #expect(entries["etc/keep/.wh..wh..opq"] != nil, "a directory removed and made again is opaque")
        #expect(entries["etc/keep/b"] != nil && entries["etc/keep/a"] == nil)
        #expect(entries["bin/busybox"] == nil, "unchanged files are not in the layer")
    }

    @Test func aFailingCommandReportsItsStatusAndNetworkNoneHasOnlyLoopback() throws {
        let (_, base) = try busyboxLayer()
        let mount = try OverlayMount.mount(lowers: [base], upper: work("upper"), work: work("work"), at: work("merged"))
        defer { mount.unmount() }
        let runner = RuncRunner(stateRoot: work("runc"))
        let lines = LockedLines()
        let status = try runner.run(RuncRunner.Step(arguments: ["/bin/sh", "-c", "ls /sys/class/net; exit 7"],
                                                    environment: ["PATH=/bin"], workingDirectory: "/", network: .none),
                                    rootfs: mount.target, bundle: work("bundle"), output: lines.append)
        #expect(status == 7)
        #expect(lines.all == ["lo"])
    }

    @Test func theLayerStoreUnpacksOnceAndConvertsWhiteouts() throws {
        let store = try LayerStore(root: work("layers"))
        let memory = MemoryWriter()
        let tar = TarWriter(memory)
        try tar.append(TarEntry(name: "etc/", kind: .directory, mode: 0o755), content: nil)
        try tar.append(TarEntry(name: "etc/.wh.gone", kind: .regular), content: nil)
        try tar.append(TarEntry(name: "var/", kind: .directory, mode: 0o755), content: nil)
        try tar.append(TarEntry(name: "var/.wh..wh..opq", kind: .regular), content: nil)
        try tar.finish()
        let digest = Digest(of: memory.bytes)
        let descriptor = Descriptor(mediaType: MediaType.ociLayer, digest: digest, size: Int64(memory.bytes.count))
        let directory = try store.unpacked(descriptor, diffID: digest) { MemoryReader(memory.bytes) }
        var info = stat()
        #expect(lstat(directory + "/etc/gone", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR && info.st_rdev == 0)
        #expect(OverlayLayers.isOpaque(directory + "/var"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/var/.wh..wh..opq"))
        // A second call does not read the layer again.
        #expect(try store.unpacked(descriptor, diffID: digest) { throw BuilderError.io(path: "x", reason: "read twice") } == directory)
    }
}

/// Lines collected from another thread.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
