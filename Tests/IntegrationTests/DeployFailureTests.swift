import Foundation
import SlipwayTestSupport
import Testing

/// Deploys that must not go through, and a server killed in the middle of one: each ends with the old version
/// serving and a message that says why.
@Suite(.serialized) struct DeployFailureTests {
    let good = "aaaa111" + String(repeating: "1", count: 33)

    /// A site serving version 1 from cluster a.
    func live(_ site: DeploySite) throws {
        try site.push(version: "1", commit: good)
        #expect(try site.slipway(["tag-by-commit", good, "staging"]).status == 0)
        let result = try site.slipway(["run-deploy-and-cleanup"])
        try #require(result.status == 0, "\(result.stdout)\(result.stderr)\n\(site.server.log)")
        #expect(try site.body() == "version 1\n")
    }

    /// Tags and deploys `commit`, expecting failure; returns what the command printed, and checks that version 1
    /// still serves from cluster a alone.
    func failingDeploy(_ site: DeploySite, _ commit: String) throws -> String {
        #expect(try site.slipway(["tag-by-commit", commit, "staging"]).status == 0)
        let result = try site.slipway(["run-deploy-and-cleanup"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(try site.body() == "version 1\n")
        #expect(try site.containers() == ["\(site.app)-staging-a-1", "\(site.app)-staging-a-2"])
        #expect(result.stderr.contains("The old cluster \(site.app)-staging-a stays live. The new cluster \(site.app)-staging-b was removed."),
                "\(result.stderr)")
        return result.stdout + result.stderr
    }

    @Test func unhealthyServersNeverGetTraffic() throws {
        let site = try DeploySite(deadline: "2s")
        try live(site)
        try site.push(version: "2", commit: "bbbb222" + String(repeating: "2", count: 33), variant: .neverHealthy)
        try site.push(version: "3", commit: "cccc333" + String(repeating: "3", count: 33), variant: .exitsAtOnce)
        try site.push(version: "4", commit: "dddd444" + String(repeating: "4", count: 33), variant: .wrongPort)

        var output = ""
        let load = try site.underLoad(switchingTo: "version 1") {
            output = try failingDeploy(site, "bbbb222")
        }
        DeploySite.expectClean(load, "a deploy that never verifies")
        #expect(output.contains("Waiting for servers to verify...failed"), "\(output)")
        #expect(output.contains("\(site.app)-staging-b-1: HTTP 404 after") && output.contains("\(site.app)-staging-b-2: HTTP 404 after"),
                "\(output)")
        #expect(output.contains("404 Not Found") && output.contains("log (last lines)"), "\(output)")

        output = try failingDeploy(site, "cccc333")
        #expect(output.range(of: "\(site.app)-staging-b-[12]: the container exited with status 1", options: .regularExpression) != nil
                && output.contains("config missing: DATABASE_URL"), "\(output)")

