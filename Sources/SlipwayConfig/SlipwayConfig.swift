import Foundation
import Yams

/// `slipway.yml`: the one configuration file (path by `--config`, else `$SLIPWAY_HOME/slipway.yml`).
/// Unknown keys and bad values are errors naming the key and the line. A missing file means the defaults.
public struct SlipwayConfig: Sendable, Equatable {
    /// Cluster names are `<app>-<environment>-<a|b>`.
    public var app = "app"
    public var server = Server()
    public var registry = Registry()
    public var sources: [Source] = []
    public var environments: [String: Environment] = [:]
    public var access = Access()
    public var client = Client()
    public var scan = ScanSettings()
    public var builds = Builds()

    public init() {}

    /// The build queue of `slipway serve` (`builds:`).
    public struct Builds: Sendable, Equatable {
        /// Builds run at the same time.
        public var workers = 1
        /// A newer push to a branch cancels that branch's builds still queued.
        public var cancelSuperseded = true
        /// The network of RUN steps: `host` (as `docker build` gives steps the network) or `none`.
        public var network: Network = .host

        public enum Network: String, Sendable, CaseIterable { case host, none }
    }

    /// How Slipway reaches other registries (pulls of base images, `slipway image copy`).
    public struct Client: Sendable, Equatable {
        /// Mirrors per registry, tried before it for pulls: `docker.io: ["127.0.0.1:5001"]`.
        public var mirrors: [String: [String]] = [:]
        /// Registries reached over plain HTTP besides loopback ones.
        public var insecure: [String] = []
        public var parallelLayers = 4
        /// Push blobs in chunks of this many bytes (resumable) instead of one request each.
        public var chunkSize: Int?
        /// Extra certificate authorities (PEM) to trust for TLS registries.
        public var caFile: String?
    }

    public struct Server: Sendable, Equatable {
        /// One HTTP listener: registry API, webhooks, metrics.
        public var listen = "127.0.0.1:5000"
    }

    public struct Registry: Sendable, Equatable {
        /// Tags that, once set, may not be moved to another manifest (as ECR's tag immutability).
        public var immutableTags: [ImmutableTags] = []
        public var auth: Auth?
    }

    /// Repositories (globs) whose tags (globs, default all) cannot be overwritten.
    public struct ImmutableTags: Sendable, Equatable {
        public var repository: String
        public var tags: [String] = ["*"]
    }

    public struct Auth: Sendable, Equatable {
        /// An htpasswd file of bcrypt entries (`htpasswd -B`).
        public var htpasswd: String
        /// Issue Docker registry tokens (the Bearer flow) instead of checking Basic credentials on each request.
        public var token: Bool = false
        public var tokenLifetime: Duration = .seconds(300)
        /// Who may do what. A user no rule names may do nothing; `anonymous` names unauthenticated requests.
        public var permissions: [Permission] = []

        public init(htpasswd: String, token: Bool = false, permissions: [Permission] = []) {
            self.htpasswd = htpasswd
            self.token = token
            self.permissions = permissions
        }
    }

    public struct Permission: Sendable, Equatable {
        public enum Action: String, Sendable, CaseIterable { case pull, push, delete }
        public var users: [String]
        public var repositories: [String]
        public var actions: [Action]
    }

    public struct Source: Sendable, Equatable {
        public var name: String
        public var git: String
        public var branches: [String] = ["*"]
        public var tokenFile: String?
        public var deployKeyFile: String?
        public var webhookSecretFile: String?
        /// Tag pushes build images too (by default they are acknowledged and ignored).
        public var buildTags = false

        public init(name: String, git: String, branches: [String] = ["*"], tokenFile: String? = nil, deployKeyFile: String? = nil,
                    webhookSecretFile: String? = nil, buildTags: Bool = false) {
            self.name = name
            self.git = git
            self.branches = branches
            self.tokenFile = tokenFile
            self.deployKeyFile = deployKeyFile
            self.webhookSecretFile = webhookSecretFile
            self.buildTags = buildTags
        }
    }

    public struct Environment: Sendable, Equatable {
        public enum Runtime: String, Sendable, CaseIterable { case docker, runc }
        public enum Severity: String, Sendable, CaseIterable { case critical, high, medium, low }

