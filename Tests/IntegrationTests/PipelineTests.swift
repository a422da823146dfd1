import Foundation
import SlipwayTestSupport
import Testing

/// From a push to an image, through the real programs: webhooks as GitHub, GitLab and Bitbucket send them (fixture
/// bodies, real headers, real signatures) to `slipway serve`, which fetches from a smart-HTTP git server (git's own
/// http-backend) or OpenSSH's sshd with the source's credentials and builds the commit's Dockerfile into its own
/// registry; the built-in git remote, pushed to over a path and over SSH; and the queue's commands.
@Suite(.serialized) struct PipelineTests {
    // MARK: Webhooks

    @Test func gitHubPushBuildsTheCommitWithTheSourceToken() throws {
        #expect(try Webhook.hmac("sha256", "Hello, World!", key: "It's a Secret to Everybody")
                == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "GitHub's published test vector")
        let work = TemporaryDirectory("slipway-pipeline")
        let token = "ghp_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let secret = "hook-secret-" + UUID().uuidString
        let gitServer = try GitHTTPServer(token: token)
        let repository = try AppRepository(work("app"))
        let first = try repository.commit(.serves, "first")
        let second = try repository.commit(.serves, "second")
        try repository.publish(to: gitServer.root + "/acme/site.git")
        try work.write("token", token + "\n", mode: 0o600)
        try work.write("secret", secret + "\n", mode: 0o600)
        // Every git the server runs, with its arguments.
        try work.write("git-wrapper", """
            #!/bin/sh
            printf '%s\\n' "$*" >> \(work("git-argv.log"))
            exec /usr/bin/git "$@"

            """, mode: 0o755)
        let cloneURL = gitServer.url(for: "acme/site.git")
        let site = try BuildSite(work: work, sources: [
            #"{name: site, git: "\#(cloneURL)", branches: ["*"], token_file: \#(work("token")), webhook_secret_file: \#(work("secret"))}"#,
        ], environment: ["SLIPWAY_GIT": work("git-wrapper")])

        let delivery = UUID().uuidString.lowercased()
        let body = try Webhook.body("github-push.json", after: second, before: first, cloneURL: cloneURL, fullName: "acme/site")
        let reply = try site.post("github", body: body, headers: try Webhook.gitHub("push", delivery: delivery, body: body, secret: secret))
        #expect(reply.status == 202, "\(reply.text)\n\(site.server.log)")
        let id = try #require(reply.json?.builds.first, "no build queued: \(reply.text)\n\(site.server.log)")
        #expect(reply.json?.builds.count == 1 && reply.json?.message.contains("queued build #\(id)") == true, "\(reply.text)")

        let build = try site.waitForBuild(id)
        #expect(build.state == "succeeded", "\(build)\n\(site.report(id))")
        #expect(build.commit == second && build.branch == "main" && build.ref == "refs/heads/main", "\(build)")
        #expect(build.trigger == "github" && build.delivery == delivery && build.source == "site" && build.repository == site.app, "\(build)")
        #expect(build.tags == [second, String(second.prefix(7))] && build.digest?.hasPrefix("sha256:") == true, "\(build)")
        let tags = try site.tags()
        #expect(tags.contains(second) && tags.contains(String(second.prefix(7))), "\(tags)\n\(site.server.log)")
        let labels = try site.labels(tag: second)
        #expect(labels["org.opencontainers.image.revision"] == second, "\(labels)")
        #expect(labels["slipway.git.branch"] == "main", "\(labels)")
        #expect(labels["org.opencontainers.image.source"] == cloneURL, "\(labels)")
        #expect(try site.labels(tag: String(second.prefix(7)))["org.opencontainers.image.revision"] == second)

