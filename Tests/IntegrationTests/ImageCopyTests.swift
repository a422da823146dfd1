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

        // Copying again finds the manifest there (one HEAD) and only writes the tag.
        result = try slipway(["image", "copy", first, "docker://\(distribution.address)/acme/web:again"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.components(separatedBy: "skipped").count - 1 == 1, "\(result.stderr)")  // the manifest
        #expect(try skopeoDigest("docker://\(distribution.address)/acme/web:again") == digest)
        // Another image with the same layer: the layer is skipped, the new config copied.
        result = try slipway(["image", "import-rootfs", work("rootfs"), "--output", "oci:\(work("layout")):v2", "--label", "team=api"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try slipway(["image", "copy", "oci:\(work("layout")):v2", "docker://\(distribution.address)/acme/web:v2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.components(separatedBy: "skipped").count - 1 == 1, "\(result.stderr)")  // the layer
        // Within one registry, another repository mounts the blobs.
        result = try slipway(["image", "copy", first, "docker://\(slipwayRegistry.address)/acme/other:v1"])
        #expect(result.stderr.contains("mounted from acme/web"), "\(result.stderr)")

        result = try slipway(["image", "inspect", "--json", second])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(digest) && result.stdout.contains("\"team\""))
    }

    /// `oci-archive:FILE`: a layout in one tar file, which skopeo reads and writes too.
    @Test func ociArchivesBothWays() throws {
        let layout = try makeLayout()
        var result = try slipway(["image", "copy", layout, "oci-archive:\(work("image.tar")):v1"])
        #expect(result.status == 0, "\(result.stderr)")
        let digest = try skopeoDigest("oci-archive:\(work("image.tar")):v1")
        let expected = try skopeoDigest(layout)
        #expect(digest != nil && digest == expected)
        #expect(try run(["skopeo", "copy", layout, "oci-archive:\(work("skopeo.tar")):v2"]).status == 0)
        result = try slipway(["image", "copy", "oci-archive:\(work("skopeo.tar")):v2", "oci:\(work("from-archive")):v2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try skopeoDigest("oci:\(work("from-archive")):v2") == digest)
        // A failed copy leaves no archive behind.
        result = try slipway(["image", "copy", "oci:\(work("layout")):missing", "oci-archive:\(work("never.tar")):v1"])
        #expect(result.status == 1)
        #expect(!FileManager.default.fileExists(atPath: work("never.tar")))
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

    /// A registry with a certificate from a private CA: trusted only with `client.ca_file`.
    @Test func privateCertificateAuthority() throws {
        try requireTool("openssl")
        let layout = try makeLayout()
        #expect(try run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Slipway Test CA",
                         "-keyout", work("ca.key"), "-out", work("ca.pem")]).status == 0)
        #expect(try run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                         "-keyout", work("server.key"), "-out", work("server.csr")]).status == 0)
        try work.write("san.ext", "subjectAltName=IP:127.0.0.1\n")
        #expect(try run(["openssl", "x509", "-req", "-in", work("server.csr"), "-CA", work("ca.pem"), "-CAkey", work("ca.key"),
                         "-CAcreateserial", "-days", "2", "-extfile", work("san.ext"), "-out", work("server.pem")]).status == 0)
        let registry = try DistributionRegistry(tls: (work("server.pem"), work("server.key")))
        #expect(try run(["skopeo", "copy", "--dest-tls-verify=false", layout, "docker://\(registry.address)/library/alpine:3"]).status == 0)
        // Reached as a mirror given with an https:// address, so TLS is used on loopback too. The mirrored name is
        // a closed loopback port, so that when the mirror is refused the fallback fails at once.
        let mirror = "client:\n  mirrors:\n    \"localhost:1\": [\"https://\(registry.address)\"]\n"
        try work.write("trusting.yml", mirror + "  ca_file: \(work("ca.pem"))\n")
        try work.write("untrusting.yml", mirror)
        var result = try slipway(["image", "copy", "--config", work("trusting.yml"), "docker://localhost:1/library/alpine:3", "oci:\(work("tls")):v1"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try slipway(["image", "copy", "--config", work("untrusting.yml"), "docker://localhost:1/library/alpine:3",
                              "oci:\(work("untrusted")):v1"])
        #expect(result.status == 1)
        try work.write("missing-ca.yml", "client:\n  ca_file: \(work("nope.pem"))\n")
        result = try slipway(["image", "copy", "--config", work("missing-ca.yml"), layout, "oci:\(work("x")):v1"])
        #expect(result.status == 1 && result.stderr.contains("nope.pem"), "\(result.stderr)")
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

/// A registry front that redirects blobs to another host and, on request, lies about content.
@Suite(.serialized) struct UntrustedRegistryTests {
    let work = TemporaryDirectory("slipway-tricky")

    func start(_ flags: [String] = []) throws -> (ServerProcess, BackgroundProcess, String) {
        try work.write("rootfs/srv/page.html", "<p>through a CDN</p>")
        let layout = "oci:\(work("layout")):v1"
        #expect(try run([slipwayExecutable, "image", "import-rootfs", work("rootfs"), "--output", layout]).status == 0)
        let upstream = try ServerProcess()
        #expect(try run([slipwayExecutable, "image", "copy", layout, "docker://\(upstream.address)/acme/web:v1"],
                        environment: ["SLIPWAY_HOME": work("home")]).status == 0)
        let port = try freePort(), cdn = try freePort()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tricky_registry.py").path
        let front = try BackgroundProcess(["python3", script, String(port), String(cdn), upstream.address, work("cdn-auth.log")] + flags,
                                          readyLine: "ready")
        return (upstream, front, "127.0.0.1:\(port)")
    }

    func copy(_ source: String, _ destination: String) throws -> ProcessResult {
        try run([slipwayExecutable, "image", "copy", source, destination],
                environment: ["SLIPWAY_HOME": work("home"), "SLIPWAY_REGISTRY_USERNAME": "ci", "SLIPWAY_REGISTRY_PASSWORD": "pw"])
    }

    @Test func followsBlobRedirectsWithoutLeakingCredentials() throws {
        let (upstream, front, address) = try start()
        defer { withExtendedLifetime((upstream, front)) {} }
        let result = try copy("docker://\(address)/acme/web:v1", "oci:\(work("out")):v1")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work("cdn-auth.log")),
                "the CDN on another host was sent: \((try? String(contentsOfFile: work("cdn-auth.log"), encoding: .utf8)) ?? "")")
        #expect(try run([slipwayExecutable, "image", "unpack", "oci:\(work("out")):v1", work("rootfs-out")]).status == 0)
    }

    @Test func lyingManifestIsRefused() throws {
        let (upstream, front, address) = try start(["--lie-manifests"])
        defer { withExtendedLifetime((upstream, front)) {} }
        let digest = try run(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
                              "docker://\(upstream.address)/acme/web:v1"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try copy("docker://\(address)/acme/web@\(digest)", "oci:\(work("out")):v1")
        #expect(result.status == 1)
        #expect(result.stderr.contains("expected \(digest)"), "\(result.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: work("out/blobs/sha256"))) ?? []).isEmpty)
    }

    @Test func aWebPageIsNotARegistry() throws {
        let (upstream, front, address) = try start(["--html"])
        defer { withExtendedLifetime((upstream, front)) {} }
        var result = try copy("docker://\(address)/acme/web:v1", "oci:\(work("out")):v1")
        #expect(result.status == 1)
        #expect(result.stderr.contains("not a registry") && result.stderr.contains(address) && result.stderr.contains("text/html"),
                "\(result.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: work("out/blobs/sha256"))) ?? []).isEmpty)
        result = try run([slipwayExecutable, "image", "inspect", "docker://\(address)/acme/web:v1"],
                         environment: ["SLIPWAY_HOME": work("home")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("not a registry"), "\(result.stderr)")
    }

    @Test func lyingBlobIsRefusedAndNothingIsKept() throws {
        let (upstream, front, address) = try start(["--lie-blobs"])
        defer { withExtendedLifetime((upstream, front)) {} }
        let result = try copy("docker://\(address)/acme/web:v1", "oci:\(work("out")):v1")
        #expect(result.status == 1)
        #expect(result.stderr.contains("content has digest"), "\(result.stderr)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: work("out/blobs/sha256"))) ?? []).isEmpty)
    }
}
