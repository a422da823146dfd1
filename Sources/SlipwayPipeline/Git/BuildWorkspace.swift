import Foundation

/// Where a build's code is: `ROOT/tree` (the commit's files) and `ROOT/source-date-epoch` (the commit's time).
public struct BuildWorkspace: Sendable {
    public let root: String
    public var tree: String { root + "/tree" }

    public init(root: String) { self.root = root }

    public func setSourceDateEpoch(_ epoch: Int64) throws {
        try "\(epoch)\n".write(toFile: root + "/source-date-epoch", atomically: true, encoding: .utf8)
    }

    public var sourceDateEpoch: Int64? {
        (try? String(contentsOfFile: root + "/source-date-epoch", encoding: .utf8))
            .flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    public func remove() { try? FileManager.default.removeItem(atPath: root) }
}
