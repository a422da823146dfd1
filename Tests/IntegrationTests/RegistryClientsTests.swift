import Foundation
import SlipwayTestSupport
import Testing

/// The registry as standard clients use it: skopeo, Docker (dockerd) and buildah against `slipway serve`.
@Suite(.serialized) struct RegistryClientsTests {
    let work = TemporaryDirectory("slipway-clients")

    /// A runnable image: busybox (static) as /bin/sh, made into an OCI layout by Slipway.
    func makeImage(tag: String = "v1", message: String = "hello from slipway") throws -> String {
        try requireTool("busybox")
        let rootfs = work("rootfs")
        try FileManager.default.createDirectory(atPath: rootfs + "/bin", withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: rootfs + "/bin/busybox") {
            try FileManager.default.copyItem(atPath: which("busybox")!, toPath: rootfs + "/bin/busybox")
            try FileManager.default.createSymbolicLink(atPath: rootfs + "/bin/sh", withDestinationPath: "busybox")
        }
        let layout = "oci:\(work("layout")):\(tag)"
        let result = try run([slipwayExecutable, "image", "import-rootfs", rootfs, "--output", layout,
                              "--cmd", "/bin/sh", "--cmd", "-c", "--cmd", "echo \(message)",
                              "--label", "org.opencontainers.image.revision=4a1b2c3d4e5f60718293a4b5c6d7e8f901234567"])
        #expect(result.status == 0, "\(result.stderr)")
        return layout
    }

    func skopeo(_ arguments: String...) throws -> ProcessResult {
        try requireTool("skopeo")
        return try run(["skopeo"] + arguments)
    }

    @Test func skopeoCopiesBothWaysInspectsListsAndDeletes() throws {
        let server = try ServerProcess()
        let layout = try makeImage()
        let remote = "docker://\(server.address)/acme/web"
        var result = try skopeo("copy", "--dest-tls-verify=false", layout, "\(remote):v1")
        #expect(result.status == 0, "\(result.stderr)")
        result = try skopeo("copy", "--dest-tls-verify=false", layout, "\(remote):v2")
        #expect(result.status == 0, "\(result.stderr)")

        result = try skopeo("inspect", "--tls-verify=false", "\(remote):v1")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("4a1b2c3d4e5f60718293a4b5c6d7e8f901234567"))
        result = try skopeo("list-tags", "--tls-verify=false", remote)
        #expect(result.stdout.contains("\"v1\"") && result.stdout.contains("\"v2\""))

        // Out again, into a directory and into a layout Slipway then reads and unpacks.
        result = try skopeo("copy", "--src-tls-verify=false", "\(remote):v1", "dir:\(work("dir"))")
        #expect(result.status == 0, "\(result.stderr)")
        result = try skopeo("copy", "--src-tls-verify=false", "\(remote):v1", "oci:\(work("back")):v1")
        #expect(result.status == 0, "\(result.stderr)")
        result = try run([slipwayExecutable, "image", "unpack", "oci:\(work("back")):v1", work("unpacked")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: work("unpacked/bin/busybox")))

        result = try skopeo("delete", "--tls-verify=false", "\(remote):v2")
        #expect(result.status == 0, "\(result.stderr)")
        result = try skopeo("list-tags", "--tls-verify=false", remote)
        #expect(!result.stdout.contains("\"v2\""))
        result = try skopeo("inspect", "--tls-verify=false", "\(remote):v2")
        #expect(result.status != 0)
    }

    @Test func dockerPushesPullsAndRuns() throws {
        try requireTool("docker")
        guard dockerIsRunning() else {
            Issue.record("dockerd is not running; scripts/test starts it (tini -s -- dockerd)")
            return
        }
        let server = try ServerProcess()
        let layout = try makeImage(message: "served by slipway")
        let image = "\(server.address)/acme/busybox:v1"
        // skopeo loads the layout into dockerd; docker then pushes, forgets, pulls and runs it.
        var result = try skopeo("copy", layout, "docker-daemon:\(image)")
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(["docker", "push", image])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        result = try run(["docker", "rmi", image])
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(["docker", "pull", image])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        result = try run(["docker", "run", "--rm", "--network", "none", image])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "served by slipway\n")
        _ = try run(["docker", "rmi", image])
    }

    @Test func buildahPullsAndPushes() throws {
        try requireTool("buildah")
        let server = try ServerProcess()
        let layout = try makeImage()
        #expect(try skopeo("copy", "--dest-tls-verify=false", layout, "docker://\(server.address)/acme/base:v1").status == 0)
        let storage = ["--root", work("buildah-root"), "--runroot", work("buildah-run"), "--storage-driver", "vfs"]
        var result = try run(["buildah"] + storage + ["pull", "--tls-verify=false", "docker://\(server.address)/acme/base:v1"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(["buildah"] + storage + ["push", "--tls-verify=false", "\(server.address)/acme/base:v1",
                                                   "docker://\(server.address)/acme/copied:v9"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try skopeo("list-tags", "--tls-verify=false", "docker://\(server.address)/acme/copied")
        #expect(result.stdout.contains("\"v9\""))
    }

    @Test func serverStopsGracefullyOnSigterm() throws {
        let server = try ServerProcess()
        #expect(try run(["curl", "-sf", "http://\(server.address)/v2/"]).status == 0)
        #expect(server.stop() == 0)
    }
}
