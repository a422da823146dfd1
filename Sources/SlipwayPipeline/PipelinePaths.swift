/// Where the pipeline keeps things under `$SLIPWAY_HOME`.
public struct PipelinePaths: Sendable {
    public let home: String

    public init(home: String) { self.home = home }

    /// Git's side: `askpass`, `known_hosts`, `mirrors/NAME.git`, `remotes/APP.git`.
    public var git: String { home + "/git" }
    public func mirror(_ source: String) -> String { "\(git)/mirrors/\(source).git" }
    public func remote(_ app: String) -> String { "\(git)/remotes/\(app).git" }
    public var logs: BuildLogs { BuildLogs(directory: home + "/builds/logs") }
    /// A fetched build's workspace, removed when the build ends.
    public func workspace(_ id: Int64) -> BuildWorkspace { BuildWorkspace(root: "\(home)/builds/work/\(id)") }
    /// Workspaces the built-in remote prepares before it queues a build.
    public var contexts: String { home + "/builds/contexts" }
    /// Held by the `slipway serve` whose workers run builds.
    public var workersLock: String { home + "/builds/workers.lock" }
    /// The builder's state (layers, cache).
    public var builder: String { home + "/builder" }
}
