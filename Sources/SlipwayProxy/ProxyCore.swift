import NIOCore
import Synchronization

/// State shared by all connections of one `ProxyServer`: the live snapshot, metrics, asset roots,
/// settings. Handlers hold a reference to it; everything here is thread-safe.
final class ProxyCore: Sendable {
    let configuration: ProxyConfiguration
    let metrics = ProxyMetrics()
    let connectTimeout: TimeAmount
    let responseTimeout: TimeAmount
    let downDuration: TimeAmount
    let assetsPrefix: String?
    let assetResponder: AssetResponder?

    private let live = Mutex<UpstreamSnapshot?>(nil)
    /// Bumped (inside the lock) on every publish; readers compare it with their per-loop cached
    /// value and only take the lock when it changed. After `publish` returns, any later load sees
    /// the new generation, so a request that starts after `switchTo` cannot get the old snapshot.
    private let generation = Atomic<Int>(0)
    private let assetRoots: Mutex<[String]>
    private let errorHook = Mutex<(@Sendable (String) -> Void)?>(nil)

    init(configuration: ProxyConfiguration, assetResponder: AssetResponder?) {
        self.configuration = configuration
        self.connectTimeout = TimeAmount(configuration.connectTimeout)
        self.responseTimeout = TimeAmount(configuration.responseTimeout)
        self.downDuration = TimeAmount(configuration.upstreamDownDuration)
        self.assetsPrefix = configuration.assets?.prefix
        self.assetRoots = Mutex(configuration.assets?.directories ?? [])
        self.assetResponder = assetResponder
    }

    func publish(_ snapshot: UpstreamSnapshot?) {
        live.withLock { current in
            current = snapshot
            generation.wrappingAdd(1, ordering: .releasing)
        }
    }

    var currentSnapshot: UpstreamSnapshot? {
        live.withLock { $0 }
    }

    /// The live snapshot for a request starting now, through the calling loop's pool cache.
    @inline(__always) func snapshot(cachedIn pool: UpstreamConnectionPool) -> UpstreamSnapshot? {
        let current = generation.load(ordering: .acquiring)
        if current != pool.cachedGeneration {
            let (snapshot, generation) = live.withLock { ($0, self.generation.load(ordering: .relaxed)) }
            pool.cachedSnapshot = snapshot
            pool.cachedGeneration = generation
        }
        return pool.cachedSnapshot
    }

    var assetDirectories: [String] {
        get { assetRoots.withLock { $0 } }
        set { assetRoots.withLock { $0 = newValue } }
    }

    var onError: (@Sendable (String) -> Void)? {
        get { errorHook.withLock { $0 } }
        set { errorHook.withLock { $0 = newValue } }
    }

    /// Errors go to the hook only; the library never prints.
    func report(_ message: String) {
        if let hook = errorHook.withLock({ $0 }) { hook(message) }
    }
}
