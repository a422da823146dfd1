import ArgumentParser
import Foundation
import SlipwayPipeline
import SlipwayStore

/// `slipway remote create|list|receive`
struct RemoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Slipway's own git remotes: `git push` to one builds the pushed branch into an image.",
        subcommands: [CreateRemote.self, ListRemotes.self, ReceivePush.self]
    )

    struct CreateRemote: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Make a bare repository whose pushes are built.",
            discussion: """
                The repository is $SLIPWAY_HOME/git/remotes/APP.git. Its pre-receive hook writes out each pushed branch, \
                queues its build and streams the build to the pusher; the branch moves only when the image is in the \
                registry as APP:<commit>, so a failed build fails the `git push`. A `slipway serve` must be running with \
                the same SLIPWAY_HOME. Push over SSH (git remote add slipway ssh://USER@HOST/PATH) or a local path.
                """
        )

        @Argument(help: "The app: the repository's name and the registry repository its images go to.") var app: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let home = SlipwayHome.fromEnvironment()
            try home.createIfNeeded()
            let remote = try GitRemote(name: app, paths: PipelinePaths(home: home.path))
            try remote.create(slipwayExecutable: try currentExecutable())
            if json { return try printJSON(["app": app, "path": remote.directory]) }
            print(remote.directory)
            note("push to it: git remote add slipway \(remote.directory)   (or ssh://USER@HOST\(remote.directory))")
        }
    }

    struct ListRemotes: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the remotes.")

        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let paths = PipelinePaths(home: SlipwayHome.fromEnvironment().path)
            let directory = paths.git + "/remotes"
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasSuffix(".git") }.map { String($0.dropLast(4)) }.sorted()
            if json { return try printJSON(names.map { ["app": $0, "path": paths.remote($0)] }) }
            guard !names.isEmpty else { return note("No remotes yet: `slipway remote create APP` makes one.") }
            print(table(["APP", "PATH"], names.map { [$0, paths.remote($0)] }))
        }
    }

    /// What the pre-receive hook runs; not for people.
    struct ReceivePush: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "receive", abstract: "The pre-receive hook of a remote (reads git's ref updates on stdin).",
            shouldDisplay: false)

        @Argument var app: String

        func run() async throws {
            let home = SlipwayHome.fromEnvironment()
            let remote = try GitRemote(name: app, paths: PipelinePaths(home: home.path))
            let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            let updates = try RefUpdate.parse(input)
            let succeeded = try await remote.receive(updates, database: try home.database(), print: printLine)
            guard succeeded else { throw ExitCode.failure }
        }
    }
}
