import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The front HTTP reverse proxy of one environment.
///
/// The deployer calls `switchTo` to change which colour gets new requests; requests already in
/// flight finish on the colour they started on, and `inFlight(colour:)` tells when the old one
/// has drained. All request work happens in channel handlers on the event loops of `group`.
public final class ProxyServer: Sendable {
    private let configuration: ProxyConfiguration
    private let group: any EventLoopGroup
    private let core: ProxyCore
    private let threadPool: NIOThreadPool?
    private let state = Mutex(ServerState())
    /// Long-lived per-upstream state (down marks, pool keys), so a switch back and forth keeps it.
    private let upstreamRegistry = Mutex<[Upstream: UpstreamState]>([:])

    private struct ServerState {
        var serverChannel: Channel?
        var started = false
        var connections: [ObjectIdentifier: Channel] = [:]
        var pools: [ObjectIdentifier: UpstreamConnectionPool] = [:]
    }

    public init(configuration: ProxyConfiguration, group: any EventLoopGroup) {
        self.configuration = configuration
        self.group = group
        let threadPool = configuration.assets == nil ? nil : NIOThreadPool(numberOfThreads: 2)
        self.threadPool = threadPool
        self.core = ProxyCore(configuration: configuration, assetResponder: threadPool.map(AssetResponder.init))
    }

    /// Called with a one-line description of each upstream or connection error. The library
    /// itself never prints.
    public var onError: (@Sendable (String) -> Void)? {
        get { core.onError }
        set { core.onError = newValue }
    }

    /// Binds and starts accepting. Returns the bound port (useful with `port: 0`).
    public func start() async throws -> Int {
        let sslContext = try configuration.tls.map(Self.makeSSLContext)
        threadPool?.start()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try self.initializeConnection(channel, sslContext: sslContext)
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw ProxyError.bindFailed(host: configuration.host, port: configuration.port, underlying: error)
        }
        state.withLock {
            $0.serverChannel = channel
            $0.started = true
        }
        guard let port = channel.localAddress?.port else {
            throw ProxyError.bindFailed(host: configuration.host, port: configuration.port, underlying: nil)
        }
        return port
    }

    /// Publishes a new live set. Every request that starts after this returns uses `upstreams`;
    /// requests already running keep theirs.
    public func switchTo(_ upstreams: [Upstream], colour: String) {
        let servers = upstreamRegistry.withLock { registry in
            upstreams.map { upstream in
                if let existing = registry[upstream] { return existing }
                let created = UpstreamState(upstream: upstream)
                registry[upstream] = created
                return created
            }
        }
        let snapshot = UpstreamSnapshot(colour: colour, servers: servers, metrics: core.metrics.colour(colour))
        core.publish(snapshot)

        // Idle connections to servers that left the live set would otherwise linger until the
        // idle sweep; close them now so the old colour can be stopped cleanly.
        let keep = Set(servers.map(ObjectIdentifier.init))
        for pool in state.withLock({ Array($0.pools.values) }) {
            pool.eventLoop.execute { pool.purge(keeping: keep) }
        }
    }

    /// The live colour and its upstreams, or nil before the first `switchTo`.
    public var live: (colour: String, upstreams: [Upstream])? {
        guard let snapshot = core.currentSnapshot else { return nil }
        return (snapshot.colour, snapshot.servers.map(\.upstream))
    }

    /// Requests currently being served by `colour` (the deployer waits for 0 before stopping it).
    public func inFlight(colour: String) -> Int {
        core.metrics.existingColour(colour)?.inFlight ?? 0
    }

    /// Asset directories, tried in order (newest image first, then the previous one).
    public func setAssetRoots(_ directories: [String]) {
        core.assetDirectories = directories
    }

    /// Prometheus text exposition of the proxy's counters.
    public func metrics() -> String {
        core.metrics.render()
    }

    /// The metrics of several proxies in one exposition, each series labelled with its proxy's name
    /// (`environment="staging"`).
    public static func metrics(of proxies: [(name: String, proxy: ProxyServer)], label: String = "environment") -> String {
        MetricsRenderer.render(proxies.map { ("\(label)=\"\(MetricsRenderer.escape($0.name))\",", $0.proxy.core.metrics.all) })
    }

    /// Stops accepting, lets in-flight requests finish (up to `shutdownGracePeriod`), then closes
    /// every connection, pooled ones included.
    public func shutdown() async throws {
        let serverChannel = state.withLock { $0.serverChannel }
        try? await serverChannel?.close()

        for channel in state.withLock({ Array($0.connections.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = ContinuousClock.now + configuration.shutdownGracePeriod
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.connections.isEmpty }) { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        let remaining = state.withLock { Array($0.connections.values) }
        for channel in remaining {
            try? await channel.close()
        }
        let pools = state.withLock { Array($0.pools.values) }
        for pool in pools {
            try? await pool.eventLoop.submit { pool.closeAll() }.get()
        }
        try? await threadPool?.shutdownGracefully()
    }

    // MARK: - Internals

    private func pool(for eventLoop: any EventLoop) -> UpstreamConnectionPool {
        let key = ObjectIdentifier(eventLoop)
        return state.withLock { state in
            if let pool = state.pools[key] { return pool }
            let pool = UpstreamConnectionPool(
                eventLoop: eventLoop,
                shardIndex: state.pools.count,
                maxIdlePerUpstream: configuration.maxIdleConnectionsPerUpstream,
                idleTimeout: TimeAmount(configuration.upstreamIdleTimeout),
                connectTimeout: core.connectTimeout
            )
            state.pools[key] = pool
            return pool
        }
    }

    private func initializeConnection(_ channel: Channel, sslContext: NIOSSLContext?) throws {
        let pipeline = channel.pipeline.syncOperations
        if let sslContext {
            try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
        }
        let handler = DownstreamHandler(
            core: core,
            pool: pool(for: channel.eventLoop),
            scheme: sslContext == nil ? "http" : "https"
        )
        try pipeline.addHandler(handler)

        let key = ObjectIdentifier(channel)
        state.withLock { $0.connections[key] = channel }
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { _ = $0.connections.removeValue(forKey: key) }
        }
    }

    private static func makeSSLContext(_ files: TLSFiles) throws -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(files.certificateChainPath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.applicationProtocols = ["http/1.1"]
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw ProxyError.tlsConfiguration(certificate: files.certificateChainPath, key: files.privateKeyPath, underlying: error)
        }
    }
}

/// Errors thrown by `ProxyServer`, with the context needed to act on them.
public enum ProxyError: Error, CustomStringConvertible {
    case bindFailed(host: String, port: Int, underlying: Error?)
    case tlsConfiguration(certificate: String, key: String, underlying: Error)

    public var description: String {
        switch self {
        case .bindFailed(let host, let port, let underlying):
            "cannot listen on \(host):\(port): \(underlying.map { "\($0)" } ?? "no local address")"
        case .tlsConfiguration(let certificate, let key, let underlying):
            "cannot load TLS certificate \(certificate) / key \(key): \(underlying)"
        }
    }
}
