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
        migrator.registerMigration("0001-images") { db in
            // Images Slipway knows of, with where they came from (from their config labels).
            try db.create(table: "image") { table in
                table.primaryKey("digest", .text)
                table.column("repository", .text).notNull()
                table.column("media_type", .text).notNull()
                table.column("size", .integer).notNull()
                table.column("revision", .text)
                table.column("branch", .text)
                table.column("source", .text)
                table.column("created_at", .datetime).notNull()
            }
            try db.create(index: "image_by_revision", on: "image", columns: ["revision"])
            // A tag is a movable name for an image in a repository.
            try db.create(table: "tag") { table in
                table.column("repository", .text).notNull()
                table.column("name", .text).notNull()
                table.column("digest", .text).notNull().references("image", onDelete: .restrict)
                table.column("updated_at", .datetime).notNull()
                table.primaryKey(["repository", "name"])
            }
        }
        return migrator
    }
}
