import Testing

@testable import SlipwayConfig

/// The example from DESIGN.md, verbatim, plus the registry section.
let designExample = """
app: example                      # cluster names are <app>-<environment>-<a|b>
server:
  listen: 127.0.0.1:5000          # one HTTP listener: registry API (/v2/), webhooks (/hooks/…), /metrics
sources:                          # where pushes come from
  - name: example
    git: https://github.com/acme/example.git      # or git@host:…, or a local path
    branches: ["*"]
    token_file: /etc/slipway/git-token            # or deploy_key_file: …
    webhook_secret_file: /etc/slipway/webhook-secret
environments:
  staging:
    runtime: docker               # docker | runc
    replicas: 2
    port: 8080                    # what the application listens on inside its container
    listen: 127.0.0.1:8000        # where this environment's proxy takes traffic
    health: {path: /healthz, status: 200, interval: 1s, timeout: 5s, deadline: 60s}
    cleanup_delay: 30s
    env: {APP_MODE: production}
    env_files: [/etc/slipway/staging.env]
    volumes: ["/srv/media:/app/pub/media"]
    release_command: ["bin/migrate"]
    assets: {path: /app/pub/static, url: /static/}
    policy: {refuse: [critical]}
access:
  authorized_keys: /home/deploy/.ssh/authorized_keys
registry:
  immutable_tags:
    - repository: "example"
      tags: ["v*"]
  auth:
    htpasswd: /etc/slipway/htpasswd
    token: true
    token_lifetime: 10m
    permissions:
      - users: [ci-robot]
        repositories: ["example", "example/*"]
        actions: [pull, push]
"""

