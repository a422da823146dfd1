import Foundation
import ServiceLifecycle

/// Purges upload sessions idle for more than a day, once an hour, while the server runs.
public struct UploadJanitor: Service {
    public let registry: Registry
    public var idleLimit: TimeInterval = 24 * 3600
    public var interval: Duration = .seconds(3600)

    public init(registry: Registry) { self.registry = registry }

    public func run() async throws {
        // The sleep is cancelled on graceful shutdown, so SIGTERM never waits for the next round.
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            registry.uploads.purge(idleFor: idleLimit)
            try? registry.store.removeStaleIngests(olderThan: Int64(idleLimit))
        }
    }
}
