import Foundation
import SlipwayConfig
import SlipwayPipeline
import SlipwayStore
import SlipwayTestSupport
import Testing

/// A webhook body from the fixtures (shaped as each host documents it), its placeholders filled in.
func webhookBody(_ name: String, ref: String = "refs/heads/main", before: String = String(repeating: "a", count: 40),
                 after: String = String(repeating: "b", count: 40), cloneURL: String = "https://github.com/acme/example.git",
                 tag: String = "v1.0.0") throws -> [UInt8] {
    guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
        throw PipelineError("the test bundle has no Fixtures")
    }
    var text = try String(contentsOf: root.appendingPathComponent("webhooks/\(name).json"), encoding: .utf8)
    let htmlURL = cloneURL.hasSuffix(".git") ? String(cloneURL.dropLast(4)) : cloneURL
    let fullName = htmlURL.split(separator: "/").suffix(2).joined(separator: "/")
    let values = ["REF": ref, "BRANCH": ref.replacingOccurrences(of: "refs/heads/", with: ""), "BEFORE": before, "AFTER": after,
                  "CLONE_URL": cloneURL, "HTML_URL": htmlURL, "FULL_NAME": fullName, "TAG": tag]
    for (key, value) in values { text = text.replacingOccurrences(of: "{{\(key)}}", with: value) }
    return Array(text.utf8)
}

@Suite struct WebhookSignatureTests {
    @Test func gitHubsOwnExampleVerifies() {
        // docs.github.com, "Validating webhook deliveries": secret and payload with their expected signature.
        let body = Array("Hello, World!".utf8)
        let header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        #expect(WebhookSignature.verifyHMAC(header: header, body: body, secret: "It's a Secret to Everybody"))
        #expect(WebhookSignature.sign(body, secret: "It's a Secret to Everybody") == header)
    }

    @Test func wrongMissingAndMalformedSignaturesFail() {
        let body = Array("{}".utf8)
        let good = WebhookSignature.sign(body, secret: "s3cret")
        #expect(WebhookSignature.verifyHMAC(header: good, body: body, secret: "s3cret"))
        #expect(!WebhookSignature.verifyHMAC(header: good, body: body, secret: "other"))
        #expect(!WebhookSignature.verifyHMAC(header: good, body: Array("{ }".utf8), secret: "s3cret"))
        #expect(!WebhookSignature.verifyHMAC(header: nil, body: body, secret: "s3cret"))
        #expect(!WebhookSignature.verifyHMAC(header: String(good.dropFirst(7)), body: body, secret: "s3cret"))  // no sha256=
        #expect(!WebhookSignature.verifyHMAC(header: "sha256=zz" + good.dropFirst(9), body: body, secret: "s3cret"))
        #expect(!WebhookSignature.verifyHMAC(header: String(good.dropLast(2)), body: body, secret: "s3cret"))
        #expect(!WebhookSignature.verifyHMAC(header: "sha1=" + good.dropFirst(7), body: body, secret: "s3cret"))
    }

    @Test func gitLabTokenIsComparedWhole() {
        #expect(WebhookSignature.verifyToken(header: "tok-123", secret: "tok-123"))
        #expect(!WebhookSignature.verifyToken(header: "tok-12", secret: "tok-123"))
        #expect(!WebhookSignature.verifyToken(header: "tok-1234", secret: "tok-123"))
        #expect(!WebhookSignature.verifyToken(header: nil, secret: "tok-123"))
        #expect(!WebhookSignature.verifyToken(header: "", secret: "tok-123"))
    }
}

@Suite struct WebhookPayloadTests {
    let before = String(repeating: "1", count: 40)
    let after = String(repeating: "2", count: 40)

    func push(_ host: WebhookHost, _ event: String, _ fixture: String, ref: String = "refs/heads/main") throws -> PushEvent {
        let body = try webhookBody(fixture, ref: ref, before: before, after: after)
        guard case .push(let push) = try WebhookPayload.parse(host: host, event: event, body: body) else {
            throw PipelineError("\(fixture) is not a push")
        }
        return push
    }

    @Test func gitHubPushDeletionAndTag() throws {
        let branch = try push(.github, "push", "github-push")
        #expect(branch.changes == [.init(ref: "refs/heads/main", after: after)])
        #expect(branch.repositoryURLs.contains("https://github.com/acme/example.git"))
        #expect(branch.repositoryName == "acme/example")
        let deleted = try push(.github, "push", "github-push-delete")
        #expect(deleted.changes == [.init(ref: "refs/heads/main", after: nil)])
        let tag = try push(.github, "push", "github-push-tag")
        #expect(tag.changes.first?.ref == "refs/tags/v1.0.0")
        #expect(tag.changes.first?.isTag == true)
    }

    @Test func gitHubPingAndOtherEvents() throws {
        let ping = try WebhookPayload.parse(host: .github, event: "ping", body: try webhookBody("github-ping"))
        guard case .ping(let urls, let name) = ping else { Issue.record("not a ping: \(ping)"); return }
        #expect(urls.contains("https://github.com/acme/example.git"))
        #expect(name == "acme/example")
        #expect(try WebhookPayload.parse(host: .github, event: "issues", body: Array("{}".utf8)) == .other("issues"))
    }

