import Foundation
import SlipwayConfig
import SlipwayStore

/// A webhook request as the HTTP server got it: header names in lower case, the raw body.
public struct WebhookRequest: Sendable {
    public var host: WebhookHost
    public var headers: [String: String]
    public var body: [UInt8]

    public init(host: WebhookHost, headers: [String: String], body: [UInt8]) {
        self.host = host
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
    }
}

/// The answer: an HTTP status and a JSON body saying what was queued and what was ignored, and why.
public struct WebhookResponse: Sendable, Encodable, Equatable {
    public var status: Int
    public var message: String
    public var builds: [Int64] = []
    public var ignored: [String] = []

    private enum CodingKeys: String, CodingKey { case message, builds, ignored }
}

/// `POST /hooks/github|gitlab|bitbucket`: the payload read, its repository found among the sources, the signature
/// checked with that source's secret, then a build queued for each branch push the source builds.
/// An unknown repository is 404, a missing or wrong signature 401, and neither queues anything.
public struct WebhookReceiver: Sendable {
    let config: SlipwayConfig
    let database: StateDatabase

    public init(config: SlipwayConfig, database: StateDatabase) {
        self.config = config
        self.database = database
    }

    public func receive(_ request: WebhookRequest) -> WebhookResponse {
        let host = request.host
        let eventHeader = ["github": "x-github-event", "gitlab": "x-gitlab-event", "bitbucket": "x-event-key"][host.rawValue]!
        let event: WebhookEvent
        do {
            event = try WebhookPayload.parse(host: host, event: request.headers[eventHeader], body: request.body)
        } catch {
            return WebhookResponse(status: 400, message: "\(error)")
        }
        let urls: [String], name: String
        switch event {
        case .other(let kind):
            return WebhookResponse(status: 202, message: "\(host.rawValue) event \(kind) is not one Slipway acts on; ignored")
        case .ping(let pingURLs, let pingName): (urls, name) = (pingURLs, pingName)
        case .push(let push): (urls, name) = (push.repositoryURLs, push.repositoryName)
        }
        let identities = Set(urls.map(RepositoryURL.identity))
        guard let source = config.sources.first(where: { identities.contains(RepositoryURL.identity($0.git)) }) else {
            return WebhookResponse(status: 404, message: "no source in slipway.yml is the repository \(name) "
                                   + "(\(urls.map(RepositoryURL.redacted).joined(separator: ", ")))")
        }
        guard let secretFile = source.webhookSecretFile else {
            return WebhookResponse(status: 401, message: "source \(source.name) has no webhook_secret_file; its webhooks are refused")
        }
        guard let secret = (try? String(contentsOfFile: secretFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines),
              !secret.isEmpty else {
            return WebhookResponse(status: 500, message: "source \(source.name): cannot read its webhook secret from \(secretFile)")
        }
        guard verify(request, secret: secret) else {
            let header = ["github": "X-Hub-Signature-256", "gitlab": "X-Gitlab-Token", "bitbucket": "X-Hub-Signature"][host.rawValue]!
            let state = request.headers[header.lowercased()] == nil ? "missing" : "wrong"
            return WebhookResponse(status: 401, message: "\(header) is \(state) for source \(source.name); nothing queued")
        }
        guard case .push(let push) = event else {
            return WebhookResponse(status: 200, message: "pong: source \(source.name) receives \(host.rawValue) webhooks")
        }
        return queue(push, from: source, request: request)
    }

    func verify(_ request: WebhookRequest, secret: String) -> Bool {
        switch request.host {
        case .github: WebhookSignature.verifyHMAC(header: request.headers["x-hub-signature-256"], body: request.body, secret: secret)
        case .gitlab: WebhookSignature.verifyToken(header: request.headers["x-gitlab-token"], secret: secret)
        case .bitbucket:
            WebhookSignature.verifyHMAC(header: request.headers["x-hub-signature"] ?? request.headers["x-hub-signature-256"],
                                        body: request.body, secret: secret)
        }
    }

    /// The id a host repeats when it delivers the same event again.
    static func deliveryID(_ request: WebhookRequest) -> String? {
        switch request.host {
        case .github: request.headers["x-github-delivery"]
        case .gitlab: request.headers["idempotency-key"] ?? request.headers["x-gitlab-event-uuid"]
        case .bitbucket: request.headers["x-request-uuid"]
        }
    }

    func queue(_ push: PushEvent, from source: SlipwayConfig.Source, request: WebhookRequest) -> WebhookResponse {
        var builds: [BuildRecord] = []
        var ignored: [String] = []
        let branches = BranchPatterns(source.branches)
        for change in push.changes {
            guard let commit = change.after else {
                ignored.append("\(change.ref) was deleted")
                continue
            }
            if change.isTag, !source.buildTags {
                ignored.append("\(change.ref) is a tag (set build_tags: true on source \(source.name) to build tags)")
                continue
            }
            if change.isBranch, !branches.matches(change.shortName) {
                ignored.append("branch \(change.shortName) matches none of source \(source.name)'s branches "
                               + "(\(source.branches.joined(separator: ", ")))")
                continue
            }
            guard change.isBranch || change.isTag else {
                ignored.append("\(change.ref) is neither a branch nor a tag")
                continue
            }
            guard commit.count == 40, commit.allSatisfy(\.isHexDigit) else {
                return WebhookResponse(status: 400, message: "\(change.ref): '\(commit)' is not a commit id")
            }
            builds.append(BuildRecord(source: source.name, repository: config.app, ref: change.ref, commit: commit.lowercased(),
                                      trigger: request.host.rawValue, delivery: Self.deliveryID(request)))
        }
        guard !builds.isEmpty else {
            return WebhookResponse(status: 202, message: "nothing to build", ignored: ignored)
        }
        let delivery = Self.deliveryID(request).map { (host: request.host.rawValue, id: $0) }
        do {
            guard let result = try database.enqueueBuilds(builds, delivery: delivery, supersede: config.builds.cancelSuperseded) else {
                return WebhookResponse(status: 200, message: "delivery \(delivery?.id ?? "") was received before; nothing queued again")
            }
            let ids = result.queued.compactMap(\.id)
            var message = "queued " + ids.map { "build #\($0)" }.joined(separator: ", ")
            if !result.superseded.isEmpty {
                message += "; cancelled queued " + result.superseded.map { "#\($0)" }.joined(separator: ", ") + " (superseded)"
            }
            return WebhookResponse(status: 202, message: message, builds: ids, ignored: ignored)
        } catch {
            return WebhookResponse(status: 500, message: "cannot queue the build: \(error)")
        }
    }
}
