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
        return migrator
    }
}
