import GRDB

/// Slipway's state in SQLite (through GRDB): one file, `$SLIPWAY_HOME/slipway.sqlite`, in WAL mode so the
/// server writes while commands read. The schema grows by numbered migrations, applied in order at open.
public final class StateDatabase: Sendable {
    public let path: String
    public let writer: DatabasePool

    /// Opens (creating if needed) and migrates the database. A database that a newer Slipway migrated
    /// further is refused rather than used with a schema this version does not know.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
            let superseded = try writer.read { db in try Self.migrator.hasBeenSuperseded(db) }
            if superseded {
                throw StoreError.database(path: path, reason: "it was migrated by a newer Slipway "
                                              + "(unknown migrations); upgrade Slipway or restore a backup")
            }
            try Self.migrator.migrate(writer)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.database(path: path, reason: "\(error)")
        }
    }

    /// Identifiers of the migrations applied, in the order they apply.
    public func appliedMigrations() throws -> [String] {
        let applied = try writer.read { db in try Self.migrator.appliedIdentifiers(db) }
        return Self.migrations.filter { applied.contains($0) }
    }

    /// Every migration Slipway knows, in the order they apply. Never edit one that has shipped: add another.
    public static var migrations: [String] { migrator.migrations }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001-registry") { db in
            // Repositories of the registry, created by their first push.
            try db.create(table: "repository") { table in
                table.primaryKey("name", .text)
                table.column("created_at", .datetime).notNull()
            }
            // Which blobs a repository holds (pushed, mounted or imported). The bytes are in the blob store,
            // shared by all repositories; a blob is readable through a repository only when linked to it.
            try db.create(table: "repository_blob") { table in
                table.column("repository", .text).notNull().references("repository", onDelete: .cascade)
                table.column("digest", .text).notNull()
                table.column("size", .integer).notNull()
                table.column("created_at", .datetime).notNull()
                table.primaryKey(["repository", "digest"])
            }
            // Manifests and indexes, with what list-images shows: push time, size, and the config labels that
            // say where the image came from.
            try db.create(table: "manifest") { table in
                table.column("repository", .text).notNull().references("repository", onDelete: .cascade)
                table.column("digest", .text).notNull()
                table.column("media_type", .text).notNull()
                table.column("size", .integer).notNull()
                table.column("artifact_type", .text)
                table.column("subject", .text)
                table.column("annotations", .text)
                table.column("revision", .text)
                table.column("branch", .text)
                table.column("source", .text)
                table.column("pushed_at", .datetime).notNull()
                table.primaryKey(["repository", "digest"])
            }
            try db.create(index: "manifest_by_subject", on: "manifest", columns: ["repository", "subject"])
            try db.create(index: "manifest_by_revision", on: "manifest", columns: ["revision"])
            // A tag is a movable name for a manifest in a repository.
            try db.create(table: "tag") { table in
                table.column("repository", .text).notNull()
                table.column("name", .text).notNull()
                table.column("digest", .text).notNull()
                table.column("updated_at", .datetime).notNull()
                table.primaryKey(["repository", "name"])
                table.foreignKey(["repository", "digest"], references: "manifest", columns: ["repository", "digest"],
                                 onDelete: .cascade)
            }
        }
        migrator.registerMigration("0002-deploy") { db in
            // Every move of a tag made by the deploy commands: who, when, from which image to which.
            try db.create(table: "tag_event") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("repository", .text).notNull()
                table.column("tag", .text).notNull()
                table.column("from_digest", .text)
                table.column("to_digest", .text).notNull()
                table.column("revision", .text)
                table.column("actor", .text).notNull()
                table.column("at", .datetime).notNull()
            }
            try db.create(index: "tag_event_by_tag", on: "tag_event", columns: ["repository", "tag", "at"])
            // Deployments, one row each, updated as each step starts and ends, so that a restarted server knows
            // where a deploy stood when it died.
            try db.create(table: "deployment") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("environment", .text).notNull()
                table.column("kind", .text).notNull()
                table.column("digest", .text).notNull()
                table.column("revision", .text)
                table.column("colour", .text).notNull()
                table.column("previous_digest", .text)
                table.column("previous_colour", .text)
                table.column("step", .text).notNull()
                table.column("outcome", .text)
                table.column("message", .text)
                table.column("actor", .text).notNull()
                table.column("started_at", .datetime).notNull()
                table.column("updated_at", .datetime).notNull()
                table.column("finished_at", .datetime)
            }
            try db.create(index: "deployment_by_environment", on: "deployment", columns: ["environment", "id"])
            // What each environment serves now: the live cluster, and the old one while it drains.
            try db.create(table: "environment_state") { table in
                table.primaryKey("name", .text)
                table.column("live_colour", .text)
                table.column("live_digest", .text)
                table.column("live_servers", .text).notNull().defaults(to: "[]")
                table.column("old_colour", .text)
                table.column("old_digest", .text)
                table.column("old_servers", .text).notNull().defaults(to: "[]")
                table.column("cleanup_at", .datetime)
                table.column("updated_at", .datetime).notNull()
            }
            // One deploy at a time per environment: a lease with its holder and a heartbeat.
            try db.create(table: "deploy_lock") { table in
                table.primaryKey("environment", .text)
                table.column("holder", .text).notNull()
                table.column("pid", .integer).notNull()
                table.column("acquired_at", .datetime).notNull()
                table.column("heartbeat_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("0003-audit") { db in
            // Every command run through an SSH key's restricted shell, refused ones included.
            try db.create(table: "audit") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("at", .datetime).notNull()
                table.column("actor", .text).notNull()
                table.column("fingerprint", .text).notNull()
                table.column("environment", .text).notNull()
                table.column("role", .text).notNull()
                table.column("source", .text)
                table.column("command", .text).notNull()
                table.column("outcome", .text).notNull()
                table.column("exit_status", .integer)
            }
            try db.create(index: "audit_by_environment", on: "audit", columns: ["environment", "at"])
        }
        migrator.registerMigration("0004-scan") { db in
            // The latest scan of each manifest: counts for list-images and the deploy gate, the whole report as JSON.
            try db.create(table: "scan") { table in
                table.primaryKey("digest", .text)
                table.column("scanned_at", .datetime).notNull()
                table.column("database_version", .text)
                table.column("critical", .integer).notNull()
                table.column("high", .integer).notNull()
                table.column("medium", .integer).notNull()
                table.column("low", .integer).notNull()
                table.column("unknown", .integer).notNull()
                table.column("ignored", .integer).notNull()
                table.column("report", .blob).notNull()
            }
            // Who deployed past the vulnerability policy, and why.
            try db.alter(table: "deployment") { table in table.add(column: "policy_override", .text) }
            // An image's package inventory, read once per manifest: rescans after a database update reuse it.
            try db.create(table: "inventory") { table in
                table.primaryKey("digest", .text)
                table.column("created_at", .datetime).notNull()
                table.column("inventory", .blob).notNull()
            }
        }
        migrator.registerMigration("0005-builds") { db in
            // The build queue: one row per build, its log on disk ($SLIPWAY_HOME/builds/logs/ID.log).
            try db.create(table: "build") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("source", .text).notNull()
                table.column("repository", .text).notNull()
                table.column("ref", .text).notNull()
                table.column("branch", .text)
                table.column("commit_id", .text).notNull()
                table.column("triggered_by", .text).notNull()
                table.column("delivery", .text)
                table.column("state", .text).notNull()
                table.column("queued_at", .datetime).notNull()
                table.column("started_at", .datetime)
                table.column("finished_at", .datetime)
                table.column("digest", .text)
                table.column("error", .text)
                table.column("context", .text)
                table.column("retry_of", .integer)
                table.column("cancel_requested", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "build_by_state", on: "build", columns: ["state", "id"])
            // Webhook deliveries seen, so a redelivered event builds once.
            try db.create(table: "webhook_delivery") { table in
                table.column("host", .text).notNull()
                table.column("id", .text).notNull()
                table.column("received_at", .datetime).notNull()
                table.primaryKey(["host", "id"])
            }
        }
        return migrator
    }
}
