import Foundation
import GRDB

/// A stored scan: counts by severity (ignored findings apart) and the report as JSON, which the scanner owns.
public struct StoredScan: Sendable, Equatable {
    public var digest: String
    public var scannedAt: Date
    public var databaseVersion: String?
    public var critical: Int, high: Int, medium: Int, low: Int, unknown: Int, ignored: Int
    public var report: Data

    public init(digest: String, scannedAt: Date, databaseVersion: String?, critical: Int, high: Int, medium: Int,
                low: Int, unknown: Int, ignored: Int, report: Data) {
        self.digest = digest
        self.scannedAt = scannedAt
        self.databaseVersion = databaseVersion
        self.critical = critical
        self.high = high
        self.medium = medium
        self.low = low
        self.unknown = unknown
        self.ignored = ignored
        self.report = report
    }
}

extension StateDatabase {
    /// Records the latest scan of a manifest, replacing the previous one.
    public func saveScan(_ scan: StoredScan) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO scan (digest, scanned_at, database_version, critical, high, medium, low, unknown,
                                             ignored, report)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [scan.digest, scan.scannedAt, scan.databaseVersion, scan.critical, scan.high,
                                 scan.medium, scan.low, scan.unknown, scan.ignored, scan.report])
        }
    }

    /// The latest scan of each digest asked for that has one (no reports loaded when `withReports` is false).
    public func scans(digests: [String], withReports: Bool = false) throws -> [String: StoredScan] {
        try writer.read { db in
            var result: [String: StoredScan] = [:]
            for digest in Set(digests) {
                let columns = "digest, scanned_at, database_version, critical, high, medium, low, unknown, ignored, "
                    + (withReports ? "report" : "X''")
                guard let row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM scan WHERE digest = ?",
                                                 arguments: [digest]) else { continue }
                result[digest] = StoredScan(digest: row[0], scannedAt: row[1], databaseVersion: row[2], critical: row[3],
                                            high: row[4], medium: row[5], low: row[6], unknown: row[7], ignored: row[8],
                                            report: row[9])
            }
            return result
        }
    }

    public func scan(digest: String) throws -> StoredScan? { try scans(digests: [digest], withReports: true)[digest] }

    /// The cached inventory of a manifest, as the scanner encoded it.
    public func inventory(digest: String) throws -> Data? {
        try writer.read { try Data.fetchOne($0, sql: "SELECT inventory FROM inventory WHERE digest = ?", arguments: [digest]) }
    }

    public func saveInventory(digest: String, _ data: Data) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO inventory (digest, created_at, inventory) VALUES (?, ?, ?)",
                           arguments: [digest, Date(), data])
        }
    }

    /// Every manifest a tag points at, with one of its names (`repository:tag`), for rescans.
    public func taggedManifests() throws -> [(repository: String, digest: String, tag: String)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT repository, digest, MIN(name) FROM tag GROUP BY repository, digest ORDER BY repository, digest
                """).map { (repository: $0[0], digest: $0[1], tag: $0[2]) }
        }
    }
}
