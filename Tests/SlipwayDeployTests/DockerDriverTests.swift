import Foundation
@testable import SlipwayDeploy
import SlipwayTestSupport
import Testing

/// The Docker driver against the real dockerd (Debian's docker.io), pulling from a real `slipway serve`.
@Suite(.serialized) struct DockerDriverTests {
    let work = TemporaryDirectory("slipway-docker")

    /// Pushes the example app to a fresh registry and returns the server and the image by digest.
    func pushExample(_ variant: ExampleApp.Variant = .healthy) throws -> (ServerProcess, String) {
        try #require(dockerIsRunning(), "dockerd is not running; scripts/test starts it")
        let server = try ServerProcess()
        let layout = try ExampleApp.build(version: "1", commit: String(repeating: "a", count: 40), branch: "main", in: work, variant: variant)
        let result = try run([slipwayExecutable, "image", "copy", layout, "docker://\(server.address)/example:v1"],
                             environment: ["SLIPWAY_HOME": work("client")])
        try #require(result.status == 0, "\(result.stderr)")
        let digest = try #require(result.stdout.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        return (server, "\(server.address)/example@\(digest)")
    }

    @Test func pullStartInspectLogsStopRemove() async throws {
        let (server, image) = try pushExample()
        defer { withExtendedLifetime(server) {} }
        let driver = try DockerDriver()
        #expect(await driver.ping())
        try await driver.pull(image) { _ in }
        #expect(try await driver.exposedPorts(of: image) == [8080])

        let name = "slipway-test-\(UUID().uuidString.prefix(8))"
        var spec = ServerSpec(name: name, image: image)
        spec.port = 8080
        spec.labels = ["slipway.app": "driver-test", "slipway.env": "test-\(name)", "slipway.colour": "a"]
        spec.env = ["APP_MODE": "test"]
        spec.memoryBytes = 64 << 20
        spec.cpus = 0.5
        let started = try await driver.start(spec)
        defer { Task { try? await driver.remove(started.id) } }
        #expect(started.host == "127.0.0.1" && started.port > 0)

        var body = ""
        for _ in 0..<50 where !body.contains("version 1") {
            body = (try? run(["curl", "-s", "http://127.0.0.1:\(started.port)/"]).stdout) ?? ""
            if !body.contains("version 1") { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(body == "version 1\n")

        let limits = try run(["docker", "inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.Init}}", name])
        #expect(limits.stdout == "\(64 << 20) 500000000 true\n", "\(limits.stdout)")
        let listed = try await driver.list(labels: ["slipway.env": "test-\(name)"])
        #expect(listed.map(\.name) == [name] && listed.first?.running == true && listed.first?.labels["slipway.colour"] == "a")
        #expect(try await driver.logs(started.id, tail: 10).contains("response:200"))  // busybox httpd -v

        try await driver.stop(started.id, timeout: 5)
        #expect(try await driver.inspect(started.id)?.running == false)
        try await driver.remove(started.id)
        #expect(try await driver.inspect(started.id) == nil)
        try await driver.remove(started.id)  // gone already: not an error
    }

    @Test func oneOffContainersReportTheirStatusAndOutput() async throws {
        let (server, image) = try pushExample()
        defer { withExtendedLifetime(server) {} }
        let driver = try DockerDriver()
        try await driver.pull(image) { _ in }
        var spec = ServerSpec(name: "slipway-release-\(UUID().uuidString.prefix(8))", image: image)
        spec.entrypoint = ["/bin/busybox", "sh", "-c", "echo migrating $APP_MODE; echo oops >&2; exit 3"]
        spec.env = ["APP_MODE": "staging"]
        let (status, output) = try await driver.runToCompletion(spec, timeout: .seconds(60))
        #expect(status == 3)
        #expect(output.contains("migrating staging") && output.contains("oops"), "\(output)")
        #expect(try await driver.list(labels: [:]).allSatisfy { $0.name != spec.name })
    }

    @Test func failuresNameWhatWentWrong() async throws {
        let (server, image) = try pushExample()
        defer { withExtendedLifetime(server) {} }
        let driver = try DockerDriver()
        let missing = image.replacingOccurrences(of: "@sha256:", with: "@sha256:0") .dropLast()
        await #expect {
            try await driver.pull(String(missing)) { _ in }
        } throws: { error in
            "\(error)".contains("could not pull") || "\(error)".contains("refused the pull")
        }
        await #expect {
            try await DockerDriver(host: "unix:///nonexistent/docker.sock").pull(image) { _ in }
        } throws: { error in
            "\(error)".contains("cannot reach the Docker engine at unix:///nonexistent/docker.sock")
        }
        #expect(throws: RuntimeError.self) { try DockerDriver(host: "ssh://somewhere") }
        #expect(DockerDriver.demultiplex([1, 0, 0, 0, 0, 0, 0, 3] + Array("hi\n".utf8) + [2, 0, 0, 0, 0, 0, 0, 2] + Array("x\n".utf8))
                    == "hi\nx\n")
    }
}
