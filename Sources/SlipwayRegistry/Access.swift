import Foundation

/// What a request needs: actions on a repository (nil for registry-wide endpoints: the version check and
/// the catalog, which need only an authenticated user).
public struct AccessRequest: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable, Comparable {
        case pull, push, delete
        public static func < (a: Action, b: Action) -> Bool { a.rawValue < b.rawValue }
    }

    public var repository: String?
    public var actions: Set<Action>

    /// The access a route and method need, as distribution's token scopes define them.
    public static func needed(for route: RegistryRoute, method: String) -> AccessRequest {
        guard let name = route.name else { return AccessRequest(repository: nil, actions: []) }
        switch (route, method) {
        case (.manifest, "DELETE"), (.blob, "DELETE"): return AccessRequest(repository: name, actions: [.delete])
        case (.manifest, "PUT"), (.startUpload, _), (.upload, _): return AccessRequest(repository: name, actions: [.pull, .push])
        default: return AccessRequest(repository: name, actions: [.pull])
        }
    }

    /// The `scope` parameter of a Bearer challenge: `repository:NAME:pull,push`.
    public var scope: String? {
        repository.map { "repository:\($0):\(actions.sorted().map(\.rawValue).joined(separator: ","))" }
    }
}

/// Who may do what, from `registry.auth.permissions`: each rule names users (`*` for any authenticated user,
/// `anonymous` for requests without credentials), repository globs and actions. With no rules at all, every
/// authenticated user may do everything and anonymous requests nothing.
public struct PermissionRules: Sendable {
    public struct Rule: Sendable {
        public var users: [String]
        public var repositories: [String]
        public var actions: Set<AccessRequest.Action>

        public init(users: [String], repositories: [String], actions: Set<AccessRequest.Action>) {
            self.users = users
            self.repositories = repositories
            self.actions = actions
        }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) { self.rules = rules }

    /// The actions `user` (nil: anonymous) may take on `repository`.
    public func allowed(user: String?, repository: String) -> Set<AccessRequest.Action> {
        if rules.isEmpty { return user == nil ? [] : Set(AccessRequest.Action.allCases) }
        var allowed = Set<AccessRequest.Action>()
        for rule in rules {
            let userMatches = rule.users.contains { pattern in
                user == nil ? pattern == "anonymous" : (pattern == "*" || pattern == user)
            }
            if userMatches, rule.repositories.contains(where: { glob($0, matches: repository) }) {
                allowed.formUnion(rule.actions)
            }
        }
        return allowed
    }
}

/// Shell-style matching (`*`, `?`, `[…]`), as repository and tag patterns are written in the configuration.
public func glob(_ pattern: String, matches name: String) -> Bool {
    fnmatch(pattern, name, 0) == 0
}
