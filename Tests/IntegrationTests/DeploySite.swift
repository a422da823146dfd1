import Foundation
import SlipwayTestSupport
import Testing

/// A deploy host for the tests: `slipway serve` with one environment, `staging`, of two servers behind its proxy,
/// the example app's images pushed to its registry, and the operator's commands run against it. Each site has an
/// app name of its own, so sites in tests that run at once never touch each other's containers.
final class DeploySite: @unchecked Sendable {
    let work = TemporaryDirectory("slipway-deploy")
    let app: String
    let proxyPort: Int
    private(set) var server: ServerProcess
    var proxy: String { "127.0.0.1:\(proxyPort)" }
    let serverEnvironment: [String: String]

    /// `extra` is added to the staging environment's YAML.
    init(app: String = "app" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(6)), cleanupDelay: String = "4s",
         deadline: String = "20s", extra: String = "", serverEnvironment: [String: String] = [:]) throws {
        try #require(dockerIsRunning(), "dockerd is not running; scripts/test starts it")
        self.app = app
        try Self.removeContainers(of: app)
        proxyPort = try freePort()
        self.serverEnvironment = serverEnvironment
        try work.write("slipway.yml", """
            app: \(app)
            environments:
              staging:
                replicas: 2
                port: 8080
                listen: "127.0.0.1:\(proxyPort)"
                health: {path: /healthz, status: 200, interval: 100ms, timeout: 2s, deadline: \(deadline)}
                cleanup_delay: \(cleanupDelay)
                env: {APP_MODE: staging}
            \(extra.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            """)
        server = try ServerProcess(arguments: ["--config", work("slipway.yml")], environment: serverEnvironment)
    }

    deinit { try? Self.removeContainers(of: app) }

    /// Builds and pushes a version of the example app; returns its commit.
    @discardableResult
    func push(version: String, commit: String, branch: String = "main", variant: ExampleApp.Variant = .healthy) throws -> String {
        let layout = try ExampleApp.build(version: version, commit: commit, branch: branch, in: work, variant: variant)
        let result = try run([slipwayExecutable, "image", "copy", layout, "docker://\(server.address)/\(app):\(commit)"],
                             environment: ["SLIPWAY_HOME": work("client")])
        try #require(result.status == 0, "\(result.stderr)\n\(server.log)")
        return commit
    }

    /// Kills the server (SIGKILL) and starts another on the same state.
    func restart(environment: [String: String]? = nil) throws {
        server.kill()
        server = try ServerProcess(arguments: ["--config", work("slipway.yml")], environment: environment ?? serverEnvironment,
                                   home: server.home)
    }

    func slipway(_ arguments: [String], actor: String = "alice") throws -> ProcessResult {
        try run([slipwayExecutable] + arguments + ["--config", work("slipway.yml")],
                environment: ["SLIPWAY_HOME": server.home("home"), "SLIPWAY_ACTOR": actor])
    }

    /// Starts a command without waiting; its output (both streams) goes to `output`.
    func start(_ arguments: [String], output: String, actor: String = "bob") throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: slipwayExecutable)
        process.arguments = arguments + ["--config", work("slipway.yml")]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["SLIPWAY_HOME": server.home("home"), "SLIPWAY_ACTOR": actor]) { $1 }
        FileManager.default.createFile(atPath: output, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = process.standardOutput
        try process.run()
        return process
    }

    /// Waits until a file contains `text`; false after `timeout`.
    func wait(for text: String, in file: String, timeout: TimeInterval = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Polls `condition` for up to 20 s; records a failure naming `what` if it never holds.
    func eventually(_ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        Issue.record("never happened: \(what)\n\(server.log)")
    }

    func body(_ path: String = "/") throws -> String {
        try run(["curl", "-s", "--max-time", "5", "http://\(proxy)\(path)"]).stdout
    }

    /// The app's containers, by name.
    func containers() throws -> [String] { try Self.containers(of: app) }

    static func containers(of app: String) throws -> [String] {
        try run(["docker", "ps", "-a", "--filter", "label=slipway.app=\(app)", "--format", "{{.Names}}"]).stdout
            .split(separator: "\n").map(String.init).sorted()
    }

    static func removeContainers(of app: String) throws {
        for name in try containers(of: app) { _ = try run(["docker", "rm", "-f", name]) }
    }

    /// Runs `body` under 64 connections of constant load through the proxy and returns the load's summary.
    func underLoad(switchingTo new: String, _ body: () throws -> Void) throws -> [String: Any] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/load.py").path
        let stop = work("stop-\(UUID().uuidString)")
        let load = try BackgroundProcess(["python3", script, proxy, "64", stop, new], readyLine: "ready")
        try body()
        Thread.sleep(forTimeInterval: 0.5)
        FileManager.default.createFile(atPath: stop, contents: nil)
        let output = load.finish()
        let json = try #require(output.split(separator: "\n").last.map(String.init), "load printed nothing")
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
    }

    /// No failed request, no non-2xx answer, no old answer after the switch — and enough load to mean something.
    static func expectClean(_ summary: [String: Any], _ phase: String) {
        #expect(summary["errors"] as? Int == 0 && summary["non2xx"] as? Int == 0 && summary["stale"] as? Int == 0,
                "\(phase): \(summary)")
        #expect((summary["total"] as? Int ?? 0) > 200, "\(phase): too little load to mean anything: \(summary)")
    }
}
