import Foundation
import SlipwayTestSupport
import Testing

/// The operator's session from DESIGN.md, end to end, with real dockerd: images from two commits, tag, deploy,
/// switch, drain, delete, rollback — under constant load through the environment's proxy, with not one failed
/// request and no old answer after a switch.
@Suite(.serialized) struct DeployTests {
    let first = "c0ffee1" + String(repeating: "1", count: 33)
    let second = "bead002" + String(repeating: "2", count: 33)

    @Test func operatorSessionWithoutAFailedRequest() throws {
        let site = try DeploySite(app: "example", extra: "assets: {path: /www/static, url: /static/}")
        try site.push(version: "1", commit: first)
        try site.push(version: "2", commit: second, branch: "m2stage")

        // The first deploy: nothing was live.
        var result = try site.slipway(["tag-by-commit", String(first.prefix(7)), "staging"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try site.slipway(["run-deploy-and-cleanup"])
        #expect(result.status == 0, "\(result.stderr)\n\(site.server.log)")
        #expect(result.stdout.contains("Waiting for servers to verify...complete\n"), "\(result.stdout)")
        #expect(result.stdout.contains("New cluster example-staging-a is live."), "\(result.stdout)")
        #expect(try site.body() == "version 1\n")
        #expect(try site.containers() == ["example-staging-a-1", "example-staging-a-2"])

        // Deploying the live image again does nothing, and says so.
        result = try site.slipway(["run-deploy-and-cleanup", "staging"])
        #expect(result.status == 0 && result.stderr.contains("already live"), "\(result.stdout)\(result.stderr)")

        // Version 2 by branch, under load: the story's exact lines, and no request lost.
        result = try site.slipway(["tag-by-branch", "m2stage", "staging"])
        #expect(result.status == 0, "\(result.stderr)")
        var outcome: ProcessResult?
        let forward = try site.underLoad(switchingTo: "version 2") {
            outcome = try site.slipway(["run-deploy-and-cleanup"])
        }
        let deploy = try #require(outcome)
        #expect(deploy.status == 0, "\(deploy.stderr)")
        #expect(deploy.stdout.contains("""
            Waiting for servers to verify...complete
            New cluster example-staging-b is live. Waiting 4 seconds before cleaning up old cluster example-staging-a
            Deleting old servers
            """), "\(deploy.stdout)")
        DeploySite.expectClean(forward, "deploy of version 2")
        #expect(try site.body() == "version 2\n")
        #expect(try site.containers() == ["example-staging-b-1", "example-staging-b-2"])
        // The proxy serves both images' assets, from the images themselves: pages of either version find theirs.
        #expect(try site.body("/static/site-2.css") == "body { color: green }\n")
        #expect(try site.body("/static/site-1.css") == "body { color: blue }\n")
        #expect(try run(["curl", "-s", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", "http://\(site.proxy)/static/../healthz"]).stdout == "404")
        #expect(try run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://\(site.proxy)/static/missing.css"]).stdout == "404")

        // Rollback inside the cleanup window: an instant switch back to the old cluster, still running.
        result = try site.slipway(["tag-by-commit", first, "staging"])
        #expect(result.status == 0)
        let redeploy = site.work("redeploy.out")
        let deployProcess = try site.start(["run-deploy-and-cleanup"], output: redeploy)
        #expect(site.wait(for: "is live", in: redeploy))
        #expect(try site.body() == "version 1\n")
        let back = try site.underLoad(switchingTo: "version 2") {
            let rollback = try site.slipway(["rollback"])
            #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
            #expect(rollback.stdout.contains("Switched back to example-staging-b"), "\(rollback.stdout)")
        }
        deployProcess.waitUntilExit()
        DeploySite.expectClean(back, "rollback inside the window")
        let redeployOutput = (try? String(contentsOfFile: redeploy, encoding: .utf8)) ?? ""
        #expect(deployProcess.terminationStatus == 1 && redeployOutput.contains("Rolled back"), "\(redeployOutput)")
        #expect(try site.body() == "version 2\n")
        #expect(try site.containers() == ["example-staging-b-1", "example-staging-b-2"])

        // Rollback after the window: the image live before, through the verified path.
        let late = try site.underLoad(switchingTo: "version 1") {
            let rollback = try site.slipway(["rollback"])
            #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
            #expect(rollback.stdout.contains("Rolling back staging to") && rollback.stdout.contains("verify...complete"), "\(rollback.stdout)")
        }
        DeploySite.expectClean(late, "rollback after the window")
        #expect(try site.body() == "version 1\n")

        // What happened is on record.
        result = try site.slipway(["history", "--json"])
        #expect(result.status == 0)
        struct Entry: Decodable { var what: String; var actor: String; var outcome: String? }
        let entries = try JSONDecoder().decode([Entry].self, from: Data(result.stdout.utf8))
        #expect(entries.filter { $0.what == "deploy" }.count == 4)
        #expect(entries.contains { $0.what == "rollback" && $0.outcome == "succeeded" })
        #expect(entries.contains { $0.what == "tag" && $0.actor == "alice" })
        result = try site.slipway(["status", "--json"])
        #expect(result.stdout.contains("example-staging-a") && result.stdout.contains("healthy"), "\(result.stdout)")

        // The proxy's metrics, per environment and colour, are on the server's /metrics.
        let metrics = try run(["curl", "-s", "http://\(site.server.address)/metrics"]).stdout
        let served = metrics.split(separator: "\n").first { $0.hasPrefix(#"slipway_proxy_requests_total{environment="staging",colour="a",code="2xx"}"#) }
        #expect((served?.split(separator: " ").last.flatMap { Int($0) } ?? 0) > 1000, "\(metrics.prefix(2000))")
        #expect(metrics.components(separatedBy: "# TYPE slipway_proxy_requests_total").count == 2)

        // The registry keeps deployed images for rollbacks: deleting one is refused.
        struct Status: Decodable { var digest: String? }
        let live = try #require(try JSONDecoder().decode([Status].self, from: Data(result.stdout.utf8)).first?.digest)
        let delete = try run(["curl", "-s", "-w", "%{http_code}", "-X", "DELETE", "http://\(site.server.address)/v2/example/manifests/\(live)"])
        #expect(delete.stdout.hasSuffix("403") && delete.stdout.contains("DENIED") && delete.stdout.contains("rollback"), "\(delete.stdout)")
    }
}
