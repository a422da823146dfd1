import Foundation
import SlipwayBuilder
import SlipwayConfig
import SlipwayOCI
import SlipwayRegistry
import SlipwayRegistryClient
import SlipwayStore

/// One build from the queue, start to end: the commit fetched into a clean workspace (or the one the built-in remote
/// prepared), the Dockerfile built, the image pushed into the registry as `REPO:<commit>` and `REPO:<short commit>`.
/// The registry's push event then starts the scan.
struct BuildJob {
    let build: BuildRecord
    let config: SlipwayConfig
    let paths: PipelinePaths
    let database: StateDatabase
    let registry: Registry
    let client: RegistryClient
    let log: BuildLogWriter

    /// Where the code is: the remote's prepared workspace, else one this build fetches into. The queue removes it
    /// once the build has ended for good (a build stopped with the server keeps it for its repeat).
    static func workspace(of build: BuildRecord, paths: PipelinePaths) -> BuildWorkspace {
        build.context.map { BuildWorkspace(root: $0) } ?? paths.workspace(build.id ?? 0)
    }

    /// How the build ended, for the queue.
    struct Outcome {
        var state: BuildRecord.State
        var digest: Digest?
        var error: String?
    }

    func run() async -> Outcome {
        let id = build.id ?? 0
        let started = Date()
        log.write("build #\(id): \(build.source) \(build.ref) at \(build.commit) (\(build.trigger))")
        let workspace = Self.workspace(of: build, paths: paths)
        let builder: Builder
        do {
            builder = try Builder(root: paths.builder, client: client)
        } catch {
            return fail("\(error)")
        }
        builder.events = { [log] event in if let line = event.line { log.write(line) } }
        // A `builds cancel` from another process is seen here.
        let watcher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                if (try? database.build(id))?.cancelRequested == true {
                    builder.cancel()
                    return true
                }
            }
            return false
        }
        defer { watcher.cancel() }
        do {
            // The source in slipway.yml; none for the built-in remote, whose workspace comes prepared.
            let source = config.sources.first { $0.name == build.source }
            var commit = build.commit
            if build.context == nil { commit = try await fetch(source, into: workspace) }
            if (try? database.build(id))?.cancelRequested == true { return cancelled() }
            let digest = try await buildAndPush(commit: commit, source: source, workspace: workspace, builder: builder)
            log.write(String(format: "build #\(id) succeeded in %.2f s: \(build.repository)@\(digest)", Date().timeIntervalSince(started)))
            return Outcome(state: .succeeded, digest: digest)
        } catch {
            watcher.cancel()
            if await watcher.value || (try? database.build(id))?.cancelRequested == true { return cancelled() }
            return fail("\(error)")
        }
    }

    private func fail(_ message: String) -> Outcome {
        log.write("error: \(message)")
        log.write("build #\(build.id ?? 0) failed")
        return Outcome(state: .failed, error: message)
    }

    private func cancelled() -> Outcome {
        log.write("build #\(build.id ?? 0) cancelled")
        return Outcome(state: .cancelled, error: "cancelled by `slipway builds cancel`")
    }

    /// The source's mirror fetched, the commit resolved to its full id (recorded) and written into the workspace.
    private func fetch(_ source: SlipwayConfig.Source?, into workspace: BuildWorkspace) async throws -> String {
        guard let source else {
            throw PipelineError("no source named '\(build.source)' in slipway.yml (was it renamed?)")
        }
        let git = try GitCredentials(source: source, directory: paths.git).git()
        let mirror = SourceMirror(directory: paths.mirror(source.name), url: source.git, git: git)
        let shown = RepositoryURL.redacted(source.git)
        log.write("fetching \(shown)")
        let started = Date()
        let log = self.log
        try await detached { try mirror.fetch { log.write("  | \($0)") } }
        log.write(String(format: "  fetched in %.1f s", Date().timeIntervalSince(started)))
        guard let commit = try mirror.resolve(build.commit) else {
            throw PipelineError("commit \(build.commit) is not in \(source.name) (\(shown)) after fetching its branches and tags; "
                                + "was it pushed?")
        }
        if commit != build.commit, let id = build.id { try database.setBuildCommit(id, commit: commit) }
        try? FileManager.default.removeItem(atPath: workspace.root)
        try await detached { try mirror.export(commit, to: workspace) }
        return commit
    }

    private func buildAndPush(commit: String, source: SlipwayConfig.Source?, workspace: BuildWorkspace, builder: Builder)
        async throws -> Digest
    {
        let tags = BuildRecord.imageTags(commit: commit)
        var request = BuildRequest(context: workspace.tree, tag: "\(build.repository):\(commit)")
        request.commit = commit
        request.branch = build.branch
        request.source = source.map { RepositoryURL.redacted($0.git) }
        request.sourceDateEpoch = workspace.sourceDateEpoch
        request.network = config.builds.network == .host ? .host : .none
        guard FileManager.default.fileExists(atPath: request.dockerfilePath) else {
            throw PipelineError("commit \(commit.prefix(7)) has no Dockerfile at its top level; Slipway builds the repository's Dockerfile")
        }
        let result = try await builder.build(request)
        for tag in tags {
            _ = try registry.importImage(result.descriptor, from: result.layout.blobs, repository: build.repository, tag: tag)
        }
        log.write("pushed " + tags.map { "\(build.repository):\($0)" }.joined(separator: " and "))
        return result.descriptor.digest
    }

    private func detached(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await Task.detached(operation: body).value
    }
}

extension BuildRecord {
    /// The tags a build's image gets: the full commit id and its first 7 digits.
    public static func imageTags(commit: String) -> [String] { [commit, String(commit.prefix(7))] }

    /// The tags of this build's image; none unless it succeeded.
    public var imageTags: [String] { state == .succeeded ? Self.imageTags(commit: commit) : [] }
}
