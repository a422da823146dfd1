import Foundation
import GRDB
import SlipwayOCI

/// One move of a tag by the deploy commands (`tag-by-commit`, `tag-by-branch`, rollback).
public struct TagEvent: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "tag_event"

    public var id: Int64?
    public var repository: String
    public var tag: String
    public var fromDigest: String?
    public var toDigest: String
    public var revision: String?
    public var actor: String
    public var at: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, repository, tag, revision, actor, at
        case fromDigest = "from_digest"
        case toDigest = "to_digest"
    }
}

/// A server of a cluster: its container and where the proxy reaches it.
public struct DeployedServer: Codable, Sendable, Equatable, Hashable {
    public var name: String
    public var id: String
    public var host: String
    public var port: Int

    public init(name: String, id: String, host: String, port: Int) {
        self.name = name
        self.id = id
        self.host = host
        self.port = port
    }
}

/// A deployment (or a rollback), updated as it goes: `step` is the last step begun or ended, `outcome` is set
/// when it ends.
public struct DeploymentRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "deployment"

    public var id: Int64?
    public var environment: String
    /// `deploy`, `rollback` (a switch back inside the cleanup window) or `redeploy`.
    public var kind: String
    public var digest: String
    public var revision: String?
    public var colour: String
    public var previousDigest: String?
    public var previousColour: String?
    public var step: String
    /// nil while running; then `live` (switched, cleaning up), `succeeded`, `failed`, `unchanged`.
    public var outcome: String?
    public var message: String?
    public var actor: String
    public var startedAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
    /// Who deployed an image the vulnerability policy refused, and why (`--override-policy`).
    public var policyOverride: String?

    public init(environment: String, kind: String, digest: String, revision: String?, colour: String,
                previousDigest: String?, previousColour: String?, step: String, actor: String, policyOverride: String? = nil,
                at: Date = Date()) {
        self.policyOverride = policyOverride
        self.environment = environment
        self.kind = kind
        self.digest = digest
        self.revision = revision
        self.colour = colour
        self.previousDigest = previousDigest
        self.previousColour = previousColour
        self.step = step
        self.actor = actor
        self.startedAt = at
        self.updatedAt = at
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, environment, kind, digest, revision, colour, step, outcome, message, actor
        case previousDigest = "previous_digest"
        case previousColour = "previous_colour"
        case startedAt = "started_at"
        case updatedAt = "updated_at"
        case finishedAt = "finished_at"
        case policyOverride = "policy_override"
    }
}

/// What an environment serves: the live cluster, and the old one while it drains before cleanup.
public struct EnvironmentState: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "environment_state"

    public var name: String
    public var liveColour: String?
    public var liveDigest: String?
    public var liveServers: [DeployedServer] = []
    public var oldColour: String?
    public var oldDigest: String?
    public var oldServers: [DeployedServer] = []
    public var cleanupAt: Date?
    public var updatedAt: Date

    public init(name: String, at: Date = Date()) {
        self.name = name
        self.updatedAt = at
    }

    enum CodingKeys: String, CodingKey {
        case name
        case liveColour = "live_colour"
        case liveDigest = "live_digest"
        case liveServers = "live_servers"
        case oldColour = "old_colour"
        case oldDigest = "old_digest"
        case oldServers = "old_servers"
        case cleanupAt = "cleanup_at"
        case updatedAt = "updated_at"
    }

    public static let databaseJSONEncoder: @Sendable (String) -> JSONEncoder = { _ in
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}

/// The deploy lock of an environment: who holds it, since when, and when it last said it was alive.
public struct DeployLock: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "deploy_lock"

    public var environment: String
    public var holder: String
    public var pid: Int32
    public var acquiredAt: Date
    public var heartbeatAt: Date

    enum CodingKeys: String, CodingKey {
        case environment, holder, pid
        case acquiredAt = "acquired_at"
        case heartbeatAt = "heartbeat_at"
    }
}

extension StateDatabase {
    // MARK: Tags moved by people

    /// Points `tag` at `digest` and records who moved it from where, in one transaction.
    @discardableResult
    public func moveTag(_ tag: String, in repository: String, to digest: Digest, revision: String?, actor: String,
                        at: Date = Date()) throws -> TagEvent {
        try writer.write { db in
            let previous = try TagRecord.fetchOne(db, key: ["repository": repository, "name": tag])
            try TagRecord(repository: repository, name: tag, digest: digest.description, updatedAt: at).save(db)
            var event = TagEvent(repository: repository, tag: tag, fromDigest: previous?.digest, toDigest: digest.description,
                                 revision: revision, actor: actor, at: at)
            try event.insert(db)
            return event
        }
    }

