import NIOCore
import NIOPosix

/// Idle keep-alive connections to upstreams, for one event loop.
///
/// One pool per event loop means a request and its upstream connection share the loop: no
/// locks, no thread hops. Everything here must be called on `eventLoop`; the `@unchecked
/// Sendable` only lets the pool be handed to channel initialisers, which run on that loop.
final class UpstreamConnectionPool: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let maxIdlePerUpstream: Int
    private let idleTimeout: TimeAmount
    private let connectTimeout: TimeAmount
    /// Keyed by the identity of the (long-lived) `UpstreamState`; LIFO so hot connections stay hot.
    private var idle: [ObjectIdentifier: [UpstreamHandler]] = [:]
    private var sweeper: RepeatedTask?
    /// This loop's metrics shard (see `MetricsShard`).
    let shardIndex: Int
    /// This loop's end-of-tick flushes, shared by the client and upstream connections on it.
    let flusher: TickFlusher
    /// Round-robin position of this loop: a plain integer, since only this loop touches it.
    private var roundRobin = 0
    /// Per-loop cache of the live snapshot, refreshed when the generation changes.
    var cachedSnapshot: UpstreamSnapshot?
    var cachedGeneration = -1

    init(eventLoop: any EventLoop, shardIndex: Int, maxIdlePerUpstream: Int, idleTimeout: TimeAmount, connectTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.flusher = TickFlusher(eventLoop: eventLoop)
        self.shardIndex = shardIndex
        self.maxIdlePerUpstream = maxIdlePerUpstream
        self.idleTimeout = idleTimeout
        self.connectTimeout = connectTimeout
    }

    func nextRoundRobinStart() -> Int {
        roundRobin = roundRobin == Int.max ? 0 : roundRobin + 1
        return roundRobin
    }

    /// An idle, still-open connection to `server`, if any. Connections the upstream closed while
    /// idle have normally been removed already (`remove`); the `isActive` check catches the rest.
    func take(_ server: UpstreamState) -> UpstreamHandler? {
        let key = ObjectIdentifier(server)
        while let handler = idle[key]?.popLast() {
            if handler.isActive { return handler }
        }
        return nil
    }

    /// Returns a connection after a complete exchange that both sides wanted to keep alive.
    func release(_ handler: UpstreamHandler) {
        handler.owner = nil
        guard handler.isActive else { return }
        let key = ObjectIdentifier(handler.server)
        if idle[key, default: []].count >= maxIdlePerUpstream {
            handler.close()
            return
        }
        handler.idleSince = .now()
        idle[key, default: []].append(handler)
        // While idle, keep reading so that a close by the upstream is noticed at once.
        handler.resumeReading()
        startSweeperIfNeeded()
    }

    /// Called when an idle connection closes.
    func remove(_ handler: UpstreamHandler) {
        let key = ObjectIdentifier(handler.server)
        if let index = idle[key]?.firstIndex(where: { $0 === handler }) {
            idle[key]?.remove(at: index)
        }
    }

    /// Closes idle connections to servers that are no longer live (after a switch).
    func purge(keeping live: Set<ObjectIdentifier>) {
        for (key, handlers) in idle where !live.contains(key) {
            idle[key] = nil
            for handler in handlers { handler.close() }
        }
    }

    func closeAll() {
        let all = idle.values.flatMap { $0 }
        idle = [:]
        sweeper?.cancel()
        sweeper = nil
        for handler in all { handler.close() }
    }

    /// Opens a new connection on this loop with an `UpstreamHandler`.
    /// The caller fetches the `UpstreamHandler` from the pipeline on the loop (handlers are not
    /// `Sendable`, so they cannot travel inside a future).
    func connect(_ server: UpstreamState) -> EventLoopFuture<Channel> {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(server: server, pool: self))
                }
            }
        if let address = server.address {
            return bootstrap.connect(to: address)
        }
        return bootstrap.connect(host: server.upstream.host, port: server.upstream.port)
    }

    private func startSweeperIfNeeded() {
        guard sweeper == nil else { return }
        let interval = max(TimeAmount.seconds(1), TimeAmount.nanoseconds(idleTimeout.nanoseconds / 2))
        sweeper = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            sweep()
        }
    }

    private func sweep() {
        let cutoff = NIODeadline.now() - idleTimeout
        for (key, handlers) in idle {
            let expired = handlers.filter { $0.idleSince < cutoff }
            guard !expired.isEmpty else { continue }
            idle[key] = handlers.filter { $0.idleSince >= cutoff }
            for handler in expired { handler.close() }
        }
    }
}
