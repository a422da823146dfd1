import NIOCore
import Synchronization

/// Per-upstream state that outlives snapshots: the down-marking must survive a `switchTo` that
/// keeps the same server, and the connection pools key on this object's identity (cheaper to
/// hash than a host string on every request).
final class UpstreamState: Sendable {
    let upstream: Upstream
    /// Pre-resolved when `host` is an IP literal, so the hot path never touches the resolver.
    let address: SocketAddress?
    /// `NIODeadline.uptimeNanoseconds` until which the server is skipped; 0 = up.
    private let downUntil = Atomic<UInt64>(0)

    init(upstream: Upstream) {
        self.upstream = upstream
        self.address = try? SocketAddress(ipAddress: upstream.host, port: upstream.port)
    }

    func isDown(now: NIODeadline) -> Bool {
        let until = downUntil.load(ordering: .relaxed)
        return until != 0 && until > now.uptimeNanoseconds
    }

    func markDown(until deadline: NIODeadline) {
        downUntil.store(deadline.uptimeNanoseconds, ordering: .relaxed)
    }

    func markUp() {
        if downUntil.load(ordering: .relaxed) != 0 { downUntil.store(0, ordering: .relaxed) }
    }
}

/// The immutable "live colour" that `switchTo` publishes. A request reads the current snapshot
/// once, at its start, and keeps using it (including for retries): that is what makes the switch
/// atomic per request and lets in-flight requests finish on the old colour.
final class UpstreamSnapshot: Sendable {
    let colour: String
    let servers: [UpstreamState]
    let metrics: ColourMetrics

    init(colour: String, servers: [UpstreamState], metrics: ColourMetrics) {
        self.colour = colour
        self.servers = servers
        self.metrics = metrics
    }

    /// Picks the server for an attempt. `start` comes from the calling loop's round-robin counter
    /// (`UpstreamConnectionPool.nextRoundRobinStart`); `excluded` is a bitmask of indices already
    /// tried by this request.
    func pick(start: Int, excluded: UInt64, now: NIODeadline) -> Int? {
        RoundRobin.pick(count: servers.count, start: start, excluded: excluded) { servers[$0].isDown(now: now) }
    }
}

/// Pure round-robin selection, separated from I/O so it can be unit-tested.
enum RoundRobin {
    /// Returns the first index at or after `start` (cyclically) that is neither excluded nor down.
    /// When every remaining server is marked down, the down ones are tried anyway: a down-mark is a
    /// hint to avoid a server, not a reason to fail a request that no healthy server can take.
    /// Indices ≥ 64 can't be represented in `excluded`; callers bound attempts by `count`.
    static func pick(count: Int, start: Int, excluded: UInt64, isDown: (Int) -> Bool) -> Int? {
        guard count > 0 else { return nil }
        let base = start % count
        var fallback: Int? = nil
        for offset in 0..<count {
            var index = base + offset
            if index >= count { index -= count }
            if index < 64 && excluded & (1 << UInt64(index)) != 0 { continue }
            if !isDown(index) { return index }
            if fallback == nil { fallback = index }
        }
        return fallback
    }
}
