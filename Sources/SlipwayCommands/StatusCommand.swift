import ArgumentParser
import AsyncHTTPClient
import Foundation
import SlipwayConfig
import SlipwayDeploy
import SlipwayStore

/// `slipway status [ENV]`
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what an environment serves: live cluster, image, servers and their health, a deploy in progress.")

    @Argument(help: "The environment (all of them when none is named or implied).") var environment: String?
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup var options: DeployOptions

    struct Server: Codable {
        var name: String
        var address: String
        var health: String
    }

    struct Status: Codable {
        var environment: String
        var cluster: String?
        var digest: String?
        var revision: String?
        var servers: [Server]
        var draining: String?
        var cleanupAt: Date?
        var deploying: String?
        var lastDeploy: DeploymentRecord?
    }

    func run() async throws {
        let config = try options.loadConfig()
        let names: [String]
        if environment != nil || config.environments.count == 1 || ProcessInfo.processInfo.environment["SLIPWAY_KEY_ENV"] != nil
            || ProcessInfo.processInfo.environment["SLIPWAY_ENV"] != nil {
            names = [try options.environment(environment, in: config)]
        } else {
            names = config.environments.keys.sorted()
        }
        let database = try options.database()
        var statuses: [Status] = []
        for name in names {
            let state = try database.environmentState(name)
            let last = try database.deployments(environment: name, limit: 1).first
            var servers: [Server] = []
            for server in state.liveServers {
                servers.append(Server(name: server.name, address: "\(server.host):\(server.port)",
                                      health: await probe(server, health: config.environments[name]?.health ?? .init())))
            }
            let revision = try state.liveDigest.flatMap { try database.manifest(try .init(parsing: $0), in: config.app)?.revision }
            statuses.append(Status(
                environment: name,
                cluster: state.liveColour.map { DeployPlan.clusterName(app: config.app, environment: name, colour: $0) },
                digest: state.liveDigest, revision: revision, servers: servers,
                draining: state.oldColour.map { DeployPlan.clusterName(app: config.app, environment: name, colour: $0) },
                cleanupAt: state.cleanupAt,
                deploying: last.flatMap { $0.finishedAt == nil ? "#\($0.id ?? 0) \($0.kind) of \($0.digest) by \($0.actor): \($0.step)" : nil },
                lastDeploy: last))
        }
        if json { return try printJSON(statuses) }
        for status in statuses {
            print("\(status.environment): " + (status.cluster.map { "\($0) is live" } ?? "nothing deployed yet"))
            if let digest = status.digest {
                print("  image   \(digest) (commit \(status.revision.map { String($0.prefix(7)) } ?? "-"))")
            }
            for server in status.servers { print("  server  \(server.name)  \(server.address)  \(server.health)") }
            if let draining = status.draining {
                print("  old     \(draining) drains until \(status.cleanupAt.map { localTimestamp($0) } ?? "?"), then is deleted (rollback switches back to it)")
            }
            if let deploying = status.deploying { print("  running \(deploying)") }
            if let last = status.lastDeploy, last.finishedAt != nil {
                print("  last    #\(last.id ?? 0) \(last.kind) \(last.outcome ?? "?") at \(localTimestamp(last.finishedAt!)) by \(last.actor)")
            }
        }
    }

    /// One health check, now.
    func probe(_ server: DeployedServer, health: SlipwayConfig.Health) async -> String {
        var request = HTTPClientRequest(url: "http://\(server.host):\(server.port)\(health.path)")
        request.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return Int(response.status.code) == health.status ? "healthy" : "unhealthy (HTTP \(response.status.code))"
        } catch {
            return "unreachable"
        }
    }
}

/// `slipway history [ENV]`
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Show an environment's deploys, rollbacks and tag moves, oldest first.")

    @Argument(help: "The environment (implied when the key, SLIPWAY_ENV or the config names just one).") var environment: String?
    @Option(help: "Show only the newest N entries.") var limit: Int?
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup var options: DeployOptions

    struct Entry: Codable {
        var at: Date
        var what: String
        var actor: String
        var digest: String
        var revision: String?
        var outcome: String?
        var detail: String?
        /// Who deployed past the vulnerability policy, and why.
        var policyOverride: String?
    }

    func run() throws {
        let config = try options.loadConfig()
        let environment = try options.environment(environment, in: config)
        let database = try options.database()
        var entries = try database.tagEvents(in: config.app, tag: environment).map {
            Entry(at: $0.at, what: "tag", actor: $0.actor, digest: $0.toDigest, revision: $0.revision, outcome: nil,
                  detail: $0.fromDigest.map { "from \($0)" })
        }
        entries += try database.deployments(environment: environment).map {
            Entry(at: $0.startedAt, what: $0.kind, actor: $0.actor, digest: $0.digest, revision: $0.revision,
                  outcome: $0.outcome ?? "running (\($0.step))", detail: $0.message, policyOverride: $0.policyOverride)
        }
        entries.sort { $0.at < $1.at }
        if let limit { entries = Array(entries.suffix(limit)) }
        if json { return try printJSON(entries) }
        guard !entries.isEmpty else { return note("Nothing has happened in \(environment) yet.") }
        print(table(["TIME", "WHAT", "COMMIT", "DIGEST", "BY", "OUTCOME"], entries.map {
            [localTimestamp($0.at), $0.what, $0.revision.map { String($0.prefix(7)) } ?? "-", String($0.digest.prefix(19)), $0.actor,
             ($0.outcome ?? "-") + ($0.policyOverride.map { " (policy overridden: \($0))" } ?? "")]
        }))
    }
}