    @Test func gitLabPushDeletionAndTag() throws {
        let branch = try push(.gitlab, "Push Hook", "gitlab-push")
        #expect(branch.changes == [.init(ref: "refs/heads/main", after: after)])
        #expect(branch.repositoryURLs.contains("https://github.com/acme/example.git"))  // project.git_http_url
        let deleted = try push(.gitlab, "Push Hook", "gitlab-push-delete")
        #expect(deleted.changes == [.init(ref: "refs/heads/main", after: nil)])
        let tag = try push(.gitlab, "Tag Push Hook", "gitlab-tag-push")
        #expect(tag.changes == [.init(ref: "refs/tags/v1.0.0", after: after)])  // checkout_sha: the commit
    }

    @Test func bitbucketPushDeletionAndTag() throws {
        let branch = try push(.bitbucket, "repo:push", "bitbucket-push")
        #expect(branch.changes == [.init(ref: "refs/heads/main", after: after)])
        #expect(branch.repositoryURLs == ["https://github.com/acme/example"])  // links.html.href
        let deleted = try push(.bitbucket, "repo:push", "bitbucket-push-delete")
        #expect(deleted.changes == [.init(ref: "refs/heads/main", after: nil)])
        let tag = try push(.bitbucket, "repo:push", "bitbucket-push-tag")
        #expect(tag.changes.first?.ref == "refs/tags/v1.0.0")
        #expect(tag.changes.first?.after == after)
    }

