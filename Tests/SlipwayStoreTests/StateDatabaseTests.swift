import Foundation
import GRDB
import SlipwayTestSupport
import Testing

@testable import SlipwayStore

@Suite struct StateDatabaseTests {
    let dir = TemporaryDirectory("slipway-db")

    @Test func migratesAFreshDatabaseAndReopens() throws {
        let path = dir("slipway.sqlite")
        do {
            let database = try StateDatabase(path: path)
            #expect(try database.appliedMigrations() == StateDatabase.migrations)
            try database.writer.write { db in
                try db.execute(sql: "INSERT INTO image (digest, repository, media_type, size, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: ["sha256:aa", "example", "application/vnd.oci.image.manifest.v1+json", 10, Date()])
                try db.execute(sql: "INSERT INTO tag (repository, name, digest, updated_at) VALUES (?, ?, ?, ?)",
                               arguments: ["example", "staging", "sha256:aa", Date()])
            }
        }
        let reopened = try StateDatabase(path: path)
        #expect(try reopened.appliedMigrations() == StateDatabase.migrations)
        let tags = try reopened.writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM tag") }
        #expect(tags == ["staging"])
    }

    @Test func foreignKeysAreEnforced() throws {
        let database = try StateDatabase(path: dir("slipway.sqlite"))
        #expect(throws: (any Error).self) {
            try database.writer.write { db in
                try db.execute(sql: "INSERT INTO tag (repository, name, digest, updated_at) VALUES ('r', 't', 'sha256:none', 0)")
            }
        }
    }

    @Test func refusesADatabaseFromANewerSlipway() throws {
        let path = dir("slipway.sqlite")
        _ = try StateDatabase(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999-future')") }
        try queue.close()
        do {
            _ = try StateDatabase(path: path)
            Issue.record("a newer database was opened")
        } catch {
            #expect("\(error)".contains("newer Slipway"))
            #expect("\(error)".contains(path))
        }
    }

    @Test func unwritableLocationIsNamed() throws {
        do {
            _ = try StateDatabase(path: dir("missing-directory/slipway.sqlite"))
            Issue.record("opened a database in a missing directory")
        } catch {
            #expect("\(error)".contains("missing-directory/slipway.sqlite"))
        }
    }
}