        public var runtime: Runtime = .docker
        public var replicas = 1
        public var port = 8080
        public var listen: String
        public var health = Health()
        public var cleanupDelay: Duration = .seconds(30)
        public var env: [String: String] = [:]
        public var envFiles: [String] = []
        public var volumes: [String] = []
        public var releaseCommand: [String] = []
        public var assets: Assets?
        /// Severities that refuse an image at deploy time (`policy.refuse`), and those that refuse it only when a
        /// fixed version exists (`policy.refuse_fixable`).
        public var refuse: [Severity] = []
        public var refuseFixable: [Severity] = []
        /// Memory limit of each server, in bytes (`limits.memory`).
        public var memoryLimit: Int64?
        /// CPU limit of each server, in CPUs (`limits.cpus`).
        public var cpuLimit: Double?
        /// How long a server gets to stop after SIGTERM before it is killed.
        public var stopTimeout: Duration = .seconds(10)
        /// HTTPS on the proxy: PEM certificate chain and key.
        public var tls: TLS?

        public init(listen: String) { self.listen = listen }
    }

    public struct Health: Sendable, Equatable {
        public var path = "/"
        public var status = 200
        public var interval: Duration = .seconds(1)
        public var timeout: Duration = .seconds(5)
        public var deadline: Duration = .seconds(60)

        public init(path: String = "/", status: Int = 200, interval: Duration = .seconds(1), timeout: Duration = .seconds(5),
                    deadline: Duration = .seconds(60)) {
            self.path = path
            self.status = status
            self.interval = interval
            self.timeout = timeout
            self.deadline = deadline
        }
    }

    public struct TLS: Sendable, Equatable {
        public var certificate: String
        public var key: String
    }

    public struct Assets: Sendable, Equatable {
        public var path: String
        public var url: String
    }

    public struct Access: Sendable, Equatable {
        public var authorizedKeys: String?
    }
}

