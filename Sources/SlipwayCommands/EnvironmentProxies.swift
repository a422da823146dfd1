import Foundation
import NIOCore
import NIOPosix
import SlipwayConfig
import SlipwayDeploy
import SlipwayProxy
import SlipwayStore

/// The front proxy of every environment, started by `slipway serve` on each environment's `listen` address, and
/// the deployer's handle on them.
final class EnvironmentProxies: TrafficControl {
    let proxies: [String: ProxyServer]

    private init(proxies: [String: ProxyServer]) { self.proxies = proxies }

    /// Binds every environment's proxy; fails naming the environment whose address is taken.
    static func start(_ environments: [String: SlipwayConfig.Environment]) async throws -> EnvironmentProxies {
        var proxies: [String: ProxyServer] = [:]
        for (name, settings) in environments.sorted(by: { $0.key < $1.key }) {
            let (host, port) = try ServeCommand.parseAddress(settings.listen)
            var configuration = ProxyConfiguration(host: host, port: port)
            configuration.assets = settings.assets.map { AssetsRoute(prefix: $0.url) }
            configuration.tls = settings.tls.map { TLSFiles(certificateChainPath: $0.certificate, privateKeyPath: $0.key) }
            configuration.responseTimeout = .seconds(60)
            let proxy = ProxyServer(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton)
            proxy.onError = { message in note("proxy \(name): \(message)") }
            do {
                let bound = try await proxy.start()
                note("environment \(name): proxy serving on \(host):\(bound)")
            } catch {
                for started in proxies.values { try? await started.shutdown() }
                throw CommandError("cannot start the proxy of environment \(name) on \(settings.listen): \(error)")
            }
            proxies[name] = proxy
        }
        return EnvironmentProxies(proxies: proxies)
    }

    func route(_ environment: String, colour: String, servers: [DeployedServer]) async throws {
        guard let proxy = proxies[environment] else { throw DeployError("no proxy for environment \(environment)") }
        proxy.switchTo(servers.map { Upstream(host: $0.host, port: $0.port) }, colour: colour)
    }

    func inFlight(_ environment: String, colour: String) async -> Int {
        proxies[environment]?.inFlight(colour: colour) ?? 0
    }

    func serveAssets(_ environment: String, from directories: [String]) async {
        proxies[environment]?.setAssetRoots(directories)
    }

    /// Every proxy's metrics, for /metrics.
    func metrics() -> String {
        ProxyServer.metrics(of: proxies.keys.sorted().map { ($0, proxies[$0]!) })
    }

    func shutdown() async {
        for proxy in proxies.values { try? await proxy.shutdown() }
    }
}
