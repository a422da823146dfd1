import ArgumentParser
import Foundation
import SlipwayPipeline
import SlipwayStore

/// `slipway builds [list|show|logs|cancel]`
struct BuildsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builds",
        abstract: "The build queue: every push's build, its state and its log.",
        discussion: """
            Builds are queued by webhooks (/hooks/github, /hooks/gitlab, /hooks/bitbucket), by pushes to a remote made \
            with `slipway remote create`, and by `slipway build-commit`; the workers of `slipway serve` run them. \
            States: queued, running, succeeded, failed, cancelled, interrupted (the server stopped; a new build repeats it).
            """,
        subcommands: [ListBuilds.self, ShowBuild.self, BuildLog.self, CancelBuild.self],
        defaultSubcommand: ListBuilds.self
    )

    struct ListBuilds: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List builds, oldest first and newest at the bottom.")

        @Option(help: "Show only the newest N builds (default 20; 0 for all).") var limit = 20
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var options: DeployOptions

        func validate() throws {
            if limit < 0 { throw ValidationError("--limit must be 0 (all) or more") }
        }

        func run() throws {
            let builds = try options.database().builds(limit: limit == 0 ? nil : limit)
            if json { return try printJSON(builds.map(BuildView.init)) }
            guard !builds.isEmpty else {
                return note("No builds yet: push to a source's repository (webhooks), to a `slipway remote`, or run `slipway build-commit`.")
            }
            let rows = builds.map { build in
                ["#\(build.id ?? 0)", build.state.rawValue, build.source, build.branch ?? build.ref, String(build.commit.prefix(12)),
                 build.trigger, age(of: build.queuedAt), build.duration.map { String(format: "%.1fs", $0) } ?? "-",
                 build.digest.map { String($0.split(separator: ":").last?.prefix(12) ?? "") } ?? "-"]
            }
            print(table(["BUILD", "STATE", "SOURCE", "BRANCH", "COMMIT", "TRIGGER", "QUEUED", "TOOK", "IMAGE"], rows))
        }
    }

    struct ShowBuild: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one build.")

        @Argument(help: "The build's number.") var id: Int64
        @Flag(help: "Print as JSON.") var json = false
        @OptionGroup var options: DeployOptions

        func run() throws {
            guard let build = try options.database().build(id) else { throw CommandError("there is no build #\(id)") }
            if json { return try printJSON(BuildView(build)) }
            var lines: [(String, String)] = [
                ("build", "#\(id)"), ("state", build.state.rawValue), ("source", build.source), ("ref", build.ref),
                ("commit", build.commit), ("trigger", build.trigger + (build.delivery.map { " (delivery \($0))" } ?? "")),
                ("queued", localTimestamp(build.queuedAt)),
            ]
            if let started = build.startedAt { lines.append(("started", localTimestamp(started))) }
            if let finished = build.finishedAt { lines.append(("finished", localTimestamp(finished))) }
            if let duration = build.duration { lines.append(("took", String(format: "%.1f s", duration))) }
            if let digest = build.digest { lines.append(("image", "\(build.repository)@\(digest)")) }
            if !build.imageTags.isEmpty { lines.append(("tags", build.imageTags.map { "\(build.repository):\($0)" }.joined(separator: ", "))) }
            if let retry = build.retryOf { lines.append(("repeats", "#\(retry)")) }
            if let error = build.error { lines.append(("error", error)) }
            lines.append(("log", PipelinePaths(home: options.home.path).logs.path(id)))
            for (key, value) in lines { print("\(key.padding(toLength: 9, withPad: " ", startingAt: 0)) \(value)") }
        }
    }

    struct BuildLog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a build's log.")

        @Argument(help: "The build's number.") var id: Int64
        @Flag(name: .shortAndLong, help: "Follow the log until the build ends; exit 1 unless it succeeded.") var follow = false
        @OptionGroup var options: DeployOptions

        func run() async throws {
            let database = try options.database()
            guard try database.build(id) != nil else { throw CommandError("there is no build #\(id)") }
            let logs = PipelinePaths(home: options.home.path).logs
            if follow {
                let end = try await logs.follow(id, database: database, serverLock: PipelinePaths(home: options.home.path).workersLock) {
                    printLine($0)
                }
                guard end.state == .succeeded else { throw ExitCode.failure }
                return
            }
            guard let data = FileManager.default.contents(atPath: logs.path(id)) else {
                return note("build #\(id) has no log yet (it is queued)")
            }
            FileHandle.standardOutput.write(data)
        }
    }

    struct CancelBuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel", abstract: "Cancel a queued build, or stop a running one (its steps are killed).")

        @Argument(help: "The build's number.") var id: Int64
        @OptionGroup var options: DeployOptions

        func run() throws {
            switch try options.database().cancelBuild(id) {
            case .cancelled: print("build #\(id) cancelled (it had not started)")
            case .requested: print("build #\(id) is running: its worker stops it within a second")
            case .alreadyFinished(let state): throw CommandError("build #\(id) already ended: \(state.rawValue)")
            case .unknown: throw CommandError("there is no build #\(id)")
            }
        }
    }
}