extension SlipwayConfig {
    /// Loads `path`; a file that does not exist gives the defaults.
    public static func load(path: String) throws -> SlipwayConfig {
        guard FileManager.default.fileExists(atPath: path) else { return SlipwayConfig() }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: nil, key: "", reason: "cannot read it (\(error.localizedDescription))")
        }
        return try parse(text, file: path)
    }

    /// Parses the text of a configuration file; `file` names it in errors.
    public static func parse(_ text: String, file: String = "slipway.yml") throws -> SlipwayConfig {
        let reader = YAMLReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), key: "", reason: "not valid YAML: \(error)")
        }
        var config = SlipwayConfig()
        guard let root else { return config }
        let top: Set = ["app", "server", "registry", "sources", "environments", "access", "client", "scan", "builds"]
        for (key, node) in try reader.mapping(root, "", allowed: top) {
            switch key {
            case "app":
                config.app = try reader.nonEmptyString(node, key)
                guard config.app.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                    throw reader.error(node, key, "'\(config.app)' may hold only letters, digits and '-' (it names clusters)")
                }
            case "server":
                for (name, value) in try reader.mapping(node, key, allowed: ["listen"]) where name == "listen" {
                    config.server.listen = try reader.address(value, "server.listen")
                }
            case "registry": config.registry = try parseRegistry(node, reader)
            case "scan":
                for (name, value) in try reader.mapping(node, key, allowed: ["ignore"]) where name == "ignore" {
                    config.scan.ignore = try IgnoreRule.parseRules(value, "scan.ignore", reader)
                }
            case "client":
                for (name, value) in try reader.mapping(node, key, allowed: ["mirrors", "insecure", "parallel_layers", "chunk_size", "ca_file"]) {
                    let path = "client.\(name)"
                    switch name {
                    case "mirrors":
                        for (registry, list) in try reader.mapping(value, path) {
                            config.client.mirrors[registry] = try reader.strings(list, "\(path).\(registry)")
                        }
                    case "insecure": config.client.insecure = try reader.strings(value, path)
                    case "parallel_layers": config.client.parallelLayers = try reader.int(value, path, range: 1...64)
                    case "ca_file": config.client.caFile = try reader.nonEmptyString(value, path)
                    default: config.client.chunkSize = try reader.int(value, path, range: 1024...(1 << 30))
                    }
                }
            case "sources":
                config.sources = try reader.sequence(node, key).map { try parseSource($1, $0, reader) }
                var seen: Set<String> = []
                for (index, source) in config.sources.enumerated() where !seen.insert(source.name).inserted {
                    throw reader.error(node, "sources[\(index)].name", "'\(source.name)' names two sources")
                }
            case "builds":
                for (name, value) in try reader.mapping(node, key, allowed: ["workers", "cancel_superseded", "network"]) {
                    if name == "workers" {
                        config.builds.workers = try reader.int(value, "builds.workers", range: 1...64)
                    } else if name == "network" {
                        config.builds.network = try reader.choice(value, "builds.network", Builds.Network.self)
                    } else {
                        guard let flag = value.bool else { throw reader.error(value, "builds.cancel_superseded", "expected true or false") }
                        config.builds.cancelSuperseded = flag
                    }
                }
            case "environments":
                for (name, value) in try reader.mapping(node, key) {
                    guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), !name.isEmpty else {
                        throw reader.error(value, "environments.\(name)", "an environment name may hold only letters, digits and '-'")
                    }
                    config.environments[name] = try parseEnvironment(value, "environments.\(name)", reader)
                }
            default:
                for (name, value) in try reader.mapping(node, key, allowed: ["authorized_keys"]) where name == "authorized_keys" {
                    config.access.authorizedKeys = try reader.nonEmptyString(value, "access.authorized_keys")
                }
            }
        }
        return config
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func parseRegistry(_ node: Node, _ reader: YAMLReader) throws -> Registry {
        var registry = Registry()
        for (key, value) in try reader.mapping(node, "registry", allowed: ["immutable_tags", "auth"]) {
            if key == "immutable_tags" {
                registry.immutableTags = try reader.sequence(value, "registry.immutable_tags").map { path, item in
                    var rule = ImmutableTags(repository: "")
                    var sawRepository = false
                    for (name, field) in try reader.mapping(item, path, allowed: ["repository", "tags"]) {
                        if name == "repository" {
                            rule.repository = try reader.nonEmptyString(field, "\(path).repository")
                            sawRepository = true
                        } else {
                            rule.tags = try reader.strings(field, "\(path).tags")
                        }
                    }
                    guard sawRepository else { throw reader.error(item, "\(path).repository", "is required") }
                    return rule
                }
            } else {
                registry.auth = try parseAuth(value, reader)
            }
        }
        return registry
    }

    private static func parseAuth(_ node: Node, _ reader: YAMLReader) throws -> Auth {
        var htpasswd: String?
        var auth = Auth(htpasswd: "")
        for (key, value) in try reader.mapping(node, "registry.auth", allowed: ["htpasswd", "token", "token_lifetime", "permissions"]) {
            let path = "registry.auth.\(key)"
            switch key {
            case "htpasswd": htpasswd = try reader.nonEmptyString(value, path)
            case "token":
                guard let flag = value.bool else { throw reader.error(value, path, "expected true or false") }
                auth.token = flag
            case "token_lifetime": auth.tokenLifetime = try reader.duration(value, path)
            default:
                auth.permissions = try reader.sequence(value, path).map { itemPath, item in
                    var permission = Permission(users: [], repositories: [], actions: [])
                    for (name, field) in try reader.mapping(item, itemPath, allowed: ["users", "repositories", "actions"]) {
                        switch name {
                        case "users": permission.users = try reader.strings(field, "\(itemPath).users")
                        case "repositories": permission.repositories = try reader.strings(field, "\(itemPath).repositories")
                        default:
                            permission.actions = try reader.sequence(field, "\(itemPath).actions").map {
                                try reader.choice($1, $0, Permission.Action.self)
                            }
                        }
                    }
                    for (name, list) in [("users", permission.users), ("repositories", permission.repositories)] where list.isEmpty {
                        throw reader.error(item, "\(itemPath).\(name)", "must name at least one")
                    }
                    return permission
                }
            }
        }
        guard let htpasswd else { throw reader.error(node, "registry.auth.htpasswd", "is required when auth is configured") }
        auth.htpasswd = htpasswd
        return auth
    }

    private static func parseSource(_ node: Node, _ path: String, _ reader: YAMLReader) throws -> Source {
        var name: String?, git: String?
        var source = Source(name: "", git: "")
        let allowed: Set = ["name", "git", "branches", "token_file", "deploy_key_file", "webhook_secret_file", "build_tags"]
        for (key, value) in try reader.mapping(node, path, allowed: allowed) {
            let keyPath = "\(path).\(key)"
            switch key {
            case "name": name = try reader.nonEmptyString(value, keyPath)
            case "git": git = try reader.nonEmptyString(value, keyPath)
            case "branches": source.branches = try reader.strings(value, keyPath)
            case "token_file": source.tokenFile = try reader.nonEmptyString(value, keyPath)
            case "deploy_key_file": source.deployKeyFile = try reader.nonEmptyString(value, keyPath)
            case "build_tags":
                guard let flag = value.bool else { throw reader.error(value, keyPath, "expected true or false") }
                source.buildTags = flag
            default: source.webhookSecretFile = try reader.nonEmptyString(value, keyPath)
            }
        }
        guard let name else { throw reader.error(node, "\(path).name", "is required") }
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !name.hasPrefix(".") else {
            throw reader.error(node, "\(path).name", "'\(name)' may hold only letters, digits, '-', '_' and '.' (it names a mirror directory)")
        }
        guard let git else { throw reader.error(node, "\(path).git", "is required") }
        if source.tokenFile != nil, source.deployKeyFile != nil {
            throw reader.error(node, path, "give token_file or deploy_key_file, not both")
        }
        source.name = name
        source.git = git
        return source
    }

    private static func parseEnvironment(_ node: Node, _ path: String, _ reader: YAMLReader) throws -> Environment {
        var environment = Environment(listen: "")
        var listen: String?
        let allowed: Set = ["runtime", "replicas", "port", "listen", "health", "cleanup_delay", "env", "env_files",
                            "volumes", "release_command", "assets", "policy", "limits", "stop_timeout", "tls"]
        for (key, value) in try reader.mapping(node, path, allowed: allowed) {
            let keyPath = "\(path).\(key)"
            switch key {
            case "runtime": environment.runtime = try reader.choice(value, keyPath, Environment.Runtime.self)
            case "replicas": environment.replicas = try reader.int(value, keyPath, range: 1...100)
            case "port": environment.port = try reader.int(value, keyPath, range: 1...65535)
            case "listen": listen = try reader.address(value, keyPath)
            case "health":
                let fields: Set = ["path", "status", "interval", "timeout", "deadline"]
                for (name, field) in try reader.mapping(value, keyPath, allowed: fields) {
                    let fieldPath = "\(keyPath).\(name)"
                    switch name {
                    case "path":
                        environment.health.path = try reader.nonEmptyString(field, fieldPath)
                        guard environment.health.path.hasPrefix("/") else { throw reader.error(field, fieldPath, "must start with /") }
                    case "status": environment.health.status = try reader.int(field, fieldPath, range: 100...599)
                    case "interval": environment.health.interval = try reader.duration(field, fieldPath)
                    case "timeout": environment.health.timeout = try reader.duration(field, fieldPath)
                    default: environment.health.deadline = try reader.duration(field, fieldPath)
                    }
                }
            case "cleanup_delay": environment.cleanupDelay = try reader.duration(value, keyPath)
            case "env": environment.env = try reader.stringMap(value, keyPath)
            case "env_files": environment.envFiles = try reader.strings(value, keyPath)
            case "volumes":
                environment.volumes = try reader.strings(value, keyPath)
                for (index, volume) in environment.volumes.enumerated() where volume.split(separator: ":").count < 2 {
                    throw reader.error(value, "\(keyPath)[\(index)]", "'\(volume)' is not HOST_PATH:CONTAINER_PATH")
                }
            case "release_command": environment.releaseCommand = try reader.strings(value, keyPath)
            case "limits":
                for (name, field) in try reader.mapping(value, keyPath, allowed: ["memory", "cpus"]) {
                    if name == "memory" { environment.memoryLimit = try reader.byteSize(field, "\(keyPath).memory") }
                    else { environment.cpuLimit = try reader.positiveNumber(field, "\(keyPath).cpus") }
                }
            case "stop_timeout": environment.stopTimeout = try reader.duration(value, keyPath)
            case "tls":
                var certificate: String?, key: String?
                for (name, field) in try reader.mapping(value, keyPath, allowed: ["certificate", "key"]) {
                    if name == "certificate" { certificate = try reader.nonEmptyString(field, "\(keyPath).certificate") }
                    else { key = try reader.nonEmptyString(field, "\(keyPath).key") }
                }
                guard let certificate, let key else { throw reader.error(value, keyPath, "needs both certificate and key (PEM files)") }
                environment.tls = TLS(certificate: certificate, key: key)
            case "assets":
                var assetPath: String?, url: String?
                for (name, field) in try reader.mapping(value, keyPath, allowed: ["path", "url"]) {
                    if name == "path" { assetPath = try reader.nonEmptyString(field, "\(keyPath).path") }
                    else { url = try reader.nonEmptyString(field, "\(keyPath).url") }
                }
                guard let assetPath, let url else { throw reader.error(value, keyPath, "needs both path and url") }
                environment.assets = Assets(path: assetPath, url: url)
            default:
                for (name, field) in try reader.mapping(value, keyPath, allowed: ["refuse", "refuse_fixable"]) {
                    let levels = try reader.sequence(field, "\(keyPath).\(name)").map {
                        try reader.choice($1, $0, Environment.Severity.self)
                    }
                    if name == "refuse" { environment.refuse = levels } else { environment.refuseFixable = levels }
                }
            }
        }
        guard let listen else { throw reader.error(node, "\(path).listen", "is required (where this environment's proxy takes traffic)") }
        environment.listen = listen
        return environment
    }
}
