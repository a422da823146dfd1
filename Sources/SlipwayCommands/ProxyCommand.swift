import ArgumentParser
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import SlipwayProxy

/// `slipway proxy --listen ADDR --upstream HOST:PORT…`
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Run the front proxy alone, in front of fixed upstream servers (to try it out, or to benchmark it).",
        discussion: """
            This is the proxy `slipway serve` runs for each environment — keep-alive and pooled connections on both \
            sides, streamed bodies, WebSocket pass-through, X-Forwarded-* headers, round-robin with failover — with the \
            upstreams given here instead of a deployed cluster. Stops on SIGTERM or SIGINT.
            """
    )

    @Option(help: "Where to take traffic, HOST:PORT (port 0 picks one; the bound address is printed).") var listen = "127.0.0.1:8000"
    @Option(help: "An upstream server, HOST:PORT (repeatable).") var upstream: [String] = []
    @Option(help: "Event loop threads (default: one per core).") var threads: Int?

    func validate() throws {
        guard !upstream.isEmpty else { throw ValidationError("give at least one --upstream HOST:PORT") }
        _ = try ServeCommand.parseAddress(listen)
        for address in upstream { _ = try ServeCommand.parseAddress(address) }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let (host, port) = try ServeCommand.parseAddress(listen)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let proxy = ProxyServer(configuration: ProxyConfiguration(host: host, port: port), group: group)
        proxy.onError = { note("proxy: \($0)") }
        let bound = try await proxy.start()
        var upstreams: [Upstream] = []
        for address in upstream {
            let (upstreamHost, upstreamPort) = try ServeCommand.parseAddress(address)
            upstreams.append(Upstream(host: upstreamHost, port: upstreamPort))
        }
        proxy.switchTo(upstreams, colour: "a")
        note("proxy serving on \(host):\(bound), in front of \(upstream.joined(separator: ", "))")
        let logger = Logger(label: "slipway-proxy")
        try await ServiceGroup(configuration: .init(services: [StopOnSignal(proxy: proxy)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                    logger: logger)).run()
        try await group.shutdownGracefully()
    }

    /// Waits for the shutdown signal, then lets in-flight requests finish.
    struct StopOnSignal: Service {
        let proxy: ProxyServer
        func run() async throws {
            try? await gracefulShutdown()
            try await proxy.shutdown()
        }
    }
}
