import Foundation

/// One advisory in the Open Source Vulnerability format (https://ossf.github.io/osv-schema/).
///
/// Only the fields the scanner reads are typed; the record's own bytes are kept in the database, so nothing the
/// schema carries is lost.
public struct OSVRecord: Codable, Hashable, Sendable {
    public var id: String
    public var modified: String
    public var published: String?
    public var withdrawn: String?
    public var aliases: [String]?
    /// Upstream ids (schema 1.6): Debian and Alpine records name the CVE they derive from here.
    public var upstream: [String]?
    public var related: [String]?
    public var summary: String?
    public var details: String?
    public var severity: [Severity]?
    public var affected: [Affected]?
    public var references: [Reference]?
    public var databaseSpecific: JSONObject?

    enum CodingKeys: String, CodingKey {
        case id, modified, published, withdrawn, aliases, upstream, related, summary, details, severity, affected,
             references
        case databaseSpecific = "database_specific"
    }

    /// A severity score: `type` is `CVSS_V2`, `CVSS_V3`, `CVSS_V4` or `Ubuntu`; `score` the vector or level.
    public struct Severity: Codable, Hashable, Sendable {
        public var type: String
        public var score: String
    }

    /// A package the advisory affects, with the versions it affects.
    public struct Affected: Codable, Hashable, Sendable {
        public var package: Package?
        public var severity: [Severity]?
        public var ranges: [Range]?
        public var versions: [String]?
        public var databaseSpecific: JSONObject?
        public var ecosystemSpecific: JSONObject?

        enum CodingKeys: String, CodingKey {
            case package, severity, ranges, versions
            case databaseSpecific = "database_specific"
            case ecosystemSpecific = "ecosystem_specific"
        }
    }

    public struct Package: Codable, Hashable, Sendable {
        public var ecosystem: String
        public var name: String
        public var purl: String?
    }

    /// A range of affected versions, as ordered events (`introduced`, `fixed`, `last_affected`, `limit`).
    public struct Range: Codable, Hashable, Sendable {
        public var type: String
        public var repo: String?
        public var events: [Event]
    }

    /// One event; the schema requires exactly one of the four keys.
    public struct Event: Codable, Hashable, Sendable {
        public var introduced: String?
        public var fixed: String?
        public var lastAffected: String?
        public var limit: String?

        public init(introduced: String? = nil, fixed: String? = nil, lastAffected: String? = nil, limit: String? = nil) {
            self.introduced = introduced
            self.fixed = fixed
            self.lastAffected = lastAffected
            self.limit = limit
        }

        enum CodingKeys: String, CodingKey {
            case introduced, fixed, limit
            case lastAffected = "last_affected"
        }
    }

    public struct Reference: Codable, Hashable, Sendable {
        public var type: String
        public var url: String
    }

    /// CVE (and other) ids this advisory is known by: its aliases and upstream ids.
    public var knownAs: [String] {
        var seen = Set<String>()
        return ((aliases ?? []) + (upstream ?? [])).filter { $0 != id && seen.insert($0).inserted }
    }
}

/// A JSON object kept as a value, for the schema's free-form `database_specific` and `ecosystem_specific`.
public struct JSONObject: Codable, Hashable, Sendable {
    public var fields: [String: JSONScalar]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        var fields: [String: JSONScalar] = [:]
        for key in container.allKeys {
            fields[key.stringValue] = (try? container.decode(JSONScalar.self, forKey: key)) ?? .other
        }
        self.fields = fields
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        for (key, value) in fields where value != .other {
            try container.encode(value, forKey: AnyKey(stringValue: key))
        }
    }

    public subscript(key: String) -> String? {
        if case .string(let value) = fields[key] { return value }
        return nil
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A scalar value of a free-form JSON object; nested values are not kept (`other`).
public enum JSONScalar: Codable, Hashable, Sendable {
    case string(String), number(Double), bool(Bool), other

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else { self = .other }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .other: try container.encodeNil()
        }
    }
}
