import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import SlipwayRegistry
import SlipwayStore

/// `slipway serve [--listen ADDR] [--only registry]`
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Slipway's server: the OCI registry at /v2/ and Prometheus metrics at /metrics.",
        discussion: """
            Listens on 127.0.0.1:5000 unless told otherwise; port 0 picks a free port, and the address \
            actually bound is printed as "listening on HOST:PORT". Stops gracefully on SIGTERM or SIGINT.
            State lives in $SLIPWAY_HOME (default ~/.slipway).
            """
    )

    enum Component: String, ExpressibleByArgument, CaseIterable {
        case registry
    }

    @Option(help: "The address to listen on, HOST:PORT.")
    var listen = "127.0.0.1:5000"

    @Option(help: "Run only this component: \(Component.allCases.map(\.rawValue).joined(separator: ", ")).")
    var only: Component?

    func validate() throws {
        _ = try Self.parseAddress(listen)
    }

    static func parseAddress(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port), colon != text.startIndex
        else {
            throw ValidationError("--listen '\(text)' must be HOST:PORT, e.g. 127.0.0.1:5000")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    func run() async throws {
        let (host, port) = try Self.parseAddress(listen)
        let home = SlipwayHome.fromEnvironment()
        let registry = try Registry(home: home)
        try registry.store.removeStaleIngests()
        let registryResponder = RegistryResponder<BasicRequestContext>(registry: registry)
        let responder = CallbackResponder<BasicRequestContext> { request, context in
            if request.uri.path == "/metrics" {
                let text = registry.metrics.render()
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                                body: .init(byteBuffer: ByteBuffer(string: text)))
            }
            return try await registryResponder.respond(to: request, context: context)
        }
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: "slipway"),
            services: [UploadJanitor(registry: registry)],
            onServerRunning: { channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? listen
                note("slipway \(SlipwayCommand.version): registry listening on \(address) (home \(home.path))")
            },
            logger: {
                var logger = Logger(label: "slipway")
                logger.logLevel = .warning
                return logger
            }()
        )
        try await app.runService()
    }
}