    @Test func malformedBodiesSayWhatIsWrong() {
        #expect(throws: PipelineError.self) { try WebhookPayload.parse(host: .github, event: "push", body: Array("not json".utf8)) }
        do {
            _ = try WebhookPayload.parse(host: .github, event: "push", body: Array(#"{"ref": "refs/heads/main"}"#.utf8))
            Issue.record("a push without after and repository was accepted")
        } catch {
            #expect("\(error)".contains("missing \"after\""), "\(error)")
        }
        do {
            _ = try WebhookPayload.parse(host: .bitbucket, event: "repo:push",
                                         body: Array(#"{"push": {"changes": [{"new": {"type": "branch"}}]}, "repository": {"full_name": "a/b"}}"#.utf8))
            Issue.record("a change without a name was accepted")
        } catch {
            #expect("\(error)".contains("push.changes[0].new"), "\(error)")
        }
    }
}

/// The receiver against a real state database: what is queued, what is refused, and with which status.
@Suite struct WebhookReceiverTests {
    let work = TemporaryDirectory("slipway-webhooks")
    let database: StateDatabase
    var config = SlipwayConfig()
    let commit = String(repeating: "c", count: 40)

    init() throws {
        database = try StateDatabase(path: work("state.sqlite"))
        try work.write("secret", "s3cret\n")
        config.app = "example"
        var source = SlipwayConfig.Source(name: "example", git: "git@github.com:acme/example.git")
        source.webhookSecretFile = work("secret")
        source.branches = ["main", "release/*"]
        config.sources = [source]
    }

    func gitHub(_ fixture: String, event: String = "push", ref: String = "refs/heads/main", after: String? = nil,
                cloneURL: String = "https://github.com/acme/example.git", delivery: String = UUID().uuidString,
                signature: String?? = .none, receiver: WebhookReceiver? = nil) throws -> WebhookResponse {
        let body = try webhookBody(fixture, ref: ref, after: after ?? commit, cloneURL: cloneURL)
        var headers = ["X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json",
                       "User-Agent": "GitHub-Hookshot/044aadd"]
        switch signature {
        case .none: headers["X-Hub-Signature-256"] = WebhookSignature.sign(body, secret: "s3cret")
        case .some(.some(let value)): headers["X-Hub-Signature-256"] = value
        case .some(.none): break
        }
        return (receiver ?? WebhookReceiver(config: config, database: database))
            .receive(WebhookRequest(host: .github, headers: headers, body: body))
    }

    @Test func aSignedPushQueuesOneBuildOfTheCommit() throws {
        let response = try gitHub("github-push")
        #expect(response.status == 202, "\(response)")
        #expect(response.builds.count == 1)
        let id = try #require(response.builds.first)
        let build = try #require(try database.build(id))
        #expect(build.commit == commit)
        #expect(build.branch == "main")
        #expect(build.source == "example")
        #expect(build.repository == "example")
        #expect(build.trigger == "github")
        #expect(build.state == .queued)
    }

    @Test func missingAndWrongSignaturesAre401AndQueueNothing() throws {
        let missing = try gitHub("github-push", signature: .some(nil))
        #expect(missing.status == 401)
        #expect(missing.message.contains("missing"))
        let wrong = try gitHub("github-push", signature: .some(WebhookSignature.sign([1, 2, 3], secret: "s3cret")))
        #expect(wrong.status == 401)
        #expect(wrong.message.contains("wrong"))
        let otherSecret = try gitHub("github-push", signature: .some(WebhookSignature.sign(try webhookBody("github-push", after: commit), secret: "guess")))
        #expect(otherSecret.status == 401)
        #expect(try database.builds(limit: nil).isEmpty)
    }

    @Test func anUnknownRepositoryIs404() throws {
        let response = try gitHub("github-push", cloneURL: "https://github.com/acme/other.git")
        #expect(response.status == 404)
        #expect(response.message.contains("acme/other"))  // the payload's full_name
        #expect(try database.builds(limit: nil).isEmpty)
    }

    @Test func aRedeliveryBuildsOnce() throws {
        let delivery = UUID().uuidString
        #expect(try gitHub("github-push", delivery: delivery).status == 202)
        let again = try gitHub("github-push", delivery: delivery)
        #expect(again.status == 200)
        #expect(again.builds.isEmpty)
        #expect(again.message.contains("received before"))
        #expect(try database.builds(limit: nil).count == 1)
    }

    @Test func pingDeletionTagsAndOtherBranchesQueueNothing() throws {
        #expect(try gitHub("github-ping", event: "ping").status == 200)
        let deleted = try gitHub("github-push-delete")
        #expect(deleted.status == 202)
        #expect(deleted.builds.isEmpty)
        #expect(deleted.ignored == ["refs/heads/main was deleted"])
        let tag = try gitHub("github-push-tag")
        #expect(tag.builds.isEmpty)
        #expect(tag.ignored.first?.contains("build_tags") == true)
        let feature = try gitHub("github-push", ref: "refs/heads/feature/x")
        #expect(feature.builds.isEmpty)
        #expect(feature.ignored.first?.contains("matches none") == true)
        #expect(try gitHub("github-push", ref: "refs/heads/release/2.0").builds.count == 1)
        #expect(try database.builds(limit: nil).count == 1)
    }

    @Test func tagsBuildWhenTheSourceSaysSo() throws {
        var config = self.config
        config.sources[0].buildTags = true
        let response = try gitHub("github-push-tag", receiver: WebhookReceiver(config: config, database: database))
        #expect(response.builds.count == 1)
        let build = try #require(try database.build(response.builds[0]))
        #expect(build.ref == "refs/tags/v1.0.0")
        #expect(build.branch == nil)
    }

    @Test func aNewerPushCancelsTheQueuedOlderOne() throws {
        let first = try gitHub("github-push", after: String(repeating: "1", count: 40))
        let second = try gitHub("github-push", after: String(repeating: "2", count: 40))
        #expect(second.message.contains("superseded"))
        let older = try #require(try database.build(first.builds[0]))
        #expect(older.state == .cancelled)
        #expect(older.error?.contains("superseded") == true)
        var config = self.config
        config.builds.cancelSuperseded = false
        let third = try gitHub("github-push", after: String(repeating: "3", count: 40), receiver: WebhookReceiver(config: config, database: database))
        #expect(try database.build(second.builds[0])?.state == .queued)
        #expect(try database.build(third.builds[0])?.state == .queued)
    }

    @Test func gitLabTokenAndBitbucketSignature() throws {
        let receiver = WebhookReceiver(config: config, database: database)
        let gitlabBody = try webhookBody("gitlab-push", after: commit)
        let gitlab = receiver.receive(WebhookRequest(host: .gitlab, headers: [
            "X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "s3cret", "Idempotency-Key": UUID().uuidString,
        ], body: gitlabBody))
        #expect(gitlab.status == 202, "\(gitlab)")
        let wrongToken = receiver.receive(WebhookRequest(host: .gitlab, headers: ["X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": "s3cre"],
                                                         body: gitlabBody))
        #expect(wrongToken.status == 401)
        let bitbucketBody = try webhookBody("bitbucket-push", after: String(repeating: "d", count: 40))
        let bitbucket = receiver.receive(WebhookRequest(host: .bitbucket, headers: [
            "X-Event-Key": "repo:push", "X-Hub-Signature": WebhookSignature.sign(bitbucketBody, secret: "s3cret"),
            "X-Request-UUID": UUID().uuidString,
        ], body: bitbucketBody))
        #expect(bitbucket.status == 202, "\(bitbucket)")
        #expect(try database.build(bitbucket.builds[0])?.trigger == "bitbucket")
        let unsigned = receiver.receive(WebhookRequest(host: .bitbucket, headers: ["X-Event-Key": "repo:push"], body: bitbucketBody))
        #expect(unsigned.status == 401)
    }

    @Test func aSourceWithoutASecretRefusesWebhooks() throws {
        var config = self.config
        config.sources[0].webhookSecretFile = nil
        let response = try gitHub("github-push", receiver: WebhookReceiver(config: config, database: database))
        #expect(response.status == 401)
        #expect(response.message.contains("webhook_secret_file"))
    }

    @Test func aBodyThatIsNotThePayloadIs400() {
        let response = WebhookReceiver(config: config, database: database).receive(
            WebhookRequest(host: .github, headers: ["X-GitHub-Event": "push"], body: Array("{\"ref\": 1}".utf8)))
        #expect(response.status == 400)
        #expect(response.message.contains("ref"))
    }
}
