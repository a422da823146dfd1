import Foundation
import ServiceLifecycle

/// Purges upload sessions idle for more than a day, once an hour, while the server runs.
public struct UploadJanitor: Service {
    public let registry: Registry
    public var idleLimit: TimeInterval = 24 * 3600
    public var interval: Duration = .seconds(3600)

    public init(registry: Registry) { self.registry = registry }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            registry.uploads.purge(idleFor: idleLimit)
            try? registry.store.removeStaleIngests(olderThan: Int64(idleLimit))
        }
    }
}
