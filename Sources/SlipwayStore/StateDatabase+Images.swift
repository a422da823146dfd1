import Foundation
import GRDB
import SlipwayOCI

/// An image Slipway holds, with where it came from (read from its configuration's labels).
public struct ImageRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "image"

    public var digest: String
    public var repository: String
    public var mediaType: String
    public var size: Int64
    public var revision: String?
    public var branch: String?
    public var source: String?
    public var createdAt: Date

    public init(digest: Digest, repository: String, mediaType: String, size: Int64, labels: [String: String],
                createdAt: Date = Date()) {
        self.digest = digest.description
        self.repository = repository
        self.mediaType = mediaType
        self.size = size
        self.revision = labels[Annotation.revision]
        self.branch = labels[Annotation.branch]
        self.source = labels[Annotation.source]
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case digest, repository, size, revision, branch, source
        case mediaType = "media_type"
        case createdAt = "created_at"
    }
}

/// A movable name for an image in a repository.
public struct TagRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "tag"

    public var repository: String
    public var name: String
    public var digest: String
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case repository, name, digest
        case updatedAt = "updated_at"
    }
}

extension StateDatabase {
    /// Records an image (keeping its first-seen time if it is known already) and points `tag` at it.
    public func record(_ image: ImageRecord, tag: String?) throws {
        try writer.write { db in
            if try ImageRecord.fetchOne(db, key: image.digest) == nil { try image.insert(db) }
            if let tag {
                try TagRecord(repository: image.repository, name: tag, digest: image.digest, updatedAt: Date()).save(db)
            }
        }
    }

    /// The digest a tag points at, or nil.
    public func digest(repository: String, tag: String) throws -> Digest? {
        try writer.read { db in
            try TagRecord.fetchOne(db, key: ["repository": repository, "name": tag])
        }.flatMap { try? Digest(parsing: $0.digest) }
    }

    /// Every image, oldest first, with its tags.
    public func images() throws -> [(image: ImageRecord, tags: [String])] {
        try writer.read { db in
            let images = try ImageRecord.order(Column("created_at"), Column("digest")).fetchAll(db)
            let tags = try TagRecord.order(Column("name")).fetchAll(db)
            return images.map { image in
                (image, tags.filter { $0.digest == image.digest && $0.repository == image.repository }.map(\.name))
            }
        }
    }
}
