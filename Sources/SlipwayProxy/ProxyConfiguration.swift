import NIOCore

/// One backend server of a colour. Kept as host + port (not a resolved address) so that the
/// deployer can name containers by host name; IP literals are pre-resolved once per `switchTo`.
public struct Upstream: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// PEM files for HTTPS on the listening side. Paths rather than loaded objects so that the
/// configuration stays a plain value that can be decoded from the environment's settings.
public struct TLSFiles: Sendable, Hashable {
    public var certificateChainPath: String
    public var privateKeyPath: String

    public init(certificateChainPath: String, privateKeyPath: String) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }
}

/// A URL prefix (e.g. `/static/`) answered from asset directories instead of the upstreams.
/// The directories can be replaced at run time with `ProxyServer.setAssetRoots(_:)`, because
/// each deploy brings a new image whose assets must be served next to the previous image's.
public struct AssetsRoute: Sendable, Hashable {
    public var prefix: String
    public var directories: [String]

    public init(prefix: String, directories: [String] = []) {
        self.prefix = prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.directories = directories
    }
}

public struct ProxyConfiguration: Sendable {
    /// Listen address, e.g. "127.0.0.1".
    public var host: String
    /// Listen port; 0 picks any free port (`start()` returns the bound one).
    public var port: Int
    /// HTTPS on the listening side when set.
    public var tls: TLSFiles?
    /// Upper bound for establishing an upstream TCP connection; a timeout marks the upstream down.
    public var connectTimeout: Duration
    /// Upper bound between the end of the request being sent and the upstream's response head → 504.
    public var responseTimeout: Duration
    /// Static assets served by the proxy itself.
    public var assets: AssetsRoute?
    /// How long an upstream that refused a connection is skipped by round-robin.
    public var upstreamDownDuration: Duration
    /// Idle upstream connections kept per event loop and upstream.
    public var maxIdleConnectionsPerUpstream: Int
    /// Idle pooled upstream connections older than this are closed.
    public var upstreamIdleTimeout: Duration
    /// Request bodies up to this size are remembered so an idempotent request can be retried
    /// when a reused pooled connection turns out to be dead.
    public var maxReplayBodyBytes: Int
    /// How long `shutdown()` waits for in-flight requests before closing connections anyway.
    public var shutdownGracePeriod: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        tls: TLSFiles? = nil,
        connectTimeout: Duration = .seconds(2),
        responseTimeout: Duration = .seconds(60),
        assets: AssetsRoute? = nil,
        upstreamDownDuration: Duration = .seconds(3),
        maxIdleConnectionsPerUpstream: Int = 256,
        upstreamIdleTimeout: Duration = .seconds(30),
        maxReplayBodyBytes: Int = 64 * 1024,
        shutdownGracePeriod: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.assets = assets
        self.upstreamDownDuration = upstreamDownDuration
        self.maxIdleConnectionsPerUpstream = maxIdleConnectionsPerUpstream
        self.upstreamIdleTimeout = upstreamIdleTimeout
        self.maxReplayBodyBytes = maxReplayBodyBytes
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}

extension TimeAmount {
    /// NIO schedules in `TimeAmount`; the public API speaks `Duration`.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
