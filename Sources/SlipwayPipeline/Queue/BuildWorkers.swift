import Foundation
import SlipwayConfig
import SlipwayRegistry
import SlipwayRegistryClient
import SlipwayStore

/// The build workers of `slipway serve`: N loops that take the oldest queued build from the state database and run
/// it. The queue is in SQLite, so builds queued by other processes (the built-in remote's hook, `build-commit`) are
/// seen too. One server per `$SLIPWAY_HOME` runs workers: it holds `builds/workers.lock`.
public final class BuildWorkers: Sendable {
    let config: SlipwayConfig
    let paths: PipelinePaths
    let database: StateDatabase
    let registry: Registry
    let client: RegistryClient
    let lock: FileLock
    /// How often an idle worker looks at the queue.
    let poll: Duration

    /// Takes the workers lock; nil when another server holds it.
    public init?(config: SlipwayConfig, paths: PipelinePaths, database: StateDatabase, registry: Registry, client: RegistryClient,
                 poll: Duration = .milliseconds(200)) throws {
        // A pre-receive hook looks at the lock for an instant to see whether a server runs: try for a while.
        var taken: FileLock?
        for attempt in 0..<20 {
            taken = try FileLock.tryExclusive(paths.workersLock)
            if taken != nil { break }
            if attempt < 19 { usleep(100_000) }
        }
        guard let lock = taken else { return nil }
        self.lock = lock
        self.config = config
        self.paths = paths
        self.database = database
        self.registry = registry
        self.client = client
        self.poll = poll
    }

    /// Builds a server that died left running: each is marked interrupted and queued again. Returns lines to log.
    public func requeueInterrupted() throws -> [String] {
        try database.requeueInterruptedBuilds().map { pair in
            paths.workspace(pair.interrupted.id ?? 0).remove()
            return "build #\(pair.interrupted.id ?? 0) was interrupted when the server stopped; queued again as #\(pair.requeued.id ?? 0)"
        }
    }

    /// Runs the workers until the task is cancelled. `report` gets a line as each build starts and ends.
    public func run(report: @escaping @Sendable (String) -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<config.builds.workers {
                group.addTask { await self.work(report: report) }
            }
        }
    }

    private func work(report: @escaping @Sendable (String) -> Void) async {
        while !Task.isCancelled {
            let claimed: BuildRecord?
            do {
                claimed = try database.claimNextBuild()
            } catch {
                report("builds: cannot read the queue: \(error)")
                claimed = nil
            }
            guard let build = claimed, let id = build.id else {
                try? await Task.sleep(for: poll)
                continue
            }
            report("build #\(id) started: \(build.source) \(build.ref) \(build.commit.prefix(12))")
            let outcome: BuildJob.Outcome
            var writer: BuildLogWriter?
            let workspace = BuildJob.workspace(of: build, paths: paths)
            do {
                let log = try paths.logs.writer(id)
                writer = log
                outcome = await BuildJob(build: build, config: config, paths: paths, database: database, registry: registry,
                                         client: client, log: log).run()
            } catch {
                outcome = BuildJob.Outcome(state: .failed, error: "cannot write the build's log: \(error)")
            }
            writer?.close()
            if Task.isCancelled, outcome.state == .failed {
                // The server is stopping: the build stays `running`, and the next start queues it again.
                report("build #\(id) stopped with the server; it is queued again when the server starts")
                return
            }
            workspace.remove()
            do {
                try database.finishBuild(id, state: outcome.state, digest: outcome.digest?.description, error: outcome.error)
            } catch {
                report("build #\(id): cannot record its end: \(error)")
            }
            report("build #\(id) \(outcome.state.rawValue)" + (outcome.digest.map { ": \(build.repository)@\($0)" } ?? "")
                   + (outcome.error.map { ": \($0.split(separator: "\n").first ?? "")" } ?? ""))
        }
    }
}
