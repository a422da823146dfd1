import Foundation
import SlipwayTestSupport
import Testing

/// `slipway image copy` between Slipway's registry, docker-registry (with and without Basic auth) and OCI
/// layouts, checked with skopeo; the token flow; retries through a flaky proxy; mirrors; bad input.
@Suite(.serialized) struct ImageCopyTests {
    let work = TemporaryDirectory("slipway-copy")

    func slipway(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try run([slipwayExecutable] + arguments, environment: ["SLIPWAY_HOME": work("home")].merging(environment) { $1 })
    }

    /// A one-layer image in an OCI layout.
    func makeLayout() throws -> String {
        try work.write("rootfs/srv/index.html", "<h1>copied</h1>")
        try work.write("rootfs/etc/app.conf", String(repeating: "setting=1\n", count: 5000))
        let layout = "oci:\(work("layout")):v1"
        let result = try slipway(["image", "import-rootfs", work("rootfs"), "--output", layout, "--label", "team=web"])
        #expect(result.status == 0, "\(result.stderr)")
        return layout
    }

    func skopeoDigest(_ reference: String, _ extra: [String] = []) throws -> String? {
        try requireTool("skopeo")
        let result = try run(["skopeo", "inspect", "--tls-verify=false"] + extra + ["--format", "{{.Digest}}", reference])
        return result.status == 0 ? result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    @Test func everyDirection() throws {
        let layout = try makeLayout()
        let slipwayRegistry = try ServerProcess()
        let distribution = try DistributionRegistry()
        let first = "docker://\(slipwayRegistry.address)/acme/web:v1"
        let second = "docker://\(distribution.address)/acme/web:v1"

        var result = try slipway(["image", "copy", layout, first])  // layout to registry
        #expect(result.status == 0, "\(result.stderr)")
        let digest = try #require(result.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        #expect(try skopeoDigest(first) == digest)

        result = try slipway(["image", "copy", first, second])  // registry to registry
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try skopeoDigest(second) == digest)

        result = try slipway(["image", "copy", second, "oci:\(work("back")):v1"])  // registry to layout
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try skopeoDigest("oci:\(work("back")):v1") == digest)
        result = try slipway(["image", "unpack", "oci:\(work("back")):v1", work("unpacked")])
        #expect(try String(contentsOfFile: work("unpacked/srv/index.html"), encoding: .utf8) == "<h1>copied</h1>")

        // Copying again skips every blob; within one registry, another repository mounts them.
        result = try slipway(["image", "copy", first, second])
        #expect(result.stderr.components(separatedBy: "skipped").count - 1 == 2, "\(result.stderr)")  // config and layer
        result = try slipway(["image", "copy", first, "docker://\(slipwayRegistry.address)/acme/other:v1"])
        #expect(result.stderr.contains("mounted from acme/web"), "\(result.stderr)")

