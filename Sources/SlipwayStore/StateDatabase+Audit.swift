import Foundation
import GRDB

/// One command asked for through an SSH key: who, from where, what, and how it ended.
public struct AuditRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit"

    public var id: Int64?
    public var at: Date
    public var actor: String
    public var fingerprint: String
    public var environment: String
    public var role: String
    /// `SSH_CONNECTION`: client address and port, server address and port.
    public var source: String?
    public var command: String
    /// `ok`, `failed` or `refused: why`.
    public var outcome: String
    public var exitStatus: Int?

    public init(at: Date = Date(), actor: String, fingerprint: String, environment: String, role: String, source: String?,
                command: String, outcome: String, exitStatus: Int?) {
        self.at = at
        self.actor = actor
        self.fingerprint = fingerprint
        self.environment = environment
        self.role = role
        self.source = source
        self.command = command
        self.outcome = outcome
        self.exitStatus = exitStatus
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, at, actor, fingerprint, environment, role, source, command, outcome
        case exitStatus = "exit_status"
    }
}

extension StateDatabase {
    public func appendAudit(_ record: AuditRecord) throws {
        try writer.write { db in
            var record = record
            try record.insert(db)
        }
    }

    /// Audit records, oldest first; of one environment when given.
    public func audit(environment: String? = nil) throws -> [AuditRecord] {
        try writer.read { db in
            var request = AuditRecord.all()
            if let environment { request = request.filter(Column("environment") == environment) }
            return try request.order(Column("id")).fetchAll(db)
        }
    }
}