        output = try failingDeploy(site, "dddd444")
        #expect(output.contains("hint: the image declares EXPOSE 3000 but the environment's port is 8080"),
                "\(output)")

        let history = try site.slipway(["history", "--json"]).stdout
        #expect(history.components(separatedBy: "\"failed\"").count - 1 == 3, "\(history)")
    }

    @Test func aFailingReleaseCommandAbortsTheDeploy() throws {
        let site = try DeploySite(extra: #"release_command: ["/bin/busybox", "sh", "-c", "echo migrating $APP_MODE; test -f /www/index.html && grep -q 'version 1' /www/index.html"]"#)
        try live(site)  // version 1's release command passes
        try site.push(version: "2", commit: "eeee555" + String(repeating: "5", count: 33))
        let output = try failingDeploy(site, "eeee555")
        #expect(output.contains("Running release command") && output.contains("failed with exit status 1")
                && output.contains("migrating staging"), "\(output)")
    }

    @Test func oneDeployAtATime() throws {
        let site = try DeploySite()
        try live(site)
        try site.restart(environment: ["SLIPWAY_DEPLOY_PAUSE_AT": "verifying:3"])
        try site.push(version: "2", commit: "ffff666" + String(repeating: "6", count: 33))
        #expect(try site.slipway(["tag-by-commit", "ffff666", "staging"]).status == 0)
        let first = try site.start(["run-deploy-and-cleanup"], output: site.work("first.out"))
        #expect(site.wait(for: "Pausing", in: site.work("first.out")))
        let second = try site.slipway(["run-deploy-and-cleanup"], actor: "carol")
        #expect(second.status == 1 && second.stderr.contains("a deploy of staging is already running"), "\(second.stderr)")
        first.waitUntilExit()
        #expect(first.terminationStatus == 0, "\((try? String(contentsOfFile: site.work("first.out"), encoding: .utf8)) ?? "")")
        #expect(try site.body() == "version 2\n")
    }

    /// The operator's SSH session drops mid-deploy: the deploy goes on in the server and finishes.
    @Test func theDeployOutlivesItsCommand() throws {
        let site = try DeploySite(cleanupDelay: "1s")
        try live(site)
        try site.restart(environment: ["SLIPWAY_DEPLOY_PAUSE_AT": "verifying:2"])
        try site.push(version: "2", commit: "acac888" + String(repeating: "8", count: 33))
        #expect(try site.slipway(["tag-by-commit", "acac888", "staging"]).status == 0)
        let output = site.work("deploy.out")
        let deploy = try site.start(["run-deploy-and-cleanup"], output: output)
        #expect(site.wait(for: "Pausing", in: output))
        kill(deploy.processIdentifier, SIGKILL)
        deploy.waitUntilExit()
        try site.eventually("the deploy finished without its command") {
            try site.body() == "version 2\n" && site.containers() == ["\(site.app)-staging-b-1", "\(site.app)-staging-b-2"]
                && site.slipway(["history", "--json"]).stdout.components(separatedBy: "\"succeeded\"").count == 3
        }
    }

    /// `kill -9` of the server with a deploy paused at each step, then a restart on the same state: before the
    /// switch the old version serves and the half-started cluster is gone; after it the new one serves and the
    /// old cluster is deleted.
    @Test(arguments: ["pulling", "starting", "verifying", "switched", "draining"])
    func killedMidDeployRecovers(step: String) throws {
        let site = try DeploySite(cleanupDelay: "1s")
        try live(site)
        try site.restart(environment: ["SLIPWAY_DEPLOY_PAUSE_AT": "\(step):30"])
        try site.push(version: "2", commit: "abab777" + String(repeating: "7", count: 33))
        #expect(try site.slipway(["tag-by-commit", "abab777", "staging"]).status == 0)
        let output = site.work("deploy.out")
        let deploy = try site.start(["run-deploy-and-cleanup"], output: output)
        try #require(site.wait(for: "Pausing 30.0 s at step \(step)", in: output), "\((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
        try site.restart(environment: [:])
        deploy.waitUntilExit()
        #expect(deploy.terminationStatus == 1)  // its server went away mid-stream
        let switched = ["switched", "draining"].contains(step)
        let colour = switched ? "b" : "a"
        // The proxy serves the live cluster as soon as the server is back.
        #expect(try site.body() == (switched ? "version 2\n" : "version 1\n"), "\(site.server.log)")
        // The old cluster's deletion finishes in the background.
        try site.eventually("only cluster \(colour) remains and the deploy is closed") {
            let status = try site.slipway(["status"]).stdout
            return try site.containers() == ["\(site.app)-staging-\(colour)-1", "\(site.app)-staging-\(colour)-2"]
                && status.contains("\(site.app)-staging-\(colour) is live") && !status.contains("running #")
        }
        let last = try site.slipway(["history", "--json"]).stdout
        #expect(last.contains(switched ? "cleanup finished after a restart" : "interrupted: slipway serve stopped during step \(step)"), "\(last)")
        // And the next deploy works.
        if !switched {
            let again = try site.slipway(["run-deploy-and-cleanup"])
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        }
    }
}