        // The token went to the git server, and nowhere else.
        let requests = gitServer.requests
        #expect(requests.contains { $0.authorization && $0.authorized && $0.path == "/acme/site.git/git-upload-pack" && $0.status == 200 },
                "\(requests)")
        #expect(requests.contains { !$0.authorization && $0.status == 401 }, "the git server let git in without the token: \(requests)")
        #expect(!requests.contains { $0.authorization && !$0.authorized }, "a request carried a wrong token: \(requests)")
        let argv = (try? String(contentsOfFile: work("git-argv.log"), encoding: .utf8)) ?? ""
        #expect(argv.contains("fetch") && argv.contains(cloneURL), "the wrapper saw no fetch: \(argv)")
        let log = try site.log(id)
        #expect(log.contains("fetching \(cloneURL)") && log.contains("pushed \(site.app):\(second)"), "\(log)")
        let shown = try site.slipway(["builds", "show", String(id), "--json"]).stdout
        for (place, text) in [("the build log", log), ("builds show --json", shown), ("the server log", site.server.log),
                              ("git's arguments", argv)] {
            #expect(!text.contains(token), "the token is in \(place): \(text)")
        }
    }

    @Test func gitHubDeliveriesThatBuildNothing() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let secret = "hook-secret-" + UUID().uuidString
        let gitServer = try GitHTTPServer()
        let repository = try AppRepository(work("app"))
        let first = try repository.commit(.serves, "first")
        let second = try repository.commit(.serves, "second")
        try repository.publish(to: gitServer.root + "/acme/site.git")
        try work.write("secret", secret, mode: 0o600)
        let cloneURL = gitServer.url(for: "acme/site.git")
        let site = try BuildSite(work: work, sources: [
            #"{name: site, git: "\#(cloneURL)", webhook_secret_file: \#(work("secret"))}"#,
        ])
        let push = try Webhook.body("github-push.json", after: second, before: first, cloneURL: cloneURL, fullName: "acme/site")
        let delivery = UUID().uuidString.lowercased()

        // A wrong signature, then none: refused, and the delivery id is not used up.
        var headers = try Webhook.gitHub("push", delivery: delivery, body: push, secret: "not-the-secret")
        var reply = try site.post("github", body: push, headers: headers)
        #expect(reply.status == 401 && reply.text.contains("X-Hub-Signature-256 is wrong"), "\(reply.text)")
        headers = try Webhook.gitHub("push", delivery: delivery, body: push, secret: nil)
        reply = try site.post("github", body: push, headers: headers)
        #expect(reply.status == 401 && reply.text.contains("X-Hub-Signature-256 is missing"), "\(reply.text)")
        // A body changed after signing is refused too.
        headers = try Webhook.gitHub("push", delivery: delivery, body: push, secret: secret)
        reply = try site.post("github", body: push.replacingOccurrences(of: second, with: first), headers: headers)
        #expect(reply.status == 401, "\(reply.text)")
        #expect(try site.builds().isEmpty, "a refused delivery queued a build\n\(site.server.log)")

        // Signed: queued. The same delivery again (GitHub's redelivery keeps X-GitHub-Delivery): 200, nothing new.
        reply = try site.post("github", body: push, headers: headers)
        #expect(reply.status == 202 && reply.json?.builds.count == 1, "\(reply.text)\n\(site.server.log)")
        let id = try #require(reply.json?.builds.first, "\(reply.text)\n\(site.server.log)")
        reply = try site.post("github", body: push, headers: headers)
        #expect(reply.status == 200 && reply.text.contains("received before") && reply.json?.builds.isEmpty == true, "\(reply.text)")
        #expect(try site.builds().map(\.id) == [id], "\(site.server.log)")

        // A repository no source names.
        let otherURL = gitServer.url(for: "acme/other.git")
        let other = try Webhook.body("github-push.json", after: second, before: first, cloneURL: otherURL, fullName: "acme/other")
        reply = try site.post("github", body: other, headers: try Webhook.gitHub("push", delivery: UUID().uuidString, body: other, secret: secret))
        #expect(reply.status == 404 && reply.text.contains("acme/other"), "\(reply.text)")

        // GitHub's ping when the hook is made.
        let ping = try Webhook.body("github-ping.json", cloneURL: cloneURL, fullName: "acme/site")
        reply = try site.post("github", body: ping, headers: try Webhook.gitHub("ping", delivery: UUID().uuidString, body: ping, secret: secret))
        #expect(reply.status == 200 && reply.text.contains("pong"), "\(reply.text)")

        // A deleted branch, and a tag (the source does not build tags): acknowledged, nothing queued.
        let deletion = try Webhook.body("github-push-delete.json", ref: "refs/heads/feature", before: second, cloneURL: cloneURL,
                                        fullName: "acme/site")
        reply = try site.post("github", body: deletion,
                              headers: try Webhook.gitHub("push", delivery: UUID().uuidString, body: deletion, secret: secret))
        #expect(reply.status == 202 && reply.json?.builds.isEmpty == true
                && reply.json?.ignored.contains("refs/heads/feature was deleted") == true, "\(reply.text)")
        let tag = try Webhook.body("github-push-tag.json", after: second, cloneURL: cloneURL, fullName: "acme/site", tag: "v1.0.0")
        reply = try site.post("github", body: tag, headers: try Webhook.gitHub("push", delivery: UUID().uuidString, body: tag, secret: secret))
        #expect(reply.status == 202 && reply.json?.builds.isEmpty == true
                && reply.json?.ignored.first?.contains("refs/tags/v1.0.0 is a tag") == true, "\(reply.text)")
        #expect(try site.builds().map(\.id) == [id], "\(site.server.log)")
        #expect(try site.waitForBuild(id).state == "succeeded", "\(site.report(id))")
    }

    @Test func gitLabPushBuilds() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let secret = "gitlab-token-" + UUID().uuidString
        let gitServer = try GitHTTPServer()
        let repository = try AppRepository(work("app"))
        let first = try repository.commit(.serves, "first")
        let second = try repository.commit(.serves, "second")
        try repository.publish(to: gitServer.root + "/group/app.git")
        try work.write("secret", secret, mode: 0o600)
        let cloneURL = gitServer.url(for: "group/app.git")
        let site = try BuildSite(work: work, sources: [#"{name: app, git: "\#(cloneURL)", webhook_secret_file: \#(work("secret"))}"#])
        let push = try Webhook.body("gitlab-push.json", after: second, before: first, cloneURL: cloneURL, fullName: "group/app")

        var reply = try site.post("gitlab", body: push, headers: Webhook.gitLab("Push Hook", token: "wrong-" + secret))
        #expect(reply.status == 401 && reply.text.contains("X-Gitlab-Token is wrong"), "\(reply.text)")
        reply = try site.post("gitlab", body: push, headers: Webhook.gitLab("Push Hook", token: nil))
        #expect(reply.status == 401 && reply.text.contains("X-Gitlab-Token is missing"), "\(reply.text)")
        #expect(try site.builds().isEmpty, "\(site.server.log)")

        let headers = Webhook.gitLab("Push Hook", token: secret)
        reply = try site.post("gitlab", body: push, headers: headers)
        #expect(reply.status == 202, "\(reply.text)\n\(site.server.log)")
        let id = try #require(reply.json?.builds.first, "\(reply.text)\n\(site.server.log)")
        // A retry keeps its Idempotency-Key.
        reply = try site.post("gitlab", body: push, headers: headers)
        #expect(reply.status == 200 && reply.json?.builds.isEmpty == true, "\(reply.text)")
        // A tag push: acknowledged, not built.
        let tag = try Webhook.body("gitlab-tag-push.json", after: second, cloneURL: cloneURL, fullName: "group/app", tag: "v2")
        reply = try site.post("gitlab", body: tag, headers: Webhook.gitLab("Tag Push Hook", token: secret))
        #expect(reply.status == 202 && reply.json?.builds.isEmpty == true, "\(reply.text)")

        let build = try site.waitForBuild(id)
        #expect(build.state == "succeeded" && build.commit == second && build.trigger == "gitlab" && build.branch == "main",
                "\(build)\n\(site.report(id))")
        #expect(try site.builds().map(\.id) == [id])
        let tags = try site.tags()
        #expect(tags.contains(second) && tags.contains(String(second.prefix(7))), "\(tags)\n\(site.server.log)")
        #expect(try site.labels(tag: second)["org.opencontainers.image.revision"] == second)
    }

    @Test func bitbucketPushBuilds() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let secret = "bitbucket-secret-" + UUID().uuidString
        let gitServer = try GitHTTPServer()
        let repository = try AppRepository(work("app"))
        let first = try repository.commit(.serves, "first")
        let second = try repository.commit(.serves, "second")
        try repository.publish(to: gitServer.root + "/team/app.git")
        try work.write("secret", secret, mode: 0o600)
        let cloneURL = gitServer.url(for: "team/app.git")
        let site = try BuildSite(work: work, sources: [#"{name: app, git: "\#(cloneURL)", webhook_secret_file: \#(work("secret"))}"#])
        // Bitbucket names the repository by its web page only: the clone URL without .git.
        let push = try Webhook.body("bitbucket-push.json", after: second, before: first, cloneURL: cloneURL, fullName: "team/app")

        var reply = try site.post("bitbucket", body: push, headers: try Webhook.bitbucket(body: push, secret: "not-" + secret))
        #expect(reply.status == 401 && reply.text.contains("X-Hub-Signature is wrong"), "\(reply.text)")
        #expect(try site.builds().isEmpty, "\(site.server.log)")
        reply = try site.post("bitbucket", body: push, headers: try Webhook.bitbucket(body: push, secret: secret))
        #expect(reply.status == 202, "\(reply.text)\n\(site.server.log)")
        let id = try #require(reply.json?.builds.first, "\(reply.text)\n\(site.server.log)")

        let build = try site.waitForBuild(id)
        #expect(build.state == "succeeded" && build.commit == second && build.trigger == "bitbucket" && build.branch == "main",
                "\(build)\n\(site.report(id))")
        let tags = try site.tags()
        #expect(tags.contains(second) && tags.contains(String(second.prefix(7))), "\(tags)\n\(site.server.log)")
        #expect(try site.labels(tag: String(second.prefix(7)))["slipway.git.branch"] == "main")
    }

    @Test func aWebhookForACommitTheRepositoryLacksFails() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let secret = "hook-secret-" + UUID().uuidString
        let gitServer = try GitHTTPServer()
        let repository = try AppRepository(work("app"))
        let first = try repository.commit(.serves, "first")
        try repository.publish(to: gitServer.root + "/acme/site.git")
        try work.write("secret", secret, mode: 0o600)
        let cloneURL = gitServer.url(for: "acme/site.git")
        let site = try BuildSite(work: work, sources: [#"{name: site, git: "\#(cloneURL)", webhook_secret_file: \#(work("secret"))}"#])
        let missing = "5afe" + String(repeating: "0b", count: 18)
        let body = try Webhook.body("github-push.json", after: missing, before: first, cloneURL: cloneURL, fullName: "acme/site")
        let reply = try site.post("github", body: body,
                                  headers: try Webhook.gitHub("push", delivery: UUID().uuidString, body: body, secret: secret))
        let id = try #require(reply.status == 202 ? reply.json?.builds.first : nil, "\(reply.status) \(reply.text)\n\(site.server.log)")

        let build = try site.waitForBuild(id)
        #expect(build.state == "failed", "\(build)\n\(site.server.log)")
        let expected = "commit \(missing) is not in site"
        #expect(build.error?.contains(expected) == true, "\(build)")
        let log = try site.log(id)
        #expect(log.contains(expected) && log.contains("build #\(id) failed"), "\(log)")
        #expect(try site.tags().isEmpty, "\(site.server.log)")
    }

    // MARK: Builds by hand, and the queue

    @Test func buildCommitAndTheBuildsCommands() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let repository = try AppRepository(work("app"))
        let commit = try repository.commit(.serves, "first")
        let site = try BuildSite(work: work, sources: [#"{name: app, git: \#(repository.path)}"#])

        var result = try site.slipway(["build-commit", "app", commit, "--branch", "main", "--wait"])
        #expect(result.status == 0 && result.stdout.contains("queued build #1") && result.stdout.contains("build #1 succeeded"),
                "\(result.stdout)\(result.stderr)\n\(site.server.log)")
        let tags = try site.tags()
        #expect(tags.contains(commit) && tags.contains(String(commit.prefix(7))), "\(tags)\n\(site.server.log)")
        #expect(try site.labels(tag: commit)["slipway.git.branch"] == "main")

        // A unique prefix is resolved to the full id, which the build records and tags.
        result = try site.slipway(["build-commit", "app", String(commit.prefix(9)), "--wait"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n\(site.server.log)")
        let second = try site.build(2)
        #expect(second.state == "succeeded" && second.commit == commit && second.branch == nil, "\(second)")

        // The list as JSON: every field of every build, oldest first.
        result = try site.slipway(["builds", "list", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result.stdout)")
        #expect(list.map { $0["id"] as? Int } == [1, 2], "\(list)")
        for key in ["id", "state", "source", "repository", "ref", "branch", "commit", "trigger", "queuedAt", "startedAt", "finishedAt",
                    "seconds", "digest", "tags"] {
            #expect(list[0][key] != nil, "builds list --json has no \(key): \(result.stdout)")
        }
        let state = list[0]["state"] as? String, trigger = list[0]["trigger"] as? String
        let repositoryName = list[0]["repository"] as? String
        #expect(state == "succeeded" && trigger == "manual" && repositoryName == site.app, "\(result.stdout)")
        result = try site.slipway(["builds"])
        #expect(result.status == 0 && result.stdout.contains("#1") && result.stdout.contains("succeeded")
                && result.stdout.contains(String(commit.prefix(12))), "\(result.stdout)\(result.stderr)")
        result = try site.slipway(["builds", "logs", "1"])
        #expect(result.status == 0 && result.stdout.contains("COPY bin/busybox /bin/busybox")
                && result.stdout.contains("pushed \(site.app):\(commit) and \(site.app):\(commit.prefix(7))")
                && result.stdout.contains("build #1 succeeded"), "\(result.stdout)\(result.stderr)")
        result = try site.slipway(["builds", "show", "1"])
        #expect(result.status == 0 && result.stdout.contains("succeeded") && result.stdout.contains("\(site.app):\(commit.prefix(7))"),
                "\(result.stdout)\(result.stderr)")

        // A commit that is not there: the build fails and says why.
        let unknown = "0123456789abcdef0123456789abcdef01234567"
        result = try site.slipway(["build-commit", "app", unknown, "--wait"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)\n\(site.server.log)")
        #expect(result.stdout.contains("commit \(unknown) is not in app"), "\(result.stdout)\(result.stderr)")
        #expect(try site.builds().last?.state == "failed")
        // A source that is not there: a usage error, nothing queued.
        result = try site.slipway(["build-commit", "nosuch", commit])
        #expect(result.status == 2 && result.stderr.contains("no source named 'nosuch'") && result.stderr.contains("sources: app"),
                "\(result.stdout)\(result.stderr)")
        #expect(try site.builds().count == 3)
        result = try site.slipway(["builds", "show", "99"])
        #expect(result.status == 1 && result.stderr.contains("there is no build #99"), "\(result.stderr)")
    }

    /// The registry's push event starts the scan: the built image shows its scan in list-images.
    @Test func aBuiltImageIsScanned() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        try work.write("osv/TEST-1.json", #"""
            {"id": "TEST-1", "modified": "2026-01-01T00:00:00Z",
             "affected": [{"package": {"ecosystem": "npm", "name": "not-in-the-image"}, "versions": ["1.0.0"]}]}
            """#)
        let imported = try run([slipwayExecutable, "vulndb", "import", work("osv"), "--database", work("vulndb.sqlite")])
        try #require(imported.status == 0, "\(imported.stderr)")
        let repository = try AppRepository(work("app"))
        let commit = try repository.commit(.serves, "first")
        let site = try BuildSite(work: work, sources: [#"{name: app, git: \#(repository.path)}"#],
                                 environment: ["SLIPWAY_VULNDB": work("vulndb.sqlite")])
        let result = try site.slipway(["build-commit", "app", commit, "--branch", "main", "--wait"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)\n\(site.server.log)")
        struct Image: Decodable {
            struct Scan: Decodable { var critical: Int }
            var revision: String?
            var scan: Scan?
        }
        let deadline = Date().addingTimeInterval(30)
        var scanned: Image?
        while scanned == nil, Date() < deadline {
            let listed = try site.slipway(["list-images", "--json"])
            let images = (try? JSONDecoder().decode([Image].self, from: Data(listed.stdout.utf8))) ?? []
            scanned = images.first { $0.revision == commit && $0.scan != nil }
            if scanned == nil { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(scanned?.scan?.critical == 0, "no scan of \(commit) in list-images\n\(site.server.log)")
    }

    @Test func aFailingDockerfileFailsTheBuild() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let repository = try AppRepository(work("app"))
        let commit = try repository.commit(.fails, "broken")
        let site = try BuildSite(work: work, sources: [#"{name: app, git: \#(repository.path)}"#])

        let result = try site.slipway(["build-commit", "app", commit, "--branch", "main", "--wait"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)\n\(site.server.log)")
        let build = try site.build(1)
        #expect(build.state == "failed" && build.digest == nil && build.tags.isEmpty, "\(build)")
        let step = #"RUN ["/bin/busybox", "false"]"#
        #expect(build.error?.contains("\(step) failed with exit status 1") == true, "\(build)")
        let log = try site.log(1)
        #expect(log.contains("[5/5] \(step)") && log.contains("failed with exit status 1") && log.contains("build #1 failed"), "\(log)")
        #expect(try site.tags().isEmpty, "\(site.server.log)")
    }

    @Test func cancellingARunningBuildStopsIt() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let repository = try AppRepository(work("app"))
        let commit = try repository.commit(.sleeps(20), "slow")
        let site = try BuildSite(work: work, sources: [#"{name: app, git: \#(repository.path)}"#])

        var result = try site.slipway(["build-commit", "app", commit, "--branch", "main"])
        #expect(result.status == 0 && result.stdout.contains("queued build #1"), "\(result.stdout)\(result.stderr)")
        try site.waitForLog(1, containing: #"RUN ["/bin/busybox", "sleep", "20"]"#)
        #expect(try site.build(1).state == "running")
        result = try site.slipway(["builds", "cancel", "1"])
        #expect(result.status == 0 && result.stdout.contains("is running"), "\(result.stdout)\(result.stderr)")
        // The step is killed: the build ends long before the step's 20 s would.
        let build = try site.waitForBuild(1, timeout: 15)
        #expect(build.state == "cancelled" && build.digest == nil, "\(build)\n\(site.report(1))")
        #expect(try site.log(1).contains("build #1 cancelled"))
        #expect(try site.tags().isEmpty, "\(site.server.log)")

        result = try site.slipway(["builds", "cancel", "1"])
        #expect(result.status == 1 && result.stderr.contains("already ended: cancelled"), "\(result.stdout)\(result.stderr)")
        result = try site.slipway(["builds", "cancel", "42"])
        #expect(result.status == 1 && result.stderr.contains("there is no build #42"), "\(result.stdout)\(result.stderr)")
    }

    @Test func aBuildTheServerDiedInIsRepeated() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let repository = try AppRepository(work("app"))
        let commit = try repository.commit(.sleeps(4), "slow")
        let site = try BuildSite(work: work, sources: [#"{name: app, git: \#(repository.path)}"#])
        defer { unmountAll(under: site.server.home.path) }  // what the killed server left mounted (see below)

        let result = try site.slipway(["build-commit", "app", commit, "--branch", "main"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        try site.waitForLog(1, containing: #"RUN ["/bin/busybox", "sleep", "4"]"#)
        try site.restart()

        let old = try site.build(1)
        #expect(old.state == "interrupted" && old.error?.contains("queued again") == true, "\(old)\n\(site.server.log)")
        #expect(site.server.log.contains("build #1 was interrupted"), "\(site.server.log)")
        let retry = try #require(try site.builds().first { $0.retryOf == 1 }, "no build repeats #1\n\(site.server.log)")
        #expect(retry.trigger == "retry" && retry.commit == commit && retry.ref == "refs/heads/main", "\(retry)")
        // Following the old build follows the one that repeats it.
        let follow = try site.slipway(["builds", "logs", "1", "--follow"])
        #expect(follow.status == 0 && follow.stdout.contains("following build #\(retry.id)"), "\(follow.stdout)\(follow.stderr)")
        let done = try site.waitForBuild(retry.id)
        #expect(done.state == "succeeded", "\(done)\n\(site.report(retry.id))")
        let tags = try site.tags()
        #expect(tags.contains(commit) && tags.contains(String(commit.prefix(7))), "\(tags)\n\(site.server.log)")
        #expect(try site.builds().count == 2)
        // The killed build's RUN step left its overlay mounted in builder/steps; the builder of the repeat (a new
        // process) takes down what dead builders left.
        let left = mounts(under: site.server.home.path)
        #expect(left.isEmpty, "still mounted: \(left)")
    }

    // MARK: The built-in remote

    @Test func pushingToTheRemoteBuildsAndAFailedBuildRejectsThePush() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let repository = try AppRepository(work("app"))
        let good = try repository.commit(.serves, "good")
        let site = try BuildSite(work: work)
        let remote = try site.createRemote()

        var push = try repository.git(["push", remote, "main"])
        #expect(push.status == 0, "\(push.stdout)\(push.stderr)\n\(site.server.log)")
        #expect(push.stderr.contains("remote: queued build #1") && push.stderr.contains("remote: [2/4] COPY bin/busybox /bin/busybox")
                && push.stderr.contains("succeeded"), "\(push.stderr)")
        var tags = try site.tags()
        #expect(tags.contains(good) && tags.contains(String(good.prefix(7))), "\(tags)\n\(site.server.log)")
        #expect(try site.labels(tag: good)["slipway.git.branch"] == "main")
        #expect(try branchHead(remote) == good)
        let first = try site.build(1)
        #expect(first.source == "remote:\(site.app)" && first.trigger == "remote" && first.state == "succeeded", "\(first)")

        let bad = try repository.commit(.fails, "bad")
        push = try repository.git(["push", remote, "main"])
        #expect(push.status != 0, "\(push.stdout)\(push.stderr)")
        #expect(push.stderr.contains("pre-receive hook declined") && push.stderr.contains("remote: build #2 failed"), "\(push.stderr)")
        #expect(try branchHead(remote) == good, "the branch moved")
        tags = try site.tags()
        #expect(!tags.contains(bad) && !tags.contains(String(bad.prefix(7))), "\(tags)")
        #expect(try site.build(2).state == "failed")
    }

    /// A push whose build is cut short by a server stopping (SIGTERM) waits for the build that repeats it on the next
    /// start, with the code the push brought, and is accepted when that one succeeds.
    @Test func aPushOutlivesAServerRestart() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let repository = try AppRepository(work("app"))
        let commit = try repository.commit(.sleeps(3), "slow")
        let site = try BuildSite(work: work)
        defer { unmountAll(under: site.server.home.path) }
        let remote = try site.createRemote()
        let push = try BackgroundProcess(["git", "-C", repository.path, "push", remote, "main"], readyLine: "remote: queued build #1",
                                         readyOnStandardError: true)
        try site.waitForLog(1, containing: #"RUN ["/bin/busybox", "sleep", "3"]"#)
        try site.restart(gracefully: true)
        let output = push.finish(timeout: 120)
        #expect(output.contains("build #1 was interrupted; following build #2") && output.contains("build #2 succeeded"),
                "\(output)\n\(site.server.log)")
        #expect(try branchHead(remote) == commit, "the push was not accepted:\n\(output)")
        #expect(try site.build(1).state == "interrupted")
        let retry = try site.build(2)
        #expect(retry.state == "succeeded" && retry.retryOf == 1 && retry.commit == commit, "\(retry)")
        #expect(try site.tags().contains(commit))
        let contexts = (try? FileManager.default.contentsOfDirectory(atPath: site.server.home("home/builds/contexts"))) ?? []
        #expect(contexts.isEmpty, "prepared workspaces left: \(contexts)")
    }

    @Test func pushingToTheRemoteOverSSH() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let sshd = try SSHServer()
        let key = try sshd.makeKey("pusher")
        try sshd.authorize(key)
        let repository = try AppRepository(work("app"))
        let commit = try repository.commit(.serves, "over ssh")
        let site = try BuildSite(work: work)
        let remote = try site.createRemote()

        let push = try repository.git(["push", "ssh://\(sshd.user)@127.0.0.1:\(sshd.port)\(remote)", "main"],
                                      environment: ["GIT_SSH_COMMAND": sshd.sshArguments(key: key).dropLast().joined(separator: " ")])
        #expect(push.status == 0, "\(push.stdout)\(push.stderr)\n\(sshd.log)\n\(site.server.log)")
        #expect(push.stderr.contains("remote: queued build #1") && push.stderr.contains("succeeded"), "\(push.stderr)")
        #expect(sshd.log.contains("Accepted publickey"), "\(sshd.log)")
        let tags = try site.tags()
        #expect(tags.contains(commit) && tags.contains(String(commit.prefix(7))), "\(tags)\n\(site.server.log)")
        #expect(try site.labels(tag: commit)["org.opencontainers.image.revision"] == commit)
        #expect(try branchHead(remote) == commit)
    }

    @Test func aSourceFetchedOverSSHWithADeployKey() throws {
        let work = TemporaryDirectory("slipway-pipeline")
        let sshd = try SSHServer()
        let deployKey = try sshd.makeKey("deploy")
        let strangerKey = try sshd.makeKey("stranger")
        try sshd.authorize(deployKey)
        let repository = try AppRepository(work("app"))
        let commit = try repository.commit(.serves, "fetched over ssh")
        try repository.publish(to: work("served/app.git"))
        let url = "ssh://\(sshd.user)@127.0.0.1:\(sshd.port)\(work("served/app.git"))"
        let site = try BuildSite(work: work, sources: [
            #"{name: app, git: "\#(url)", deploy_key_file: \#(deployKey)}"#,
            #"{name: locked, git: "\#(url)", deploy_key_file: \#(strangerKey)}"#,
        ])

        var result = try site.slipway(["build-commit", "app", commit, "--branch", "main", "--wait"])
        #expect(result.status == 0 && result.stdout.contains("build #1 succeeded"), "\(result.stdout)\(result.stderr)\n\(sshd.log)\n\(site.server.log)")
        #expect(sshd.log.contains("Accepted publickey"), "\(sshd.log)")
        let tags = try site.tags()
        #expect(tags.contains(commit) && tags.contains(String(commit.prefix(7))), "\(tags)\n\(site.server.log)")
        // The host key was remembered on first use (StrictHostKeyChecking=accept-new).
        let knownHosts = (try? String(contentsOfFile: site.server.home("home/git/known_hosts"), encoding: .utf8)) ?? ""
        #expect(knownHosts.contains("ssh-ed25519"), "\(knownHosts)")

        // A key the host does not know: the fetch fails and the build says so.
        result = try site.slipway(["build-commit", "locked", commit, "--wait"])
        #expect(result.status == 1 && result.stdout.contains("Permission denied"), "\(result.stdout)\(result.stderr)")
        #expect(try site.build(2).error?.contains("fetching ssh://") == true, "\(site.report(2))")
    }
}

// MARK: - Helpers

/// The app's repository, made by the test: busybox's httpd `FROM scratch`, so no base image is pulled.
struct AppRepository {
    enum Dockerfile {
        case serves
        /// A RUN step that exits 1.
        case fails
        /// A RUN step that sleeps this many seconds.
        case sleeps(Int)
    }

    let path: String

    init(_ path: String) throws {
        try requireTool("busybox")
        self.path = path
        try FileManager.default.createDirectory(atPath: path + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path + "/www", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: path + "/bin/busybox")
        try check(git(["init", "--quiet", "-b", "main"]))
    }

    func git(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try run(["git", "-C", path] + arguments, environment: environment)
    }

    /// Commits a new page and the Dockerfile; returns the commit.
    @discardableResult
    func commit(_ dockerfile: Dockerfile, _ message: String) throws -> String {
        var text = """
            FROM scratch
            COPY bin/busybox /bin/busybox
            COPY www /www
            CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]

            """
        switch dockerfile {
        case .serves: break
        case .fails: text += #"RUN ["/bin/busybox", "false"]"# + "\n"
        case .sleeps(let seconds): text += #"RUN ["/bin/busybox", "sleep", "\#(seconds)"]"# + "\n"
        }
        try text.write(toFile: path + "/Dockerfile", atomically: true, encoding: .utf8)
        try "<p>\(message)</p>\n".write(toFile: path + "/www/index.html", atomically: true, encoding: .utf8)
        try check(git(["add", "--all"]))
        try check(git(["-c", "user.email=dev@example.com", "-c", "user.name=Dev", "commit", "--quiet", "-m", message]))
        return try check(git(["rev-parse", "HEAD"])).stdout.trimmed
    }

    /// Pushes `main` to a bare repository at `bare`, making it first if needed.
    func publish(to bare: String) throws {
        if !FileManager.default.fileExists(atPath: bare + "/HEAD") {
            try check(run(["git", "init", "--quiet", "--bare", "--initial-branch=main", bare]))
        }
        try check(git(["push", "--quiet", bare, "main"]))
    }

    @discardableResult
    private func check(_ result: ProcessResult) throws -> ProcessResult {
        try #require(result.status == 0, "git failed in \(path): \(result.stdout)\(result.stderr)")
        return result
    }
}

/// Webhook requests as the hosts send them: fixture bodies filled in, and their headers.
enum Webhook {
    /// A fixture of Tests/SlipwayPipelineTests/Fixtures/webhooks with its placeholders replaced.
    static func body(_ fixture: String, ref: String = "refs/heads/main", after: String = String(repeating: "0", count: 40),
                     before: String = String(repeating: "0", count: 40), cloneURL: String, fullName: String,
                     tag: String = "v1") throws -> String {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SlipwayPipelineTests/Fixtures/webhooks/\(fixture)")
        var text = try String(contentsOf: file, encoding: .utf8)
        let htmlURL = cloneURL.hasSuffix(".git") ? String(cloneURL.dropLast(4)) : cloneURL
        let branch = ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : ref
        for (name, value) in ["REF": ref, "BRANCH": branch, "TAG": tag, "BEFORE": before, "AFTER": after, "CLONE_URL": cloneURL,
                              "HTML_URL": htmlURL, "FULL_NAME": fullName] {
            text = text.replacingOccurrences(of: "{{\(name)}}", with: value)
        }
        try #require(!text.contains("{{"), "a placeholder is left in \(fixture)")
        return text
    }

    /// The lowercase hex HMAC of `text` with `key` (`sha256` or `sha1`), by openssl.
    static func hmac(_ algorithm: String, _ text: String, key: String) throws -> String {
        let result = try run(["openssl", "dgst", "-" + algorithm, "-hmac", key], input: text)
        let hex = result.stdout.split(whereSeparator: \.isWhitespace).last.map(String.init) ?? ""
        try #require(result.status == 0 && [40, 64].contains(hex.count) && hex.allSatisfy(\.isHexDigit),
                     "openssl: \(result.stdout)\(result.stderr)")
        return hex
    }

    /// GitHub's delivery headers; signed with `secret` unless it is nil.
    static func gitHub(_ event: String, delivery: String, body: String, secret: String?) throws -> [String: String] {
        var headers = [
            "X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "User-Agent": "GitHub-Hookshot/044aadd",
            "Content-Type": "application/json", "X-GitHub-Hook-ID": "292430182", "X-GitHub-Hook-Installation-Target-ID": "79929171",
            "X-GitHub-Hook-Installation-Target-Type": "repository",
        ]
        if let secret {
            headers["X-Hub-Signature-256"] = "sha256=" + (try hmac("sha256", body, key: secret))
            headers["X-Hub-Signature"] = "sha1=" + (try hmac("sha1", body, key: secret))
        }
        return headers
    }

    /// GitLab's: the token as it is, and one Idempotency-Key per call (a retry reuses the headers).
    static func gitLab(_ event: String, token: String?) -> [String: String] {
        var headers = [
            "Content-Type": "application/json", "User-Agent": "GitLab/17.1.0-pre", "X-Gitlab-Event": event,
            "Idempotency-Key": UUID().uuidString.lowercased(), "X-Gitlab-Webhook-UUID": UUID().uuidString.lowercased(),
            "X-Gitlab-Event-UUID": UUID().uuidString.lowercased(), "X-Gitlab-Instance": "https://gitlab.example.com",
        ]
        headers["X-Gitlab-Token"] = token
        return headers
    }

    /// Bitbucket Cloud's repo:push, signed in X-Hub-Signature with sha256=.
    static func bitbucket(body: String, secret: String) throws -> [String: String] {
        [
            "Content-Type": "application/json", "User-Agent": "Bitbucket-Webhooks/2.0", "X-Event-Key": "repo:push",
            "X-Hook-UUID": UUID().uuidString.lowercased(), "X-Request-UUID": UUID().uuidString.lowercased(), "X-Attempt-Number": "1",
            "X-Hub-Signature": "sha256=" + (try hmac("sha256", body, key: secret)),
        ]
    }
}

/// A build as `slipway builds show --json` prints it.
struct BuildView: Decodable, CustomStringConvertible {
    var id: Int64
    var state: String
    var source: String
    var repository: String
    var ref: String
    var branch: String?
    var commit: String
    var trigger: String
    var delivery: String?
    var queuedAt: String
    var startedAt: String?
    var finishedAt: String?
    var seconds: Double?
    var digest: String?
    var tags: [String]
    var error: String?
    var retryOf: Int64?

    var isFinished: Bool { !["queued", "running"].contains(state) }
    var description: String {
        "#\(id) \(state) \(source) \(ref) \(commit) \(trigger) digest=\(digest ?? "-") tags=\(tags) retryOf=\(retryOf.map(String.init) ?? "-")"
            + (error.map { " error=\($0)" } ?? "")
    }
}

/// A build host: `slipway serve` with the given sources (YAML flow mappings), and the operator's commands against it.
final class BuildSite: @unchecked Sendable {
    let work: TemporaryDirectory
    let app = "pl" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(8))
    let environment: [String: String]
    private(set) var server: ServerProcess
    private var config: String { work("slipway.yml") }

    init(work: TemporaryDirectory, sources: [String] = [], environment: [String: String] = [:]) throws {
        self.work = work
        self.environment = environment
        try work.write("slipway.yml", """
            app: \(app)
            \(sources.isEmpty ? "" : "sources:\n" + sources.map { "  - " + $0 }.joined(separator: "\n"))
            builds: {workers: 1, cancel_superseded: true, network: host}

            """)
        server = try ServerProcess(arguments: ["--config", work("slipway.yml")], environment: environment)
    }

    /// Kills the server (SIGKILL; SIGTERM when `gracefully`) and starts another on the same state.
    func restart(gracefully: Bool = false) throws {
        if gracefully { _ = server.stop() } else { server.kill() }
        server = try ServerProcess(arguments: ["--config", config], environment: environment, home: server.home)
    }

    func slipway(_ arguments: [String], config: Bool = true) throws -> ProcessResult {
        try run([slipwayExecutable] + arguments + (config ? ["--config", self.config] : []),
                environment: ["SLIPWAY_HOME": server.home("home")])
    }

    /// `slipway remote create APP`; returns the bare repository's path.
    func createRemote() throws -> String {
        let result = try slipway(["remote", "create", app], config: false)
        let path = result.stdout.trimmed
        try #require(result.status == 0 && path == server.home("home/git/remotes/\(app).git"),
                     "\(result.stdout)\(result.stderr)\n\(server.log)")
        return path
    }

    func build(_ id: Int64) throws -> BuildView {
        let result = try slipway(["builds", "show", String(id), "--json"])
        try #require(result.status == 0, "builds show \(id): \(result.stderr)\n\(server.log)")
        return try JSONDecoder().decode(BuildView.self, from: Data(result.stdout.utf8))
    }

    func builds() throws -> [BuildView] {
        let result = try slipway(["builds", "list", "--json", "--limit", "0"])
        try #require(result.status == 0, "builds list: \(result.stderr)\n\(server.log)")
        return try JSONDecoder().decode([BuildView].self, from: Data(result.stdout.utf8))
    }

    /// Polls the build until it ends.
    func waitForBuild(_ id: Int64, timeout: TimeInterval = 120) throws -> BuildView {
        let deadline = Date().addingTimeInterval(timeout)
        var build = try self.build(id)
        while !build.isFinished, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            build = try self.build(id)
        }
        try #require(build.isFinished, "build #\(id) did not end within \(Int(timeout)) s: \(build)\n\(server.log)")
        return build
    }

    /// Waits until the build's log holds `text` (a step has started, say).
    func waitForLog(_ id: Int64, containing text: String, timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var log = ""
        while Date() < deadline {
            log = (try? String(contentsOfFile: server.home("home/builds/logs/\(id).log"), encoding: .utf8)) ?? ""
            if log.contains(text) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        try #require(Bool(false), "build #\(id)'s log never showed \(text): \(log)\n\(server.log)")
    }

    /// The build's log and the server's, for failure messages.
    func report(_ id: Int64) -> String {
        let log = (try? String(contentsOfFile: server.home("home/builds/logs/\(id).log"), encoding: .utf8)) ?? "(no log)"
        return "build #\(id)'s log:\n\(log)\nserver log:\n\(server.log)"
    }

    /// `slipway builds logs ID`.
    func log(_ id: Int64) throws -> String {
        let result = try slipway(["builds", "logs", String(id)])
        try #require(result.status == 0, "builds logs \(id): \(result.stderr)\n\(server.log)")
        return result.stdout
    }

    /// The app's tags in the server's registry (none when it has no such repository).
    func tags() throws -> [String] {
        let result = try run(["curl", "-s", "-w", "\n%{http_code}", "http://\(server.address)/v2/\(app)/tags/list"])
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "404" { return [] }
        struct Tags: Decodable { var tags: [String]? }
        let body = try #require(lines.first.map(String.init), "\(result.stdout)\(result.stderr)")
        try #require(lines.last == "200", "tags/list: \(result.stdout)\(result.stderr)\n\(server.log)")
        return try JSONDecoder().decode(Tags.self, from: Data(body.utf8)).tags ?? []
    }

    /// The image's labels, as `slipway image inspect --json` reads them from the registry.
    func labels(tag: String) throws -> [String: String] {
        let result = try run([slipwayExecutable, "image", "inspect", "docker://\(server.address)/\(app):\(tag)", "--json"],
                             environment: ["SLIPWAY_HOME": work("client")])
        try #require(result.status == 0, "image inspect \(tag): \(result.stdout)\(result.stderr)\n\(server.log)")
        struct Report: Decodable { var labels: [String: String] }
        return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)).labels
    }

    struct Reply {
        struct Body: Decodable {
            var message: String
            var builds: [Int64]
            var ignored: [String]
        }
        var status: Int
        var text: String
        var json: Body? { try? JSONDecoder().decode(Body.self, from: Data(text.utf8)) }
    }

    /// POSTs a webhook to /hooks/HOST over HTTP, with exactly these headers and this body.
    func post(_ host: String, body: String, headers: [String: String]) throws -> Reply {
        let name = UUID().uuidString
        try work.write("webhook-\(name).json", body)
        let output = work("webhook-\(name).reply")
        var arguments = ["curl", "-sS", "-X", "POST", "--data-binary", "@" + work("webhook-\(name).json"), "-o", output,
                         "-w", "%{http_code}"]
        for (field, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(field): \(value)"] }
        let result = try run(arguments + ["http://\(server.address)/hooks/\(host)"])
        let status = try #require(Int(result.stdout), "curl: \(result.stdout)\(result.stderr)\n\(server.log)")
        return Reply(status: status, text: (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }
}

/// Where `main` of a bare repository points.
func branchHead(_ gitDirectory: String) throws -> String {
    try run(["git", "--git-dir=" + gitDirectory, "rev-parse", "main"]).stdout.trimmed
}

/// The mount points at or under `path`, from /proc/self/mounts.
func mounts(under path: String) -> [String] {
    let table = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
    return table.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ")
        guard fields.count > 1, fields[1] == path || fields[1].hasPrefix(path + "/") else { return nil }
        return String(fields[1])
    }
}

/// Takes down (lazily) every mount under `path`, deepest first, so the temporary directory can go.
func unmountAll(under path: String) {
    for point in mounts(under: path).reversed() { _ = try? run(["umount", "-l", point]) }
}

extension SSHServer {
    /// Lets `key` in to run the git command it asks for. sshd lets root in only with a forced command
    /// (PermitRootLogin forced-commands-only), so the line forces a command that runs the one the client sent:
    /// git's `git-receive-pack '…'` or `git-upload-pack '…'`.
    func authorize(_ key: String) throws {
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8).trimmed
        let line = #"command="sh -c \"$SSH_ORIGINAL_COMMAND\"",no-port-forwarding,no-pty "# + publicKey + "\n"
        let existing = (try? String(contentsOfFile: authorizedKeys, encoding: .utf8)) ?? ""
        try (existing + line).write(toFile: authorizedKeys, atomically: true, encoding: .utf8)
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
