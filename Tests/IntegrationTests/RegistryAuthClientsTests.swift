import Foundation
import SlipwayTestSupport
import Testing

/// `docker login`, `skopeo login` and `buildah login` against `slipway serve` with Basic and token auth.
@Suite(.serialized) struct RegistryAuthClientsTests {
    let work = TemporaryDirectory("slipway-auth-clients")

    func setUp(token: Bool) throws -> (server: ServerProcess, layout: String) {
        try requireTool("htpasswd")
        for (index, (user, password)) in [("alice", "s3cret"), ("bob", "hunter2")].enumerated() {
            let result = try run(["htpasswd", "-bB", "-C", "5"] + (index == 0 ? ["-c"] : []) + [work("htpasswd"), user, password])
            #expect(result.status == 0)
        }
        try work.write("slipway.yml", """
            registry:
              auth:
                htpasswd: \(work("htpasswd"))
                token: \(token)
                permissions:
                  - users: [alice]
                    repositories: ["acme/*"]
                    actions: [pull, push, delete]
                  - users: [bob]
                    repositories: ["acme/*"]
                    actions: [pull]
            """)
        try work.write("rootfs/etc/motd", "hello")
        let layout = "oci:\(work("layout")):v1"
        #expect(try run([slipwayExecutable, "image", "import-rootfs", work("rootfs"), "--output", layout]).status == 0)
        return (try ServerProcess(arguments: ["--config", work("slipway.yml")]), layout)
    }

    @Test func skopeoWithBasicAuth() throws {
        try requireTool("skopeo")
        let (server, layout) = try setUp(token: false)
        let authfile = ["--authfile", work("auth.json")]
        var result = try run(["skopeo", "copy", "--dest-tls-verify=false", layout, "docker://\(server.address)/acme/app:v1"])
        #expect(result.status != 0)  // no credentials
        result = try run(["skopeo", "login", "--tls-verify=false"] + authfile + ["-u", "alice", "-p", "wrong", server.address])
        #expect(result.status != 0)
        result = try run(["skopeo", "login", "--tls-verify=false"] + authfile + ["-u", "alice", "-p", "s3cret", server.address])
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(["skopeo", "copy", "--dest-tls-verify=false"] + authfile + [layout, "docker://\(server.address)/acme/app:v1"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "bob:hunter2", layout,
                          "docker://\(server.address)/acme/app:v2"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("denied"), "\(result.stderr)")
        result = try run(["skopeo", "inspect", "--tls-verify=false", "--creds", "bob:hunter2", "docker://\(server.address)/acme/app:v1"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func dockerAndBuildahWithTokenAuth() throws {
        try requireTool("docker")
        try requireTool("buildah")
        guard dockerIsRunning() else {
            Issue.record("dockerd is not running; scripts/test starts it")
            return
        }
        let (server, layout) = try setUp(token: true)
        let docker = ["DOCKER_CONFIG": work("docker-config")]
        var result = try run(["docker", "login", "-u", "alice", "-p", "wrong", server.address], environment: docker)
        #expect(result.status != 0)
        result = try run(["docker", "login", "-u", "alice", "-p", "s3cret", server.address], environment: docker)
        #expect(result.status == 0, "\(result.stderr)")
        let image = "\(server.address)/acme/motd:v1"
        #expect(try run(["skopeo", "copy", layout, "docker-daemon:\(image)"]).status == 0)
        result = try run(["docker", "push", image], environment: docker)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        _ = try run(["docker", "rmi", image])
        result = try run(["docker", "pull", image], environment: docker)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        _ = try run(["docker", "rmi", image])

        // bob may pull but not push.
        let storage = ["--root", work("buildah-root"), "--runroot", work("buildah-run"), "--storage-driver", "vfs"]
        let authfile = ["--authfile", work("buildah-auth.json")]
        result = try run(["buildah"] + storage + ["login", "--tls-verify=false"] + authfile + ["-u", "bob", "-p", "hunter2", server.address])
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(["buildah"] + storage + ["pull", "--tls-verify=false"] + authfile + ["docker://\(image)"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(["buildah"] + storage + ["push", "--tls-verify=false"] + authfile + [image, "docker://\(server.address)/acme/motd:bob"])
        #expect(result.status != 0)
        #expect(result.stderr.lowercased().contains("denied"), "\(result.stderr)")
    }
}

/// `slipway serve --auth htpasswd:FILE`, without any configuration file.
@Suite struct ServeAuthFlagTests {
    @Test func htpasswdFlagRequiresCredentials() throws {
        try requireTool("htpasswd")
        let work = TemporaryDirectory("slipway-auth-flag")
        #expect(try run(["htpasswd", "-cbB", "-C", "5", work("htpasswd"), "ops", "letmein"]).status == 0)
        let server = try ServerProcess(arguments: ["--auth", "htpasswd:\(work("htpasswd"))"])
        let code = { (extra: [String]) in
            try run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}"] + extra + ["http://\(server.address)/v2/"]).stdout
        }
        #expect(try code([]) == "401")
        #expect(try code(["-u", "ops:wrong"]) == "401")
        #expect(try code(["-u", "ops:letmein"]) == "200")
        let usage = try run([slipwayExecutable, "serve", "--auth", "basic:\(work("htpasswd"))"])
        #expect(usage.status == 2 && usage.stderr.contains("htpasswd:FILE"))
    }
}