        result = try slipway(["image", "inspect", "--json", second])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(digest) && result.stdout.contains("\"team\""))
    }

    @Test func basicAuthOnDockerRegistryAndTokensOnSlipway() throws {
        try requireTool("htpasswd")
        let layout = try makeLayout()
        #expect(try run(["htpasswd", "-cbB", "-C", "5", work("htpasswd"), "ci", "pa55"]).status == 0)
        let distribution = try DistributionRegistry(htpasswd: work("htpasswd"))
        let target = "docker://\(distribution.address)/acme/web:v1"
        var result = try slipway(["image", "copy", layout, target])
        #expect(result.status == 1)
        #expect(result.stderr.contains("slipway login"), "\(result.stderr)")

        // Credentials from the environment (CI), then from `slipway login`.
        result = try slipway(["image", "copy", layout, target],
                             environment: ["SLIPWAY_REGISTRY_USERNAME": "ci", "SLIPWAY_REGISTRY_PASSWORD": "pa55"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("pa55"))
        result = try run([slipwayExecutable, "login", distribution.address, "-u", "ci", "--password-stdin"],
                         environment: ["SLIPWAY_HOME": work("home")], input: "pa55\n")
        #expect(result.status == 0, "\(result.stderr)")
        let saved = try String(contentsOfFile: work("home/auth.json"), encoding: .utf8)
        #expect(!saved.contains("pa55"))  // base64, as Docker stores it, never the plain text
        let mode = try FileManager.default.attributesOfItem(atPath: work("home/auth.json"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
        result = try slipway(["image", "copy", target, "oci:\(work("from-auth")):v1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try slipway(["logout", distribution.address]).status == 0)
        #expect(try slipway(["image", "copy", target, "oci:\(work("after-logout")):v1"]).status == 1)

        // Slipway's registry with the token flow.
        try work.write("slipway.yml", """
            registry:
              auth:
                htpasswd: \(work("htpasswd"))
                token: true
            """)
        let server = try ServerProcess(arguments: ["--config", work("slipway.yml")])
        result = try slipway(["image", "copy", layout, "docker://\(server.address)/acme/web:v1"],
                             environment: ["SLIPWAY_REGISTRY_USERNAME": "ci", "SLIPWAY_REGISTRY_PASSWORD": "pa55"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try skopeoDigest("docker://\(server.address)/acme/web:v1", ["--creds", "ci:pa55"]) != nil)
    }

    @Test func retriesThroughAFlakyProxy() throws {
        let layout = try makeLayout()
        let server = try ServerProcess()
        let port = try freePort()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/flaky_proxy.py").path
        let proxy = try BackgroundProcess(["python3", script, String(port), server.address], readyLine: "ready")
        defer { withExtendedLifetime(proxy) {} }
        // Chunked uploads make many requests, so both kinds of failure happen many times.
        try work.write("client.yml", "client:\n  chunk_size: 4096\n")
        var result = try slipway(["image", "copy", "--config", work("client.yml"), layout, "docker://127.0.0.1:\(port)/acme/web:v1"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try slipway(["image", "copy", "docker://127.0.0.1:\(port)/acme/web:v1", "oci:\(work("through-proxy")):v1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try skopeoDigest("oci:\(work("through-proxy")):v1") == skopeoDigest("docker://\(server.address)/acme/web:v1"))
    }

    @Test func mirrorsServeDockerHubNames() throws {
        let layout = try makeLayout()
        let mirror = try ServerProcess()
        #expect(try slipway(["image", "copy", layout, "docker://\(mirror.address)/library/debian:bookworm"]).status == 0)
        try work.write("mirrors.yml", "client:\n  mirrors:\n    docker.io: [\"\(mirror.address)\"]\n")
        // FROM debian:bookworm, on a machine without the internet: the mirror answers for docker.io.
        let result = try slipway(["image", "copy", "--config", work("mirrors.yml"), "docker://debian:bookworm", "oci:\(work("mirrored")):v1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try skopeoDigest("oci:\(work("mirrored")):v1") == skopeoDigest("docker://\(mirror.address)/library/debian:bookworm"))
    }

    @Test func badInputIsNamedAndLeavesNothing() throws {
        let layout = try makeLayout()
        let server = try ServerProcess()
        #expect(try slipway(["image", "copy", layout, "docker://\(server.address)/acme/web:v1"]).status == 0)
        let wrong = "sha256:" + String(repeating: "a", count: 64)
        var result = try slipway(["image", "copy", "docker://\(server.address)/acme/web@\(wrong)", "oci:\(work("out")):v1"])
        #expect(result.status == 1 && result.stderr.contains(wrong), "\(result.stderr)")
        result = try slipway(["image", "copy", "docker://\(server.address)/acme/web:nope", "oci:\(work("out")):v1"])
        #expect(result.status == 1 && result.stderr.contains("acme/web:nope"), "\(result.stderr)")
        // Nothing partial in the destination layout: no blobs.
        let blobs = (try? FileManager.default.contentsOfDirectory(atPath: work("out/blobs/sha256"))) ?? []
        #expect(blobs.isEmpty)

        // A web server that is not a registry.
        try work.write("site/v2/acme/web/manifests/v1", "<html><body>Welcome!</body></html>")
        let port = try freePort()
        let web = try BackgroundProcess(["python3", "-u", "-m", "http.server", String(port), "--bind", "127.0.0.1",
                                         "--directory", work("site")], readyLine: "Serving HTTP")
        defer { withExtendedLifetime(web) {} }
        result = try slipway(["image", "copy", "docker://127.0.0.1:\(port)/acme/web:v1", "oci:\(work("html")):v1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not a registry") || result.stderr.contains("unsupported media type"), "\(result.stderr)")
    }
}