/// A build as `--json` prints it.
struct BuildView: Encodable {
    var id: Int64
    var state: String
    var source: String
    var repository: String
    var ref: String
    var branch: String?
    var commit: String
    var trigger: String
    var delivery: String?
    var queuedAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    var seconds: Double?
    var digest: String?
    var tags: [String]
    var error: String?
    var retryOf: Int64?

    init(_ build: BuildRecord) {
        id = build.id ?? 0
        state = build.state.rawValue
        source = build.source
        repository = build.repository
        ref = build.ref
        branch = build.branch
        commit = build.commit
        trigger = build.trigger
        delivery = build.delivery
        queuedAt = build.queuedAt
        startedAt = build.startedAt
        finishedAt = build.finishedAt
        seconds = build.duration
        digest = build.digest
        tags = build.imageTags
        error = build.error
        retryOf = build.retryOf
    }
}

/// `slipway build-commit SOURCE COMMIT`
struct BuildCommitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-commit",
        abstract: "Queue a build of one commit of a source by hand.",
        discussion: """
            SOURCE is a source's name from slipway.yml. COMMIT is a full commit id or a unique prefix; the worker \
            fetches the source and fails the build, saying so, when the commit is not there. The image is pushed as \
            APP:<commit> and APP:<short commit>, labelled with --branch.
            """
    )

    @Argument(help: "The source's name (sources[].name in slipway.yml).") var source: String
    @Argument(help: "The commit: its full id, or a unique prefix of at least 7 hex digits.") var commit: String
    @Option(help: "The branch the commit is on (the slipway.git.branch label; tag-by-branch finds it by this).") var branch: String?
    @Flag(help: "Follow the build's log until it ends; exit 1 unless it succeeded.") var wait = false
    @OptionGroup var options: DeployOptions

    func validate() throws {
        guard (7...40).contains(commit.count), commit.allSatisfy(\.isHexDigit) else {
            throw ValidationError("'\(commit)' is not a commit id: give 7 to 40 hex digits")
        }
    }

    func run() async throws {
        let config = try options.loadConfig()
        guard config.sources.contains(where: { $0.name == source }) else {
            let names = config.sources.map(\.name)
            throw ValidationError("no source named '\(source)' in slipway.yml"
                                  + (names.isEmpty ? " (it has no sources)" : "; sources: \(names.joined(separator: ", "))"))
        }
        let database = try options.database()
        let ref = branch.map { "refs/heads/\($0)" } ?? commit.lowercased()
        let build = BuildRecord(source: source, repository: config.app, ref: ref, commit: commit.lowercased(), trigger: "manual")
        guard let id = try database.enqueueBuilds([build], supersede: false)?.queued.first?.id else {
            throw CommandError("the build was not queued")
        }
        printLine("queued build #\(id): \(source) \(commit)")
        guard wait else { return }
        let paths = PipelinePaths(home: options.home.path)
        let end = try await paths.logs.follow(id, database: database, serverLock: paths.workersLock) { printLine($0) }
        guard end.state == .succeeded else { throw ExitCode.failure }
    }
}
