import Foundation
import SlipwayTestSupport
import Testing

/// The operator's session from DESIGN.md, end to end, with real dockerd: images from two commits, tag, deploy,
/// switch, drain, delete, rollback — under constant load through the environment's proxy, with not one failed
/// request and no old answer after a switch.
@Suite(.serialized) struct DeployTests {
    let work = TemporaryDirectory("slipway-deploy")
    let first = "c0ffee1" + String(repeating: "1", count: 33)
    let second = "bead002" + String(repeating: "2", count: 33)

    struct Site {
        let server: ServerProcess
        let proxy: String
    }

    /// `slipway serve` with one environment, `staging`, of two servers behind its proxy, and the example app's two
    /// versions pushed to its registry.
    func start(cleanupDelay: String = "4s", deadline: String = "20s") throws -> Site {
        try #require(dockerIsRunning(), "dockerd is not running; scripts/test starts it")
        let proxyPort = try freePort()
        try work.write("slipway.yml", """
            app: example
            environments:
              staging:
                replicas: 2
                port: 8080
                listen: "127.0.0.1:\(proxyPort)"
                health: {path: /healthz, status: 200, interval: 100ms, timeout: 2s, deadline: \(deadline)}
                cleanup_delay: \(cleanupDelay)
                env: {APP_MODE: staging}
            """)
        let server = try ServerProcess(arguments: ["--config", work("slipway.yml")])
        for (version, commit, branch) in [("1", first, "main"), ("2", second, "m2stage")] {
            let layout = try ExampleApp.build(version: version, commit: commit, branch: branch, in: work)
            let result = try run([slipwayExecutable, "image", "copy", layout, "docker://\(server.address)/example:\(commit)"],
                                 environment: ["SLIPWAY_HOME": work("client")])
            try #require(result.status == 0, "\(result.stderr)\n\(server.log)")
        }
        return Site(server: server, proxy: "127.0.0.1:\(proxyPort)")
    }

    func slipway(_ arguments: [String], _ site: Site) throws -> ProcessResult {
        try run([slipwayExecutable] + arguments + ["--config", work("slipway.yml")],
                environment: ["SLIPWAY_HOME": site.server.home("home"), "SLIPWAY_ACTOR": "alice"])
    }

