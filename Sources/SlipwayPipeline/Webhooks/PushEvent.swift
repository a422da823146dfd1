import Foundation

/// The git hosts whose webhooks Slipway takes, at `/hooks/<host>`.
public enum WebhookHost: String, Sendable, CaseIterable {
    case github, gitlab, bitbucket
}

/// A push as a webhook describes it, whichever host sent it: the repository (by every URL the host gives for it)
/// and the refs that moved.
public struct PushEvent: Sendable, Equatable {
    public struct Change: Sendable, Equatable {
        /// The full ref: `refs/heads/main`, `refs/tags/v1`.
        public var ref: String
        /// The commit the ref points at now; nil when the ref was deleted.
        public var after: String?

        public init(ref: String, after: String?) {
            self.ref = ref
            self.after = after
        }

        public var isTag: Bool { ref.hasPrefix("refs/tags/") }
        public var isBranch: Bool { ref.hasPrefix("refs/heads/") }
        public var shortName: String {
            for prefix in ["refs/heads/", "refs/tags/"] where ref.hasPrefix(prefix) { return String(ref.dropFirst(prefix.count)) }
            return ref
        }
    }

    /// The repository's URLs as the host names them (clone, SSH, web): one of them matches a source's `git`.
    public var repositoryURLs: [String]
    /// `owner/name` as the host shows it, for messages.
    public var repositoryName: String
    public var changes: [Change]
    public var pusher: String?
}

/// What a webhook body holds: a push, a ping (GitHub's hook check), or an event Slipway does not act on.
public enum WebhookEvent: Sendable, Equatable {
    case push(PushEvent)
    /// The repository URLs and name of a ping's repository.
    case ping(repositoryURLs: [String], repositoryName: String)
    case other(String)
}

/// The payloads as GitHub, GitLab and Bitbucket Cloud document them, read into a `WebhookEvent`. Only the fields
/// Slipway uses are read; the rest may be anything.
public enum WebhookPayload {
    static let zeroCommit = String(repeating: "0", count: 40)

    /// Reads a body. `event` is the event header: X-GitHub-Event, X-Gitlab-Event or X-Event-Key.
    public static func parse(host: WebhookHost, event: String?, body: [UInt8]) throws -> WebhookEvent {
        let decoder = JSONDecoder()
        do {
            switch host {
            case .github:
                switch event {
                case "push": return .push(try decoder.decode(GitHubPush.self, from: Data(body)).event)
                case "ping":
                    let ping = try decoder.decode(GitHubPing.self, from: Data(body))
                    return .ping(repositoryURLs: ping.repository?.urls ?? [], repositoryName: ping.repository?.fullName ?? "")
                default: return .other(event ?? "(no X-GitHub-Event header)")
                }
            case .gitlab:
                guard event == "Push Hook" || event == "Tag Push Hook" else { return .other(event ?? "(no X-Gitlab-Event header)") }
                return .push(try decoder.decode(GitLabPush.self, from: Data(body)).event)
            case .bitbucket:
                guard event == "repo:push" else { return .other(event ?? "(no X-Event-Key header)") }
                return .push(try decoder.decode(BitbucketPush.self, from: Data(body)).event)
            }
        } catch let error as DecodingError {
            throw PipelineError("the \(host.rawValue) \(event ?? "") payload is not what \(host.rawValue) sends: \(describe(error))")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return keys.isEmpty ? "the body" : String(keys.drop(while: { $0 == "." }))
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)): missing \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func commit(_ value: String?) -> String? {
        guard let value, value != zeroCommit, !value.isEmpty else { return nil }
        return value
    }
}

// MARK: GitHub (https://docs.github.com/en/webhooks/webhook-events-and-payloads#push)

struct GitHubRepository: Decodable {
    var fullName: String
    var cloneURL: String?
    var sshURL: String?
    var htmlURL: String?
    var gitURL: String?

    var urls: [String] { [cloneURL, sshURL, htmlURL, gitURL].compactMap { $0 } }

    enum CodingKeys: String, CodingKey {
        case fullName = "full_name", cloneURL = "clone_url", sshURL = "ssh_url", htmlURL = "html_url", gitURL = "git_url"
    }
}

struct GitHubPush: Decodable {
    struct Pusher: Decodable { var name: String? }
    var ref: String
    var after: String
    var deleted: Bool?
    var repository: GitHubRepository
    var pusher: Pusher?

    var event: PushEvent {
        let after = deleted == true ? nil : WebhookPayload.commit(after)
        return PushEvent(repositoryURLs: repository.urls, repositoryName: repository.fullName,
                         changes: [.init(ref: ref, after: after)], pusher: pusher?.name)
    }
}

struct GitHubPing: Decodable {
    var repository: GitHubRepository?
}

// MARK: GitLab (https://docs.gitlab.com/user/project/integrations/webhook_events/#push-events)

struct GitLabPush: Decodable {
    struct Project: Decodable {
        var pathWithNamespace: String
        var gitHTTPURL: String?
        var gitSSHURL: String?
        var webURL: String?
        enum CodingKeys: String, CodingKey {
            case pathWithNamespace = "path_with_namespace", gitHTTPURL = "git_http_url", gitSSHURL = "git_ssh_url", webURL = "web_url"
        }
    }
    var ref: String
    var after: String
    var checkoutSHA: String?
    var userUsername: String?
    var project: Project

    enum CodingKeys: String, CodingKey {
        case ref, after, project
        case checkoutSHA = "checkout_sha"
        case userUsername = "user_username"
    }

    var event: PushEvent {
        let urls = [project.gitHTTPURL, project.gitSSHURL, project.webURL].compactMap { $0 }
        // A tag push names the tag object in `after` and the commit in `checkout_sha`.
        let target = ref.hasPrefix("refs/tags/") ? (checkoutSHA ?? after) : after
        return PushEvent(repositoryURLs: urls, repositoryName: project.pathWithNamespace,
                         changes: [.init(ref: ref, after: WebhookPayload.commit(target))], pusher: userUsername)
    }
}

// MARK: Bitbucket Cloud (https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#Push)

struct BitbucketPush: Decodable {
    struct Reference: Decodable {
        struct Target: Decodable { var hash: String }
        var type: String
        var name: String
        var target: Target?
    }
    struct Change: Decodable {
        var new: Reference?
        var old: Reference?
    }
    struct Push: Decodable { var changes: [Change] }
    struct Link: Decodable { var href: String }
    struct Links: Decodable { var html: Link? }
    struct Repository: Decodable {
        var fullName: String
        var links: Links?
        enum CodingKeys: String, CodingKey { case fullName = "full_name", links }
    }
    struct Actor: Decodable {
        var nickname: String?
        var displayName: String?
        enum CodingKeys: String, CodingKey { case nickname, displayName = "display_name" }
    }
    var push: Push
    var repository: Repository
    var actor: Actor?

    var event: PushEvent {
        let changes: [PushEvent.Change] = push.changes.compactMap { change in
            guard let reference = change.new ?? change.old else { return nil }
            let prefix = reference.type.hasSuffix("tag") ? "refs/tags/" : "refs/heads/"  // tag, annotated_tag
            return PushEvent.Change(ref: prefix + reference.name, after: change.new?.target.map(\.hash))
        }
        return PushEvent(repositoryURLs: repository.links?.html.map { [$0.href] } ?? [], repositoryName: repository.fullName,
                         changes: changes, pusher: actor?.nickname ?? actor?.displayName)
    }
}
