import Foundation
import GRDB

/// One build of the queue: what to build (a source's commit), why (the trigger), and how it went.
public struct BuildRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "build"

    public enum State: String, Codable, Sendable, CaseIterable {
        case queued, running, succeeded, failed, cancelled, interrupted

        public var isFinished: Bool { ![.queued, .running].contains(self) }
    }

    public var id: Int64?
    /// The source's name from slipway.yml, or `remote:APP` for the built-in git remote.
    public var source: String
    /// The registry repository the image is pushed to.
    public var repository: String
    /// The full ref pushed: `refs/heads/main`, `refs/tags/v1`.
    public var ref: String
    public var branch: String?
    /// The commit: as given until the build resolves it, then the full id.
    public var commit: String
    /// `github`, `gitlab`, `bitbucket`, `remote`, `manual`, or `retry` (queued again after an interruption).
    public var trigger: String
    /// The webhook delivery id that queued it.
    public var delivery: String?
    public var state: State
    public var queuedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var digest: String?
    public var error: String?
    /// A build context made before queueing (the built-in remote exports the pushed tree); nil: fetch the source.
    public var context: String?
    /// The interrupted build this one repeats.
    public var retryOf: Int64?
    public var cancelRequested: Bool

    public init(source: String, repository: String, ref: String, commit: String, trigger: String, delivery: String? = nil,
                context: String? = nil, at: Date = Date()) {
        self.source = source
        self.repository = repository
        self.ref = ref
        branch = ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : nil
        self.commit = commit
        self.trigger = trigger
        self.delivery = delivery
        self.context = context
        state = .queued
        queuedAt = at
        cancelRequested = false
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Seconds from start to finish (or to now while running).
    public var duration: Double? {
        guard let startedAt else { return nil }
        return (finishedAt ?? Date()).timeIntervalSince(startedAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, source, repository, ref, branch, state, delivery, digest, error, context
        case commit = "commit_id"
        case trigger = "triggered_by"
        case queuedAt = "queued_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case retryOf = "retry_of"
        case cancelRequested = "cancel_requested"
    }
}

/// What asking to cancel a build did.
public enum BuildCancellation: Sendable, Equatable {
    /// It was queued and now never runs.
    case cancelled
    /// It is running; its worker stops it.
    case requested
    /// It had already ended, in this state.
    case alreadyFinished(BuildRecord.State)
    case unknown
}

extension StateDatabase {
    /// Queues builds in one transaction. With `delivery` (host, id), nothing is queued when that delivery was seen
    /// before: the result is nil. With `supersede`, queued builds of the same source and ref are cancelled first
    /// (a newer push makes them pointless). Returns the builds queued and the ids cancelled.
    public func enqueueBuilds(_ builds: [BuildRecord], delivery: (host: String, id: String)? = nil, supersede: Bool)
        throws -> (queued: [BuildRecord], superseded: [Int64])?
    {
        try writer.write { db in
            if let delivery {
                let seen = try Bool.fetchOne(db, sql: "SELECT 1 FROM webhook_delivery WHERE host = ? AND id = ?",
                                             arguments: [delivery.host, delivery.id]) ?? false
                if seen { return nil }
                try db.execute(sql: "INSERT INTO webhook_delivery (host, id, received_at) VALUES (?, ?, ?)",
                               arguments: [delivery.host, delivery.id, Date()])
            }
            var queued: [BuildRecord] = []
            var superseded: [Int64] = []
            for var build in builds {
                if supersede {
                    let ids = try Int64.fetchAll(db, sql: """
                        SELECT id FROM build WHERE state = 'queued' AND source = ? AND ref = ? AND context IS NULL
                        """, arguments: [build.source, build.ref])
                    for id in ids {
                        try db.execute(sql: """
                            UPDATE build SET state = 'cancelled', finished_at = ?, error = ? WHERE id = ?
                            """, arguments: [Date(), "superseded by a newer push to \(build.ref)", id])
                    }
                    superseded += ids
                }
                try build.insert(db)
                queued.append(build)
            }
            return (queued, superseded)
        }
    }

    /// Takes the oldest queued build and marks it running; nil when none waits.
    public func claimNextBuild() throws -> BuildRecord? {
        try writer.write { db in
            guard var build = try BuildRecord.fetchOne(db, sql: "SELECT * FROM build WHERE state = 'queued' ORDER BY id LIMIT 1")
            else { return nil }
            build.state = .running
            build.startedAt = Date()
            try build.update(db)
            return build
        }
    }

    /// Records a build's full commit id once it is known.
    public func setBuildCommit(_ id: Int64, commit: String) throws {
        try writer.write { db in try db.execute(sql: "UPDATE build SET commit_id = ? WHERE id = ?", arguments: [commit, id]) }
    }

    /// Ends a running build.
    public func finishBuild(_ id: Int64, state: BuildRecord.State, digest: String? = nil, error: String? = nil) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE build SET state = ?, finished_at = ?, digest = ?, error = ? WHERE id = ?",
                           arguments: [state.rawValue, Date(), digest, error, id])
        }
    }

    /// Cancels a queued build at once, or asks the worker running it to stop.
    public func cancelBuild(_ id: Int64) throws -> BuildCancellation {
        try writer.write { db in
            guard let build = try BuildRecord.fetchOne(db, key: id) else { return .unknown }
            switch build.state {
            case .queued:
                try db.execute(sql: "UPDATE build SET state = 'cancelled', finished_at = ?, error = ? WHERE id = ?",
                               arguments: [Date(), "cancelled before it started", id])
                return .cancelled
            case .running:
                try db.execute(sql: "UPDATE build SET cancel_requested = 1 WHERE id = ?", arguments: [id])
                return .requested
            default:
                return .alreadyFinished(build.state)
            }
        }
    }

    public func build(_ id: Int64) throws -> BuildRecord? {
        try writer.read { db in try BuildRecord.fetchOne(db, key: id) }
    }

    /// The build that repeats an interrupted one.
    public func build(retrying id: Int64) throws -> BuildRecord? {
        try writer.read { db in try BuildRecord.fetchOne(db, sql: "SELECT * FROM build WHERE retry_of = ?", arguments: [id]) }
    }

    /// The newest `limit` builds (all when nil), oldest first.
    public func builds(limit: Int?) throws -> [BuildRecord] {
        try writer.read { db in
            let newest = try BuildRecord.fetchAll(db, sql: "SELECT * FROM build ORDER BY id DESC LIMIT ?", arguments: [limit ?? -1])
            return newest.reversed()
        }
    }

    /// At a server's start: builds left running by a server that died are marked interrupted, and each is queued
    /// again (same source, commit and prepared context). Returns (interrupted, requeued) pairs.
    public func requeueInterruptedBuilds() throws -> [(interrupted: BuildRecord, requeued: BuildRecord)] {
        try writer.write { db in
            var result: [(BuildRecord, BuildRecord)] = []
            // One that was asked to stop is not repeated: it ends cancelled.
            try db.execute(sql: """
                UPDATE build SET state = 'cancelled', finished_at = ?, error = 'cancelled by `slipway builds cancel`'
                WHERE state = 'running' AND cancel_requested = 1
                """, arguments: [Date()])
            for var build in try BuildRecord.fetchAll(db, sql: "SELECT * FROM build WHERE state = 'running' ORDER BY id") {
                var retry = BuildRecord(source: build.source, repository: build.repository, ref: build.ref, commit: build.commit,
                                        trigger: "retry", delivery: build.delivery, context: build.context)
                retry.retryOf = build.id
                build.state = .interrupted
                build.finishedAt = Date()
                build.error = "the server stopped while this build ran; queued again as a new build"
                build.context = nil
                try build.update(db)
                try retry.insert(db)
                build.error = (build.error ?? "") + " (#\(retry.id ?? 0))"
                try build.update(db)
                result.append((build, retry))
            }
            return result
        }
    }
}