@Suite struct ConfigTests {
    @Test func parsesTheDesignExample() throws {
        let config = try SlipwayConfig.parse(designExample)
        #expect(config.app == "example")
        #expect(config.server.listen == "127.0.0.1:5000")
        #expect(config.sources == [SlipwayConfig.Source(
            name: "example", git: "https://github.com/acme/example.git", branches: ["*"],
            tokenFile: "/etc/slipway/git-token", webhookSecretFile: "/etc/slipway/webhook-secret")])
        let staging = try #require(config.environments["staging"])
        #expect(staging.runtime == .docker && staging.replicas == 2 && staging.port == 8080)
        #expect(staging.listen == "127.0.0.1:8000")
        #expect(staging.health == SlipwayConfig.Health(path: "/healthz", status: 200, interval: .seconds(1),
                                                       timeout: .seconds(5), deadline: .seconds(60)))
        #expect(staging.cleanupDelay == .seconds(30))
        #expect(staging.env == ["APP_MODE": "production"])
        #expect(staging.envFiles == ["/etc/slipway/staging.env"])
        #expect(staging.volumes == ["/srv/media:/app/pub/media"])
        #expect(staging.releaseCommand == ["bin/migrate"])
        #expect(staging.assets == SlipwayConfig.Assets(path: "/app/pub/static", url: "/static/"))
        #expect(staging.refuse == [.critical])
        #expect(config.access.authorizedKeys == "/home/deploy/.ssh/authorized_keys")
        #expect(config.registry.immutableTags == [.init(repository: "example", tags: ["v*"])])
        let auth = try #require(config.registry.auth)
        #expect(auth.htpasswd == "/etc/slipway/htpasswd" && auth.token && auth.tokenLifetime == .seconds(600))
        #expect(auth.permissions == [.init(users: ["ci-robot"], repositories: ["example", "example/*"], actions: [.pull, .push])])
    }

    @Test func limitsStopTimeoutAndTLS() throws {
        let config = try SlipwayConfig.parse("""
            environments:
              staging:
                listen: 127.0.0.1:8000
                limits: {memory: 512m, cpus: 1.5}
                stop_timeout: 20s
                tls: {certificate: /etc/slipway/site.pem, key: /etc/slipway/site.key}
            """)
        let staging = try #require(config.environments["staging"])
        #expect(staging.memoryLimit == 512 << 20 && staging.cpuLimit == 1.5 && staging.stopTimeout == .seconds(20))
        #expect(staging.tls == SlipwayConfig.TLS(certificate: "/etc/slipway/site.pem", key: "/etc/slipway/site.key"))
        #expect(try SlipwayConfig.parse("environments:\n  s:\n    listen: 1.2.3.4:5\n    limits: {memory: 1g}\n")
                    .environments["s"]?.memoryLimit == 1 << 30)
    }

    @Test func buildsAndSourceOptions() throws {
        let config = try SlipwayConfig.parse("""
            sources:
              - {name: site, git: "git@example.com:acme/site.git", deploy_key_file: /k, build_tags: true, branches: [main]}
            builds: {workers: 2, cancel_superseded: false, network: none}
            """)
        #expect(config.sources == [SlipwayConfig.Source(name: "site", git: "git@example.com:acme/site.git", branches: ["main"],
                                                        deployKeyFile: "/k", buildTags: true)])
        #expect(config.builds == SlipwayConfig.Builds(workers: 2, cancelSuperseded: false, network: SlipwayConfig.Builds.Network.none))
        #expect(try SlipwayConfig.parse("app: x\n").builds == SlipwayConfig.Builds())
    }

    @Test func emptyFileAndMissingFileGiveDefaults() throws {
        #expect(try SlipwayConfig.parse("") == SlipwayConfig())
        #expect(try SlipwayConfig.load(path: "/nonexistent/slipway.yml").server.listen == "127.0.0.1:5000")
    }

    /// Each mistake names the line and the key.
    @Test(arguments: [
        ("app: example\nservre:\n  listen: 1.2.3.4:5\n", 2, "servre", "unknown key"),
        ("server:\n  listen: localhost\n", 2, "server.listen", "HOST:PORT"),
        ("environments:\n  staging:\n    listen: 127.0.0.1:8000\n    replicas: many\n", 4, "environments.staging.replicas", "whole number"),
        ("environments:\n  staging:\n    listen: 127.0.0.1:8000\n    health: {interval: soon}\n", 4,
         "environments.staging.health.interval", "not a duration"),
        ("environments:\n  staging:\n    replicas: 2\n", 3, "environments.staging.listen", "is required"),
        ("environments:\n  staging:\n    listen: 127.0.0.1:8000\n    runtime: podman\n", 4, "environments.staging.runtime",
         "docker, runc"),
        ("environments:\n  staging:\n    listen: 127.0.0.1:8000\n    policy: {refuse: [catastrophic]}\n", 4,
         "environments.staging.policy.refuse[0]", "critical"),
        ("sources:\n  - name: a\n", 2, "sources[0].git", "is required"),
        ("registry:\n  auth:\n    token: true\n", 3, "registry.auth.htpasswd", "is required"),
        ("registry:\n  auth:\n    htpasswd: /x\n    permissions:\n      - users: [a]\n        repositories: [b]\n        actions: [fly]\n",
         7, "registry.auth.permissions[0].actions[0]", "pull, push, delete"),
        ("environments:\n  staging:\n    listen: 127.0.0.1:8000\n    limits: {memory: lots}\n", 4,
         "environments.staging.limits.memory", "512m"),
        ("environments:\n  staging:\n    listen: 127.0.0.1:8000\n    limits: {cpus: -1}\n", 4,
         "environments.staging.limits.cpus", "greater than 0"),
        ("environments:\n  staging:\n    listen: 127.0.0.1:8000\n    tls: {certificate: /c.pem}\n", 4,
         "environments.staging.tls", "certificate and key"),
        ("app: [1, 2]\n", 1, "app", "expected a string"),
        ("builds:\n  workers: 0\n", 2, "builds.workers", "1"),
        ("builds:\n  network: bridge\n", 2, "builds.network", "host, none"),
        ("builds:\n  cancel_superseded: maybe\n", 2, "builds.cancel_superseded", "true or false"),
        ("sources:\n  - name: a\n    git: /x\n  - name: a\n    git: /y\n", 2, "sources[1].name", "names two sources"),
        ("sources:\n  - name: ../a\n    git: /x\n", 2, "sources[0].name", "letters, digits"),
        ("sources:\n  - name: a\n    git: /x\n    build_tags: often\n", 4, "sources[0].build_tags", "true or false"),
        ("server: {listen: 127.0.0.1:5000\n", 2, "", "not valid YAML"),
    ] as [(String, Int, String, String)])
    func errorsNameLineAndKey(yaml: String, line: Int, key: String, reason: String) {
        do {
            _ = try SlipwayConfig.parse(yaml, file: "/etc/slipway/slipway.yml")
            Issue.record("accepted: \(yaml)")
        } catch let error as ConfigError {
            #expect(error.line == line, "\(error)")
            #expect(error.key == key, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.description.hasPrefix("/etc/slipway/slipway.yml:\(line): "))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