    /// Starts a command without waiting; its output goes to a file.
    func startSlipway(_ arguments: [String], _ site: Site, output: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: slipwayExecutable)
        process.arguments = arguments + ["--config", work("slipway.yml")]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["SLIPWAY_HOME": site.server.home("home"), "SLIPWAY_ACTOR": "bob"]) { $1 }
        FileManager.default.createFile(atPath: output, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = process.standardOutput
        try process.run()
        return process
    }

    func body(_ site: Site, _ path: String = "/") throws -> String {
        try run(["curl", "-s", "--max-time", "5", "http://\(site.proxy)\(path)"]).stdout
    }

    /// Containers of the app, by name.
    func containers() throws -> [String] {
        try run(["docker", "ps", "-a", "--filter", "label=slipway.app=example", "--format", "{{.Names}}"]).stdout
            .split(separator: "\n").map(String.init).sorted()
    }

    func removeContainers() throws {
        for name in try containers() { _ = try run(["docker", "rm", "-f", name]) }
    }

    /// Runs `body` under 64 connections of constant load and returns the load's summary.
    func underLoad(_ site: Site, switchingTo new: String, _ body: () throws -> Void) throws -> [String: Any] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/load.py").path
        let stop = work("stop-\(UUID().uuidString)")
        let load = try BackgroundProcess(["python3", script, site.proxy, "64", stop, new], readyLine: "ready")
        try body()
        Thread.sleep(forTimeInterval: 0.5)
        FileManager.default.createFile(atPath: stop, contents: nil)
        let output = load.finish()
        let json = try #require(output.split(separator: "\n").last.map(String.init), "load printed nothing")
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
    }

    func expectClean(_ summary: [String: Any], _ phase: String) {
        #expect(summary["errors"] as? Int == 0 && summary["non2xx"] as? Int == 0 && summary["stale"] as? Int == 0,
                "\(phase): \(summary)")
        #expect((summary["total"] as? Int ?? 0) > 200, "\(phase): too little load to mean anything: \(summary)")
    }

    @Test func operatorSessionWithoutAFailedRequest() throws {
        try removeContainers()
        let site = try start()
        defer { try? removeContainers() }

        // The first deploy: nothing was live.
        var result = try slipway(["tag-by-commit", String(first.prefix(7)), "staging"], site)
        #expect(result.status == 0, "\(result.stderr)")
        result = try slipway(["run-deploy-and-cleanup"], site)
        #expect(result.status == 0, "\(result.stderr)\n\(site.server.log)")
        #expect(result.stdout.contains("Waiting for servers to verify...complete\n"), "\(result.stdout)")
        #expect(result.stdout.contains("New cluster example-staging-a is live."), "\(result.stdout)")
        #expect(try body(site) == "version 1\n")
        #expect(try containers() == ["example-staging-a-1", "example-staging-a-2"])

        // Deploying the live image again does nothing, and says so.
        result = try slipway(["run-deploy-and-cleanup", "staging"], site)
        #expect(result.status == 0 && result.stderr.contains("already live"), "\(result.stdout)\(result.stderr)")

        // Version 2 by branch, under load: the story's exact lines, and no request lost.
        result = try slipway(["tag-by-branch", "m2stage", "staging"], site)
        #expect(result.status == 0, "\(result.stderr)")
        var outcome: ProcessResult?
        let forward = try underLoad(site, switchingTo: "version 2") {
            outcome = try slipway(["run-deploy-and-cleanup"], site)
        }
        let deploy = try #require(outcome)
        #expect(deploy.status == 0, "\(deploy.stderr)")
        #expect(deploy.stdout.contains("""
            Waiting for servers to verify...complete
            New cluster example-staging-b is live. Waiting 4 seconds before cleaning up old cluster example-staging-a
            Deleting old servers
            """), "\(deploy.stdout)")
        expectClean(forward, "deploy of version 2")
        #expect(try body(site) == "version 2\n")
        #expect(try containers() == ["example-staging-b-1", "example-staging-b-2"])

        // Rollback inside the cleanup window: an instant switch back to the old cluster, still running.
        result = try slipway(["tag-by-commit", first, "staging"], site)
        #expect(result.status == 0)
        let redeploy = work("redeploy.out")
        let deployProcess = try startSlipway(["run-deploy-and-cleanup"], site, output: redeploy)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !((try? String(contentsOfFile: redeploy, encoding: .utf8)) ?? "").contains("is live") {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(try body(site) == "version 1\n")
        let back = try underLoad(site, switchingTo: "version 2") {
            let rollback = try slipway(["rollback"], site)
            #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
            #expect(rollback.stdout.contains("Switched back to example-staging-b"), "\(rollback.stdout)")
        }
        deployProcess.waitUntilExit()
        expectClean(back, "rollback inside the window")
        let redeployOutput = (try? String(contentsOfFile: redeploy, encoding: .utf8)) ?? ""
        #expect(deployProcess.terminationStatus == 1 && redeployOutput.contains("Rolled back"), "\(redeployOutput)")
        #expect(try body(site) == "version 2\n")
        #expect(try containers() == ["example-staging-b-1", "example-staging-b-2"])

        // Rollback after the window: the image live before, through the verified path.
        let late = try underLoad(site, switchingTo: "version 1") {
            let rollback = try slipway(["rollback"], site)
            #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
            #expect(rollback.stdout.contains("Rolling back staging to") && rollback.stdout.contains("verify...complete"), "\(rollback.stdout)")
        }
        expectClean(late, "rollback after the window")
        #expect(try body(site) == "version 1\n")

        // What happened is on record.
        result = try slipway(["history", "--json"], site)
        #expect(result.status == 0)
        struct Entry: Decodable { var what: String; var actor: String; var outcome: String? }
        let entries = try JSONDecoder().decode([Entry].self, from: Data(result.stdout.utf8))
        #expect(entries.filter { $0.what == "deploy" }.count == 4)
        #expect(entries.contains { $0.what == "rollback" && $0.outcome == "succeeded" })
        #expect(entries.contains { $0.what == "tag" && $0.actor == "alice" })
        result = try slipway(["status", "--json"], site)
        #expect(result.stdout.contains("example-staging-a") && result.stdout.contains("healthy"), "\(result.stdout)")
    }
}