    /// Tag moves, oldest first; only those of `tag` when given.
    public func tagEvents(in repository: String, tag: String? = nil) throws -> [TagEvent] {
        try writer.read { db in
            var request = TagEvent.filter(Column("repository") == repository)
            if let tag { request = request.filter(Column("tag") == tag) }
            return try request.order(Column("at"), Column("id")).fetchAll(db)
        }
    }

    // MARK: Deployments

    /// Records a new deployment and returns it with its id.
    public func insertDeployment(_ deployment: DeploymentRecord) throws -> DeploymentRecord {
        try writer.write { db in
            var record = deployment
            try record.insert(db)
            return record
        }
    }

    /// Saves a deployment's progress.
    public func updateDeployment(_ deployment: DeploymentRecord) throws {
        try writer.write { db in try deployment.update(db) }
    }

    /// Saves a deployment and the environment's state together, so that neither is ever ahead of the other.
    public func save(_ deployment: DeploymentRecord, _ state: EnvironmentState) throws {
        try writer.write { db in
            try deployment.update(db)
            try state.save(db)
        }
    }

    /// Deployments, newest first; of one environment when given.
    public func deployments(environment: String? = nil, limit: Int? = nil) throws -> [DeploymentRecord] {
        try writer.read { db in
            var request = DeploymentRecord.all()
            if let environment { request = request.filter(Column("environment") == environment) }
            return try request.order(Column("id").desc).limit(limit ?? -1).fetchAll(db)
        }
    }

    /// Deployments that never ended (their server died), oldest first.
    public func unfinishedDeployments() throws -> [DeploymentRecord] {
        try writer.read { db in
            try DeploymentRecord.filter(Column("finished_at") == nil).order(Column("id")).fetchAll(db)
        }
    }

    /// Digests that any environment deployed in its last `count` deployments: the garbage collector keeps them.
    public func recentlyDeployedDigests(perEnvironment count: Int = 10) throws -> Set<String> {
        try writer.read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT digest FROM (
                    SELECT digest, ROW_NUMBER() OVER (PARTITION BY environment ORDER BY id DESC) AS n FROM deployment
                ) WHERE n <= ?
                """, arguments: [count]))
        }
    }

    /// Images deployment keeps: each environment's last `count` deploys, and what is live or draining now. Neither a
    /// manifest DELETE nor the garbage collector may remove them, so a rollback always finds its image.
    public func digestsKeptForDeploys(perEnvironment count: Int = 10) throws -> Set<String> {
        var digests = try recentlyDeployedDigests(perEnvironment: count)
        try writer.read { db in
            for row in try Row.fetchAll(db, sql: "SELECT live_digest, old_digest FROM environment_state") {
                if let live: String = row["live_digest"] { digests.insert(live) }
                if let old: String = row["old_digest"] { digests.insert(old) }
            }
        }
        return digests
    }

    // MARK: Environment state

    public func environmentState(_ name: String) throws -> EnvironmentState {
        try writer.read { db in try EnvironmentState.fetchOne(db, key: name) } ?? EnvironmentState(name: name)
    }

    public func saveEnvironmentState(_ state: EnvironmentState) throws {
        try writer.write { db in try state.save(db) }
    }

    // MARK: The deploy lock

    /// Takes an environment's deploy lock for `holder`, or returns who holds it. A lock whose heartbeat is older
    /// than `staleAfter` (its holder died) is taken over.
    public func acquireDeployLock(_ environment: String, holder: String, pid: Int32, staleAfter: TimeInterval,
                                  at now: Date = Date()) throws -> DeployLock? {
        try writer.write { db in
            if let current = try DeployLock.fetchOne(db, key: environment),
               now.timeIntervalSince(current.heartbeatAt) < staleAfter {
                return current
            }
            try DeployLock(environment: environment, holder: holder, pid: pid, acquiredAt: now, heartbeatAt: now).save(db)
            return nil
        }
    }

    /// Says the holder is still alive.
    public func heartbeatDeployLock(_ environment: String, holder: String, at now: Date = Date()) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE deploy_lock SET heartbeat_at = ? WHERE environment = ? AND holder = ?",
                           arguments: [now, environment, holder])
        }
    }

    public func releaseDeployLock(_ environment: String, holder: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM deploy_lock WHERE environment = ? AND holder = ?", arguments: [environment, holder])
        }
    }

    public func deployLock(_ environment: String) throws -> DeployLock? {
        try writer.read { db in try DeployLock.fetchOne(db, key: environment) }
    }
}
