import Foundation
import SlipwayConfig
import SlipwayOCI
import SlipwayStore

/// Where an environment's traffic goes: the front proxy, seen from the deployer.
public protocol TrafficControl: Sendable {
    /// Sends every request that starts from now on to these servers.
    func route(_ environment: String, colour: String, servers: [DeployedServer]) async throws
    /// Requests still being served by a colour of the environment.
    func inFlight(_ environment: String, colour: String) async -> Int
    /// Serves the environment's assets URL from these directories, the first that has a file winning.
    func serveAssets(_ environment: String, from directories: [String]) async
}

/// A line of a deploy's progress, as the operator reads it.
public struct DeployEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case progress, succeeded, failed }
    public var kind: Kind
    public var text: String
    /// False when the next event continues this line ("Waiting for servers to verify..." then "complete").
    public var newline: Bool

    public init(_ kind: Kind, _ text: String, newline: Bool = true) {
        self.kind = kind
        self.text = text
        self.newline = newline
    }

    public init(_ text: String, newline: Bool = true) { self.init(.progress, text, newline: newline) }
}

public typealias DeployEvents = @Sendable (DeployEvent) -> Void

public struct DeployError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs blue/green deploys, rollbacks and the recovery of both after a crash. One per `slipway serve`.
///
/// Every step is written to the database before it acts (the deployment's `step`, the environment's state), so a
/// server killed at any point recovers with `reconcile()`: before the switch the old cluster still serves and
/// the half-started one is removed; after it the new one serves and the old one is deleted.
public actor Deployer {
    public let config: SlipwayConfig
    let database: StateDatabase
    let driver: any RuntimeDriver
    let traffic: any TrafficControl
    /// `HOST:PORT` of the registry the runtime pulls from.
    var registry: String
    let holder: String
    /// A lock whose holder has not said it is alive for this long is taken over.
    public var lockStaleAfter: TimeInterval = 30
    /// For tests and debugging of recovery (`SLIPWAY_DEPLOY_PAUSE_AT=STEP:SECONDS`): wait this long once the step is
    /// recorded, before acting on it, so a test can kill the server at exactly that point.
    public var pauseAt: (step: DeployStep, seconds: Double)?
    /// Cleanups waiting out their delay, per environment; a rollback or the next deploy cuts them short.
    private var cleanups: [String: PendingCleanup] = [:]

    struct PendingCleanup {
        let task: Task<Void, Never>
        let skip: @Sendable () -> Void
    }

    let assets: AssetPublisher?
    var gate: (any ImageGate)?

    public init(config: SlipwayConfig, database: StateDatabase, driver: any RuntimeDriver, traffic: any TrafficControl,
                registry: String, assets: AssetPublisher? = nil) {
        self.assets = assets
        self.config = config
        self.database = database
        self.driver = driver
        self.traffic = traffic
        self.registry = registry
        holder = "slipway serve (pid \(getpid()))"
    }

    /// Sets where the runtime pulls from, once the registry knows the port it bound.
    public func setRegistry(_ address: String) { registry = address }

    public func setPause(_ pause: (step: DeployStep, seconds: Double)?) { pauseAt = pause }

    private func pause(_ step: DeployStep, _ events: DeployEvents) async {
        guard let pauseAt, pauseAt.step == step else { return }
        events(DeployEvent("Pausing \(pauseAt.seconds) s at step \(step.rawValue) (SLIPWAY_DEPLOY_PAUSE_AT)"))
        try? await Task.sleep(for: .seconds(pauseAt.seconds))
    }

    func settings(_ environment: String) throws -> SlipwayConfig.Environment {
        guard let settings = config.environments[environment] else {
            throw DeployError("unknown environment '\(environment)'; configured: \(config.environments.keys.sorted().joined(separator: ", "))")
        }
        return settings
    }

    func cluster(_ environment: String, _ colour: String) -> String {
        DeployPlan.clusterName(app: config.app, environment: environment, colour: colour)
    }

    // MARK: Deploy

    /// Deploys the image the environment's tag names: `run-deploy-and-cleanup`.
    @discardableResult
    /// `overridePolicy` is the operator's reason for deploying an image the environment's vulnerability policy refuses;
    /// it is recorded with the deployment.
    public func deploy(_ environment: String, actor: String, overridePolicy: String? = nil,
                       events: @escaping DeployEvents) async throws -> DeploymentRecord {
        guard let digest = try database.digest(forTag: environment, in: config.app) else {
            throw DeployError("no image is tagged \(environment); run `tag-by-commit COMMIT \(environment)` or `tag-by-branch BRANCH \(environment)` first")
        }
        return try await deploy(environment, digest: digest, kind: "deploy", actor: actor, overridePolicy: overridePolicy,
                                events: events)
    }

    public func setGate(_ gate: (any ImageGate)?) { self.gate = gate }

    /// Applies the vulnerability policy: a refused image stops a deploy unless overridden; a rollback only warns
    /// (it restores an image that was live before, and speed matters more then).
    func checkPolicy(_ environment: String, digest: Digest, kind: String, actor: String, overridePolicy: String?,
                     events: DeployEvents) async throws -> String? {
        guard let gate, let verdict = try await gate.verdict(for: digest, environment: environment) else { return nil }
        if verdict.allowed {
            events(DeployEvent("Vulnerability policy: \(verdict.summary)"))
            return nil
        }
        let details = verdict.violations.prefix(20).map { "  " + $0 }
            + (verdict.violations.count > 20 ? ["  … \(verdict.violations.count - 20) more (slipway scan shows all)"] : [])
        if kind == "rollback" {
            events(DeployEvent("Warning: the vulnerability policy would refuse this image (\(verdict.summary)); rolling back anyway"))
            return nil
        }
        guard let overridePolicy else {
            throw DeployError("the vulnerability policy refuses image \(digest.short): \(verdict.summary)\n"
                              + details.joined(separator: "\n")
                              + "\nFix and push a new image, add an ignore rule with a reason and an expiry, or deploy anyway "
                              + "with --override-policy REASON (recorded with the deployment).")
        }
        events(DeployEvent("Vulnerability policy refuses this image (\(verdict.summary)); overridden by \(actor): \(overridePolicy)"))
        return "\(actor): \(overridePolicy)"
    }

    func deploy(_ environment: String, digest: Digest, kind: String, actor: String, overridePolicy: String? = nil,
                events: @escaping DeployEvents) async throws -> DeploymentRecord {
        let settings = try settings(environment)
        try takeLock(environment, actor: actor)
        let heartbeat = Task { [database, holder] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                try? database.heartbeatDeployLock(environment, holder: holder)
            }
        }
        defer {
            heartbeat.cancel()
            try? database.releaseDeployLock(environment, holder: holder)
        }
        try await finishPendingCleanup(environment, events: events)

        var state = try database.environmentState(environment)
        let manifest = try database.manifest(digest, in: config.app)
        if state.liveDigest == digest.description {
            let line = "Image \(digest.short) (commit \(manifest?.revision.map { String($0.prefix(7)) } ?? "-")) is already live on "
                + "\(cluster(environment, state.liveColour ?? "?")); nothing to do"
            events(DeployEvent(.succeeded, line))
            var record = try database.insertDeployment(DeploymentRecord(
                environment: environment, kind: kind, digest: digest.description, revision: manifest?.revision,
                colour: state.liveColour ?? "a", previousDigest: state.liveDigest, previousColour: state.liveColour,
                step: DeployStep.finished.rawValue, actor: actor))
            try finish(&record, outcome: "unchanged")
            return record
        }
        let override = try await checkPolicy(environment, digest: digest, kind: kind, actor: actor,
                                             overridePolicy: overridePolicy, events: events)

        let colour = DeployPlan.nextColour(after: state.liveColour)
        var record = try database.insertDeployment(DeploymentRecord(
            environment: environment, kind: kind, digest: digest.description, revision: manifest?.revision, colour: colour,
            previousDigest: state.liveDigest, previousColour: state.liveColour, step: DeployStep.pulling.rawValue, actor: actor,
            policyOverride: override))
        let image = "\(registry)/\(config.app)@\(digest)"
        var started: [DeployedServer] = []
        do {
            await pause(.pulling, events)
            events(DeployEvent("Pulling \(image)"))
            try await driver.pull(image) { _ in }
            try await removeCluster(environment, colour: colour)  // leftovers of an earlier failed attempt

            if !settings.releaseCommand.isEmpty {
                try step(&record, .releasing)
                await pause(.releasing, events)
                events(DeployEvent("Running release command: \(settings.releaseCommand.joined(separator: " "))"))
                var spec = try serverSpec(environment, settings, colour: colour, digest: digest, index: 0)
                spec.name = cluster(environment, colour) + "-release-\(record.id ?? 0)"
                spec.port = nil
                spec.command = settings.releaseCommand
                let (status, output) = try await driver.runToCompletion(spec, timeout: settings.health.deadline * 10)
                guard status == 0 else {
                    throw DeployError("the release command \(settings.releaseCommand.joined(separator: " ")) failed with exit status \(status):\n"
                                      + Self.indent(output))
                }
            }

            try step(&record, .starting)
            await pause(.starting, events)
            events(DeployEvent("Starting \(settings.replicas) server\(settings.replicas == 1 ? "" : "s") of \(cluster(environment, colour))"))
            for index in 1...settings.replicas {
                started.append(try await driver.start(try serverSpec(environment, settings, colour: colour, digest: digest, index: index)))
            }

            if let path = settings.assets?.path {
                try step(&record, .publishing)
                await pause(.publishing, events)
                events(DeployEvent("Publishing assets from \(path) at \(settings.assets!.url)"))
                try await publishAssets(environment, path: path, digests: [digest.description] + (state.liveDigest.map { [$0] } ?? []))
            }

            try step(&record, .verifying)
            await pause(.verifying, events)
            events(DeployEvent("Waiting for servers to verify...", newline: false))
            let reports = await verify(started, settings: settings)
            guard reports.allSatisfy(\.passed) else {
                events(DeployEvent("failed"))
                throw DeployError(try await explain(reports, started: started, settings: settings, image: image))
            }
            events(DeployEvent("complete"))


            // The switch: recorded first, then made, so a crash in between recovers to the new cluster.
            try step(&record, .switched, saving: {
                $0.oldColour = $0.liveColour
                $0.oldDigest = $0.liveDigest
                $0.oldServers = $0.liveServers
                $0.liveColour = colour
                $0.liveDigest = digest.description
                $0.liveServers = started
                $0.cleanupAt = $0.oldColour == nil ? nil : Date().addingTimeInterval(Double(settings.cleanupDelay.components.seconds))
            }, state: &state)
        } catch {
            for server in started { try? await driver.remove(server.id) }
            try? await removeCluster(environment, colour: colour)
            let live = state.liveColour.map { "The old cluster \(cluster(environment, $0)) stays live." } ?? "Nothing was live before; nothing is now."
            try? finish(&record, outcome: "failed", message: "\(error)")
            throw DeployError("\(error)\n\(live) The new cluster \(cluster(environment, colour)) was removed.")
        }

        await pause(.switched, events)
        try await traffic.route(environment, colour: colour, servers: started)

        guard let oldColour = state.oldColour else {
            events(DeployEvent("New cluster \(cluster(environment, colour)) is live."))
            try finish(&record)
            events(DeployEvent(.succeeded, "Deployed \(digest.short) to \(environment)"))
            return record
        }
        let seconds = settings.cleanupDelay.components.seconds
        events(DeployEvent("New cluster \(cluster(environment, colour)) is live. Waiting \(seconds) seconds before cleaning up old cluster \(cluster(environment, oldColour))"))
        try step(&record, .draining)
        await pause(.draining, events)
        let outcome = await scheduleCleanup(environment, after: settings.cleanupDelay, events: events)
        if outcome == .rolledBack {
            try finish(&record, outcome: "rolled back", message: "rolled back to \(cluster(environment, oldColour)) during the cleanup window")
            events(DeployEvent(.failed, "Rolled back to \(cluster(environment, oldColour)) before cleanup; \(cluster(environment, colour)) is being removed"))
            return record
        }
        try finish(&record)
        events(DeployEvent(.succeeded, "Deployed \(digest.short) to \(environment)"))
        return record
    }

    private func takeLock(_ environment: String, actor: String) throws {
        if let current = try database.deployLock(environment), current.pid != getpid(), kill(current.pid, 0) != 0, errno == ESRCH {
            try database.releaseDeployLock(environment, holder: current.holder)  // its process is gone
        }
        if let holder = try database.acquireDeployLock(environment, holder: holder, pid: getpid(), staleAfter: lockStaleAfter) {
            throw DeployError("a deploy of \(environment) is already running (\(holder.holder), since \(holder.acquiredAt)); wait for it to finish")
        }
        if let running = try database.deployments(environment: environment, limit: 1).first, running.finishedAt == nil,
           DeployStep(rawValue: running.step).map({ $0 < .draining }) ?? false {
            // The lock is ours, yet a deploy is unfinished before its switch: only this actor can be running it.
            try database.releaseDeployLock(environment, holder: holder)
            throw DeployError("a deploy of \(environment) is already running (started by \(running.actor) at \(running.startedAt)); wait for it to finish")
        }
    }

    private func step(_ record: inout DeploymentRecord, _ step: DeployStep) throws {
        record.step = step.rawValue
        record.updatedAt = Date()
        try database.updateDeployment(record)
    }

    private func step(_ record: inout DeploymentRecord, _ step: DeployStep, saving change: (inout EnvironmentState) -> Void,
                      state: inout EnvironmentState) throws {
        record.step = step.rawValue
        record.updatedAt = Date()
        change(&state)
        state.updatedAt = Date()
        try database.save(record, state)
    }

    /// Closes a deployment's record with its outcome.
    private func finish(_ record: inout DeploymentRecord, outcome: String = "succeeded", message: String? = nil) throws {
        record.step = DeployStep.finished.rawValue
        record.outcome = outcome
        record.message = message ?? record.message
        record.finishedAt = Date()
        record.updatedAt = Date()
        try database.updateDeployment(record)
    }

    func serverSpec(_ environment: String, _ settings: SlipwayConfig.Environment, colour: String, digest: Digest,
                    index: Int) throws -> ServerSpec {
        var spec = ServerSpec(name: DeployPlan.serverName(app: config.app, environment: environment, colour: colour, index: index),
                              image: "\(registry)/\(config.app)@\(digest)")
        spec.labels = DeployPlan.labels(app: config.app, environment: environment, colour: colour, digest: digest.description)
        spec.port = settings.port
        spec.volumes = settings.volumes
        spec.memoryBytes = settings.memoryLimit
        spec.cpus = settings.cpuLimit
        var env: [String: String] = [:]
        for file in settings.envFiles { env.merge(try EnvFile.load(file)) { $1 } }
        env.merge(settings.env) { $1 }
        spec.env = env
        return spec
    }

    // MARK: Assets

    /// Extracts (once per image) and serves the assets of these images, newest first.
    func publishAssets(_ environment: String, path: String, digests: [String]) async throws {
        guard let assets else { throw DeployError("assets are configured but this server has no asset store") }
        var directories: [String] = []
        for text in digests {
            let digest = try Digest(parsing: text)
            guard let manifest = try database.manifest(digest, in: config.app) else { continue }
            directories.append(try assets.publish(manifest.descriptor, path: path))
        }
        await traffic.serveAssets(environment, from: directories)
    }

    // MARK: Verification

    func verify(_ servers: [DeployedServer], settings: SlipwayConfig.Environment) async -> [HealthReport] {
        let checker = HealthChecker(health: settings.health)
        let driver = self.driver
        return await withTaskGroup(of: HealthReport.self) { group in
            for server in servers { group.addTask { await checker.waitUntilHealthy(server, driver: driver) } }
            var reports: [HealthReport] = []
            for await report in group { reports.append(report) }
            return reports.sorted { $0.server < $1.server }
        }
    }

    /// Why verification failed, per failing server: the last status or connection error, a body excerpt, the tail of
    /// its log, and a hint when the image listens elsewhere than configured.
    func explain(_ reports: [HealthReport], started: [DeployedServer], settings: SlipwayConfig.Environment,
                 image: String) async throws -> String {
        let exposed = (try? await driver.exposedPorts(of: image)) ?? []
        var lines = ["servers did not pass their health check (GET \(settings.health.path) expecting \(settings.health.status), deadline \(settings.health.deadline)):"]
        for report in reports where !report.passed {
            var line = "  \(report.server): "
            if let exitCode = report.exitCode {
                line += "the container exited with status \(exitCode)"
            } else if let status = report.lastStatus {
                line += "HTTP \(status) after \(report.attempts) attempt\(report.attempts == 1 ? "" : "s")"
                if let body = report.bodyExcerpt, !body.isEmpty {
                    line += ": \"\(body.trimmingCharacters(in: .whitespacesAndNewlines).prefix(120))\""
                }
            } else {
                line += "\(report.lastError ?? "no answer") after \(report.attempts) attempt\(report.attempts == 1 ? "" : "s")"
            }
            lines.append(line)
            if let server = started.first(where: { $0.name == report.server }),
               let log = try? await driver.logs(server.id, tail: 10), !log.isEmpty {
                lines.append("    log (last lines):")
                lines.append(Self.indent(log, by: 6))
            }
        }
        if let hint = DeployPlan.portHint(configured: settings.port, exposed: exposed) { lines.append("  hint: \(hint)") }
        return lines.joined(separator: "\n")
    }

    static func indent(_ text: String, by count: Int = 2) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { String(repeating: " ", count: count) + $0 }
            .joined(separator: "\n").trimmingCharacters(in: .newlines)
    }

    // MARK: Cleanup

    enum CleanupOutcome: Sendable { case cleaned, rolledBack }

    /// Waits out the cleanup delay (cut short by `finishPendingCleanup`, cancelled by a rollback), then deletes the
    /// old cluster.
    private func scheduleCleanup(_ environment: String, after delay: Duration, events: @escaping DeployEvents) async -> CleanupOutcome {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: delay) }
                group.addTask { for await _ in stream { return } }
                await group.next()
                group.cancelAll()
            }
        }
        cleanups[environment] = PendingCleanup(task: task, skip: { continuation.finish() })
        await task.value
        guard cleanups[environment]?.task == task, !task.isCancelled else { return .rolledBack }
        cleanups[environment] = nil
        await deleteOldCluster(environment, events: events)
        return .cleaned
    }

    /// Ends a pending cleanup now (before the next deploy of the environment).
    private func finishPendingCleanup(_ environment: String, events: @escaping DeployEvents) async throws {
        if let pending = cleanups[environment] {
            events(DeployEvent("Cleaning up the previous deploy's old cluster first"))
            pending.skip()
            while cleanups[environment] != nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        if try database.environmentState(environment).oldColour != nil { await deleteOldCluster(environment, events: events) }
    }

    private func deleteOldCluster(_ environment: String, events: @escaping DeployEvents) async {
        guard var state = try? database.environmentState(environment), let oldColour = state.oldColour else { return }
        events(DeployEvent("Deleting old servers"))
        for _ in 0..<50 where await traffic.inFlight(environment, colour: oldColour) > 0 {
            try? await Task.sleep(for: .milliseconds(100))
        }
        let timeout = Int((try? settings(environment))?.stopTimeout.components.seconds ?? 10)
        let driver = self.driver
        await withTaskGroup(of: Void.self) { group in
            for server in state.oldServers { group.addTask { try? await driver.stop(server.id, timeout: timeout) } }
        }
        try? await removeCluster(environment, colour: oldColour)
        state.oldColour = nil
        state.oldDigest = nil
        state.oldServers = []
        state.cleanupAt = nil
        state.updatedAt = Date()
        try? database.saveEnvironmentState(state)
        if let keep = try? database.digestsKeptForDeploys() { assets?.prune(keeping: keep) }
    }

    /// Removes every container of a colour of the environment.
    func removeCluster(_ environment: String, colour: String) async throws {
        for server in try await driver.list(labels: ["slipway.app": config.app, "slipway.env": environment, "slipway.colour": colour]) {
            try await driver.remove(server.id)
        }
    }

    // MARK: Rollback

    /// Inside the cleanup window, switches straight back to the old cluster; after it, deploys the image that was
    /// live before (or `target`, a commit prefix or digest) through the verified path. The environment's tag moves
    /// to the image deployed.
    @discardableResult
    public func rollback(_ environment: String, to target: String? = nil, actor: String,
                         events: @escaping DeployEvents) async throws -> DeploymentRecord {
        let settings = try settings(environment)
        var state = try database.environmentState(environment)
        if target == nil, let oldColour = state.oldColour, let oldDigest = state.oldDigest, let liveColour = state.liveColour {
            cleanups[environment]?.task.cancel()
            cleanups[environment] = nil
            var record = try database.insertDeployment(DeploymentRecord(
                environment: environment, kind: "rollback", digest: oldDigest,
                revision: try database.manifest(try Digest(parsing: oldDigest), in: config.app)?.revision, colour: oldColour,
                previousDigest: state.liveDigest, previousColour: liveColour, step: DeployStep.switched.rawValue, actor: actor))
            let servers = state.oldServers
            (state.liveColour, state.oldColour) = (oldColour, liveColour)
            (state.liveDigest, state.oldDigest) = (oldDigest, state.liveDigest)
            (state.liveServers, state.oldServers) = (servers, state.liveServers)
            state.cleanupAt = Date().addingTimeInterval(Double(settings.cleanupDelay.components.seconds))
            state.updatedAt = Date()
            try database.save(record, state)
            try await traffic.route(environment, colour: oldColour, servers: servers)
            try database.moveTag(environment, in: config.app, to: try Digest(parsing: oldDigest), revision: record.revision, actor: actor)
            events(DeployEvent("Switched back to \(cluster(environment, oldColour)) (\(String(oldDigest.prefix(19)))). Waiting \(settings.cleanupDelay.components.seconds) seconds before cleaning up \(cluster(environment, liveColour))"))
            try step(&record, .draining)
            _ = await scheduleCleanup(environment, after: settings.cleanupDelay, events: events)
            try finish(&record)
            events(DeployEvent(.succeeded, "Rolled back \(environment)"))
            return record
        }
        let digest = try rollbackTarget(environment, target: target, live: state.liveDigest)
        let revision = try database.manifest(digest, in: config.app)?.revision
        try database.moveTag(environment, in: config.app, to: digest, revision: revision, actor: actor)
        events(DeployEvent("Rolling back \(environment) to \(digest.short) (commit \(revision.map { String($0.prefix(7)) } ?? "-"))"))
        return try await deploy(environment, digest: digest, kind: "rollback", actor: actor, events: events)
    }

    /// The image a rollback deploys: `target` (a digest, or a commit prefix), else the last image that was live before
    /// the current one.
    func rollbackTarget(_ environment: String, target: String?, live: String?) throws -> Digest {
        if let target {
            if target.hasPrefix("sha256:") {
                let digest = try Digest(parsing: target)
                guard try database.manifest(digest, in: config.app) != nil else {
                    throw DeployError("no image \(target) in \(config.app); `list-images` shows the images there are")
                }
                return digest
            }
            let image = try ImageCatalog.image(commit: target, in: try ImageCatalog.images(of: config.app, in: database),
                                               repository: config.app)
            return try Digest(parsing: image.digest)
        }
        let earlier = try database.deployments(environment: environment).first {
            ($0.outcome == "succeeded") && $0.digest != live
        }
        guard let earlier else {
            throw DeployError("\(environment) has no earlier deployment to roll back to; use `rollback --to COMMIT`")
        }
        return try Digest(parsing: earlier.digest)
    }

    // MARK: Recovery

    /// Brings every environment back to a consistent state after a restart, before the proxies take traffic:
    /// deployments that died before their switch are undone (their half-started cluster removed), and each proxy
    /// is pointed at the live servers. Old clusters left to delete are `finishCleanups()`'s, which may take
    /// longer and runs after.
    public func reconcile(events: @escaping DeployEvents = { _ in }) async {
        for var record in (try? database.unfinishedDeployments()) ?? [] {
            guard let state = try? database.environmentState(record.environment),
                  case .removeNewCluster(let colour) = DeployPlan.recovery(for: record, state: state) else { continue }
            try? await removeCluster(record.environment, colour: colour)
            let step = record.step
            try? finish(&record, outcome: "failed",
                        message: "interrupted: slipway serve stopped during step \(step); the cluster that was live stayed live")
            events(DeployEvent("\(record.environment): deploy #\(record.id ?? 0) was interrupted at \(step); removed \(cluster(record.environment, colour))"))
        }
        for environment in config.environments.keys.sorted() {
            guard var state = try? database.environmentState(environment), let colour = state.liveColour else { continue }
            // Docker may have restarted the containers on other ports: ask it where they are now.
            var servers: [DeployedServer] = []
            for server in state.liveServers {
                if let status = try? await driver.inspect(server.id), let address = status.address {
                    servers.append(DeployedServer(name: server.name, id: server.id, host: address.host, port: address.port))
                }
            }
            if servers != state.liveServers {
                state.liveServers = servers
                state.updatedAt = Date()
                try? database.saveEnvironmentState(state)
            }
            try? await traffic.route(environment, colour: colour, servers: servers)
            if let path = config.environments[environment]?.assets?.path, let live = state.liveDigest {
                try? await publishAssets(environment, path: path, digests: [live] + (state.oldDigest.map { [$0] } ?? []))
            }
        }
    }

    /// Deletes the old clusters of deploys that were switched but not cleaned up when the server stopped, and closes
    /// their records.
    public func finishCleanups(events: @escaping DeployEvents = { _ in }) async {
        for environment in config.environments.keys.sorted() {
            guard (try? database.environmentState(environment))?.oldColour != nil, cleanups[environment] == nil else { continue }
            await deleteOldCluster(environment, events: events)
        }
        for var record in (try? database.unfinishedDeployments()) ?? [] where cleanups[record.environment] == nil {
            try? finish(&record, message: "cleanup finished after a restart")
            events(DeployEvent("\(record.environment): finished the cleanup of deploy #\(record.id ?? 0)"))
        }
    }
}
