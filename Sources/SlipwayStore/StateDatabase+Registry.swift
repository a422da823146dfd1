import Foundation
import GRDB
import SlipwayOCI

/// A manifest (or index) held by a repository, with where it came from (its configuration's labels).
public struct ManifestRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "manifest"

    public var repository: String
    public var digest: String
    public var mediaType: String
    public var size: Int64
    public var artifactType: String?
    /// The digest of the manifest this one refers to (OCI 1.1 referrers).
    public var subject: String?
    /// The manifest's annotations as JSON, for the referrers listing.
    public var annotations: String?
    public var revision: String?
    public var branch: String?
    public var source: String?
    public var pushedAt: Date

    public init(repository: String, digest: Digest, mediaType: String, size: Int64, artifactType: String? = nil,
                subject: Digest? = nil, annotations: [String: String]? = nil, labels: [String: String] = [:],
                pushedAt: Date = Date()) {
        self.repository = repository
        self.digest = digest.description
        self.mediaType = mediaType
        self.size = size
        self.artifactType = artifactType
        self.subject = subject?.description
        self.annotations = annotations.flatMap { try? String(decoding: CanonicalJSON.encode($0), as: UTF8.self) }
        self.revision = labels[Annotation.revision]
        self.branch = labels[Annotation.branch]
        self.source = labels[Annotation.source]
        self.pushedAt = pushedAt
    }

    /// The descriptor of this manifest.
    public var descriptor: Descriptor {
        var descriptor = Descriptor(mediaType: mediaType, digest: (try? Digest(parsing: digest))!, size: size)
        descriptor.artifactType = artifactType
        descriptor.annotations = annotations.flatMap {
            try? JSONDecoder().decode([String: String].self, from: Data($0.utf8))
        }
        return descriptor
    }

    enum CodingKeys: String, CodingKey {
        case repository, digest, size, subject, annotations, revision, branch, source
        case mediaType = "media_type"
        case artifactType = "artifact_type"
        case pushedAt = "pushed_at"
    }
}

/// A movable name for a manifest in a repository.
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
    // MARK: Repositories and blobs

    /// Links a blob to a repository, creating the repository on first use.
    public func linkBlob(_ digest: Digest, size: Int64, to repository: String) throws {
        try writer.write { db in
            try Self.ensureRepository(repository, db)
            try db.execute(
                sql: "INSERT OR IGNORE INTO repository_blob (repository, digest, size, created_at) VALUES (?, ?, ?, ?)",
                arguments: [repository, digest.description, size, Date()])
        }
    }

    /// The size of a blob linked to a repository, or nil when it is not linked.
    public func linkedBlobSize(_ digest: Digest, in repository: String) throws -> Int64? {
        try writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT size FROM repository_blob WHERE repository = ? AND digest = ?",
                               arguments: [repository, digest.description])
        }
    }

    /// Unlinks a blob from a repository; false when it was not linked.
    public func unlinkBlob(_ digest: Digest, from repository: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM repository_blob WHERE repository = ? AND digest = ?",
                           arguments: [repository, digest.description])
            return db.changesCount > 0
        }
    }

    public func repositoryExists(_ name: String) throws -> Bool {
        try writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM repository WHERE name = ?)", arguments: [name]) ?? false
        }
    }

    /// Repository names in lexical order, after `last` when given, at most `limit`.
    public func repositories(after last: String?, limit: Int?) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM repository WHERE name > ? ORDER BY name LIMIT ?",
                                arguments: [last ?? "", limit ?? -1])
        }
    }

    // MARK: Manifests and tags

    /// Records a manifest and, when given, points a tag at it — in one transaction.
    public func putManifest(_ manifest: ManifestRecord, tag: String?) throws {
        try writer.write { db in
            try Self.ensureRepository(manifest.repository, db)
            if let existing = try ManifestRecord.fetchOne(db, key: ["repository": manifest.repository, "digest": manifest.digest]) {
                var kept = manifest
                kept.pushedAt = existing.pushedAt  // the first push is when the image arrived
                try kept.update(db)
            } else {
                try manifest.insert(db)
            }
            if let tag {
                try TagRecord(repository: manifest.repository, name: tag, digest: manifest.digest, updatedAt: Date()).save(db)
            }
        }
    }

    public func manifest(_ digest: Digest, in repository: String) throws -> ManifestRecord? {
        try writer.read { db in
            try ManifestRecord.fetchOne(db, key: ["repository": repository, "digest": digest.description])
        }
    }

    /// The digest a tag points at, or nil.
    public func digest(forTag tag: String, in repository: String) throws -> Digest? {
        try writer.read { db in
            try TagRecord.fetchOne(db, key: ["repository": repository, "name": tag])
        }.flatMap { try? Digest(parsing: $0.digest) }
    }

    /// Tags in lexical order, after `last` when given, at most `limit`.
    public func tags(in repository: String, after last: String?, limit: Int?) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM tag WHERE repository = ? AND name > ? ORDER BY name LIMIT ?",
                                arguments: [repository, last ?? "", limit ?? -1])
        }
    }

    /// Deletes a manifest and every tag that points at it; false when it was not there.
    public func deleteManifest(_ digest: Digest, in repository: String) throws -> Bool {
        try writer.write { db in
            try ManifestRecord.deleteOne(db, key: ["repository": repository, "digest": digest.description])
        }
    }

    /// Deletes a tag (not the manifest); false when it was not there.
    public func deleteTag(_ tag: String, in repository: String) throws -> Bool {
        try writer.write { db in try TagRecord.deleteOne(db, key: ["repository": repository, "name": tag]) }
    }

    /// Manifests in a repository whose subject is `digest`, oldest first.
    public func referrers(of digest: Digest, in repository: String) throws -> [ManifestRecord] {
        try writer.read { db in
            try ManifestRecord.filter(Column("repository") == repository && Column("subject") == digest.description)
                .order(Column("pushed_at"), Column("digest")).fetchAll(db)
        }
    }

    /// Every manifest with its tags, oldest push first.
    public func manifests() throws -> [(manifest: ManifestRecord, tags: [String])] {
        try writer.read { db in
            let manifests = try ManifestRecord.order(Column("pushed_at"), Column("digest")).fetchAll(db)
            var tags: [String: [String]] = [:]
            for tag in try TagRecord.order(Column("name")).fetchAll(db) {
                tags[tag.repository + "@" + tag.digest, default: []].append(tag.name)
            }
            return manifests.map { ($0, tags[$0.repository + "@" + $0.digest] ?? []) }
        }
    }

    private static func ensureRepository(_ name: String, _ db: Database) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO repository (name, created_at) VALUES (?, ?)", arguments: [name, Date()])
    }
}

extension StateDatabase {
    /// When a blob was last linked to any repository, or nil when it is linked nowhere.
    public func newestLink(of digest: Digest) throws -> Date? {
        try writer.read { db in
            try Date.fetchOne(db, sql: "SELECT MAX(created_at) FROM repository_blob WHERE digest = ?",
                              arguments: [digest.description])
        }
    }

    /// Removes a blob from every repository (before the garbage collector deletes its bytes).
    public func unlinkEverywhere(_ digest: Digest) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM repository_blob WHERE digest = ?", arguments: [digest.description])
        }
    }
}
