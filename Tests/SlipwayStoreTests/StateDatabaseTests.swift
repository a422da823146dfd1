import Foundation
import GRDB
import SlipwayOCI
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
            let digest = Digest(of: Array("manifest".utf8))
            try database.putManifest(
                ManifestRecord(repository: "example", digest: digest, mediaType: MediaType.ociManifest, size: 10,
                               labels: [Annotation.revision: "abc", Annotation.branch: "main"]),
                tag: "staging")
        }
        let reopened = try StateDatabase(path: path)
        #expect(try reopened.appliedMigrations() == StateDatabase.migrations)
        let listed = try reopened.manifests()
        #expect(listed.count == 1)
        #expect(listed.first?.tags == ["staging"])
        #expect(listed.first?.manifest.revision == "abc" && listed.first?.manifest.branch == "main")
    }

    @Test func foreignKeysAreEnforced() throws {
        let database = try StateDatabase(path: dir("slipway.sqlite"))
        #expect(throws: (any Error).self) {
            try database.writer.write { db in
                try db.execute(sql: "INSERT INTO repository (name, created_at) VALUES ('r', 0)")
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
