import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SlipwayConfig
import SlipwayDeploy
import SlipwayPipeline
import SlipwayRegistry
import SlipwayStore

/// `slipway serve [--listen ADDR] [--only registry]`
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Slipway's server: the registry, webhooks, build workers, scanner, proxies and deploys.",
        discussion: """
            One HTTP listener: the OCI registry at /v2/, webhooks at /hooks/github, /hooks/gitlab and /hooks/bitbucket, \
            Prometheus metrics at /metrics. Build workers (builds.workers, default 1) run the build queue; every tagged \
            push is scanned; each environment's proxy listens on its own address. Listens on 127.0.0.1:5000 unless told otherwise; port 0 picks a free port, and the address \
            actually bound is printed as "listening on HOST:PORT". Stops gracefully on SIGTERM or SIGINT.
            State lives in $SLIPWAY_HOME (default ~/.slipway).
            """
    )

    enum Component: String, ExpressibleByArgument, CaseIterable {
        case registry
    }

    @Option(help: "The configuration file (default: $SLIPWAY_HOME/slipway.yml).")
    var config: String?

    @Option(help: "The address to listen on, HOST:PORT (default: server.listen from the configuration, else 127.0.0.1:5000).")
    var listen: String?

    @Option(help: "Require credentials: htpasswd:FILE (bcrypt entries, Basic auth); overrides registry.auth.htpasswd.")
    var auth: String?

    @Option(help: "Run only this component: \(Component.allCases.map(\.rawValue).joined(separator: ", ")).")
    var only: Component?

    func validate() throws {
        if let listen { _ = try Self.parseAddress(listen) }
        if let auth, !auth.hasPrefix("htpasswd:") || auth.count <= "htpasswd:".count {
            throw ValidationError("--auth must be htpasswd:FILE")
        }
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
        let home = SlipwayHome.fromEnvironment()
        let settings = try SlipwayConfig.load(path: config ?? home.path + "/slipway.yml")
        let listen = self.listen ?? settings.server.listen
        let (host, port) = try Self.parseAddress(listen)
        let registry = try Registry(
            home: home, auth: try Self.registryAuth(settings.registry.auth, override: auth, home: home),
            immutableTags: settings.registry.immutableTags.map { ($0.repository, $0.tags) })
        try registry.store.removeStaleIngests()
        let registryResponder = RegistryResponder<BasicRequestContext>(registry: registry)
        let tokenResponder = TokenResponder<BasicRequestContext>(registry: registry)
        let logger: Logger = {
            var logger = Logger(label: "slipway")
            logger.logLevel = .warning
            return logger
        }()

        // The deploy side: a proxy per environment, the runtime, the orchestrator and its control socket.
        var deploySide: (proxies: EnvironmentProxies, deployer: Deployer, control: any Service)?
        if only == nil, !settings.environments.isEmpty {
            deploySide = try await Self.startDeploySide(settings, home: home, registry: registry, pullAddress: Self.pullAddress(host: host, port: port),
                                                        logger: logger)
        }
        let proxies = deploySide?.proxies
        let webhooks = WebhookReceiver(config: settings, database: registry.database)
        let responder = CallbackResponder<BasicRequestContext> { request, context in
            if request.uri.path.hasPrefix("/hooks/") {
                return try await Self.webhook(request, receiver: webhooks)
            }
            if request.uri.path == "/token" {
                return try await tokenResponder.respond(to: request, context: context)
            }
            if request.uri.path == "/metrics" {
                let text = registry.metrics.render() + (proxies?.metrics() ?? "")
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                                body: .init(byteBuffer: ByteBuffer(string: text)))
            }
            return try await registryResponder.respond(to: request, context: context)
        }
        let deployer = deploySide?.deployer
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: "slipway"),
            services: [UploadJanitor(registry: registry)],
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                let address = channel.localAddress.map { "\($0.ipAddress ?? host):\(bound)" } ?? listen
                note("slipway \(SlipwayCommand.version): registry listening on \(address) (home \(home.path))")
                if let deployer {
                    await deployer.setRegistry(Self.pullAddress(host: host, port: bound))
                    note("deploys: ready (control socket \(home.path)/control.sock)")
                    Task { await deployer.finishCleanups { note($0.text) } }
                }
            },
            logger: logger
        )
        let scanOnPush = ScanOnPush(config: settings, state: registry.database, store: registry.store,
                                    vulnerabilityDatabase: home.vulnerabilityDatabasePath())
        let pushes = registry.pushes()
        let scanning = Task { await scanOnPush.run(pushes) }
        defer { scanning.cancel() }
        let building = try startWorkers(settings, home: home, registry: registry)
        defer { building?.cancel() }
        var services: [any Service] = [app]
        if let control = deploySide?.control { services.append(control) }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await proxies?.shutdown()
    }

    /// The build workers, unless another server on this home runs them (or only the registry runs).
    func startWorkers(_ settings: SlipwayConfig, home: SlipwayHome, registry: Registry) throws -> Task<Void, Never>? {
        guard only == nil else { return nil }
        let paths = PipelinePaths(home: home.path)
        guard let workers = try BuildWorkers(config: settings, paths: paths, database: registry.database, registry: registry,
                                             client: try ClientOptions.makeClient(settings, home: home)) else {
            note("builds: another slipway serve runs the builds of \(home.path) (it holds \(paths.workersLock)); this one runs none")
            return nil
        }
        for line in try workers.requeueInterrupted() { note(line) }
        note("builds: \(settings.builds.workers) worker(s)")
        return Task { await workers.run { note($0) } }
    }

    /// `POST /hooks/HOST`: the body (at most 25 MiB, GitHub's own cap) and headers to the receiver, its answer as JSON.
    static func webhook(_ request: Request, receiver: WebhookReceiver) async throws -> Response {
        let name = String(request.uri.path.dropFirst("/hooks/".count))
        func answer(_ status: Int, _ body: some Encodable) throws -> Response {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
        }
        guard let host = WebhookHost(rawValue: name) else {
            return try answer(404, ["message": "no webhook at /hooks/\(name); use /hooks/github, /hooks/gitlab or /hooks/bitbucket"])
        }
        guard request.method == .post else { return try answer(405, ["message": "webhooks are POST requests"]) }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 25 << 20)
        } catch {
            return try answer(413, ["message": "the webhook body is over 25 MiB"])
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let webhook = WebhookRequest(host: host, headers: headers, body: Array(buffer: body))
        let response = await Task.detached { receiver.receive(webhook) }.value
        if response.status >= 400 || !response.builds.isEmpty {
            note("webhook \(name): \(response.status) \(response.message)")
        }
        return try answer(response.status, response)
    }

    /// Where the container runtime pulls this registry's images from: loopback when it listens on every address.
    static func pullAddress(host: String, port: Int) -> String {
        let reachable = ["0.0.0.0", "::", ""].contains(host) ? "127.0.0.1" : host
        return (reachable.contains(":") ? "[\(reachable)]" : reachable) + ":\(port)"
    }

    static func startDeploySide(_ settings: SlipwayConfig, home: SlipwayHome, registry: Registry, pullAddress: String,
                                logger: Logger) async throws -> (EnvironmentProxies, Deployer, any Service) {
        if let name = settings.environments.keys.sorted().first(where: { settings.environments[$0]!.runtime == .runc }) {
            throw CommandError("environment \(name): runtime runc is not available yet; use runtime: docker (the default)")
        }
        try home.createIfNeeded()
        chmod(home.path, 0o700)  // the control socket inside must be reachable by its owner only
        let proxies = try await EnvironmentProxies.start(settings.environments)
        let driver = try DockerDriver()
        if !(await driver.ping()) {
            note("warning: no Docker engine answers at \(driver.endpoint); deploys will fail until one does")
        }
        let assets = AssetPublisher(store: registry.store, root: home.path + "/assets")
        let deployer = Deployer(config: settings, database: registry.database, driver: driver, traffic: proxies, registry: pullAddress,
                                assets: assets)
        await deployer.setGate(ScanGate(config: settings, state: registry.database, store: registry.store,
                                        vulnerabilityDatabase: home.vulnerabilityDatabasePath()))
        if let pause = ProcessInfo.processInfo.environment["SLIPWAY_DEPLOY_PAUSE_AT"] {
            let parts = pause.split(separator: ":")
            guard parts.count == 2, let step = DeployStep(rawValue: String(parts[0])), let seconds = Double(parts[1]) else {
                throw CommandError("SLIPWAY_DEPLOY_PAUSE_AT must be STEP:SECONDS, STEP one of \(DeployStep.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            await deployer.setPause((step, seconds))
        }
        // Before anything listens: undo what a killed server left half-done, and route each proxy to its live servers.
        await deployer.reconcile { note($0.text) }
        let socket = home.path + "/control.sock"
        unlink(socket)  // left by a server that was killed
        let control = Application(
            responder: DeployControl<BasicRequestContext>(deployer: deployer),
            configuration: .init(address: .unixDomainSocket(path: socket), serverName: "slipway-control"),
            onServerRunning: { _ in chmod(socket, 0o600) },
            logger: logger)
        return (proxies, deployer, control)
    }

    /// The registry's auth from the configuration, with `--auth htpasswd:FILE` taking the file's place.
    static func registryAuth(_ configured: SlipwayConfig.Auth?, override: String?, home: SlipwayHome) throws -> RegistryAuth {
        var settings = configured
        if let override {
            let file = String(override.dropFirst("htpasswd:".count))
            if settings == nil { settings = SlipwayConfig.Auth(htpasswd: file) } else { settings!.htpasswd = file }
        }
        guard let settings else { return .anonymous }
        let htpasswd = try Htpasswd(path: settings.htpasswd)
        let rules = PermissionRules(rules: settings.permissions.map { permission in
            PermissionRules.Rule(users: permission.users, repositories: permission.repositories,
                                 actions: Set(permission.actions.compactMap { AccessRequest.Action(rawValue: $0.rawValue) }))
        })
        guard settings.token else { return RegistryAuth(mode: .basic(htpasswd), rules: rules) }
        try home.createIfNeeded()
        let key = try RegistryTokenSigner.loadOrCreateKey(at: home.path + "/token-signing-key.pem")
        return RegistryAuth(mode: .token(htpasswd, RegistryTokenSigner(service: "slipway", key: key),
                                         lifetime: settings.tokenLifetime), rules: rules)
    }
}
