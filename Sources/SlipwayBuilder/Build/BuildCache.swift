import Foundation
import SlipwayOCI
import SlipwayStore

/// The layer cache: a step's key is a hash of its parent's key, the instruction with its arguments expanded, and
/// the content of what it reads (COPY/ADD sources); an entry says which layer the step made, or that it made none.
public struct BuildCache: Sendable {
    public let root: String

    public struct Entry: Codable, Sendable {
        public var layer: Descriptor?
        public var diffID: Digest?
        public var createdBy: String
    }

    public init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    public static func key(parent: Digest, parts: [String]) -> Digest {
        Digest(of: Array(([parent.description] + parts).joined(separator: "\n").utf8))
    }

    public func entry(_ key: Digest) -> Entry? {
        guard let data = FileManager.default.contents(atPath: root + "/" + key.hex + ".json") else { return nil }
        return try? JSONDecoder().decode(Entry.self, from: data)
    }

    public func record(_ key: Digest, _ entry: Entry) throws {
        try writeFileAtomically(root + "/" + key.hex + ".json", Array(try JSONEncoder().encode(entry)))
    }
}
