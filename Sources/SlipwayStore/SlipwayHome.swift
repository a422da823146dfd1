import Foundation

/// Slipway's state directory: `$SLIPWAY_HOME`, else `~/.slipway`. It holds the blob store (`blobs/`) and the
/// state database (`slipway.sqlite`).
public struct SlipwayHome: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The home named by the environment: `SLIPWAY_HOME`, else `~/.slipway`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> SlipwayHome {
        if let home = environment["SLIPWAY_HOME"], !home.isEmpty { return SlipwayHome(path: home) }
        return SlipwayHome(path: (environment["HOME"] ?? NSHomeDirectory()) + "/.slipway")
    }

    /// Opens the blob store, creating the home on first use (owner-only: it will hold secrets and state).
    public func blobStore() throws -> BlobStore {
        try createIfNeeded()
        return try BlobStore(root: path + "/blobs")
    }

    /// Opens and migrates the state database.
    public func database() throws -> StateDatabase {
        try createIfNeeded()
        return try StateDatabase(path: path + "/slipway.sqlite")
    }

    /// The vulnerability database: `SLIPWAY_VULNDB` when set, else `vulndb.sqlite` in the home.
    public func vulnerabilityDatabasePath(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["SLIPWAY_VULNDB"], !path.isEmpty { return path }
        return path + "/vulndb.sqlite"
    }

    /// Creates the home directory (owner-only) if it does not exist yet.
    public func createIfNeeded() throws {
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
    }
}
