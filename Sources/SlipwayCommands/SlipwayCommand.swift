import ArgumentParser
import Foundation

/// The root of the command line: `slipway <command>`.
public struct SlipwayCommand: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "slipway",
        abstract: "Push-to-deploy for containerised web applications: build, store, scan and deploy images.",
        discussion: """
            Exit codes: 0 success, 1 failure, 2 usage error.
            State lives in $SLIPWAY_HOME (default ~/.slipway).
            """,
        subcommands: [
            VersionCommand.self, ServeCommand.self, ImageCommand.self, GCCommand.self, LoginCommand.self, LogoutCommand.self,
            ListImagesCommand.self, TagByCommitCommand.self, TagByBranchCommand.self, DeployCommand.self, RollbackCommand.self,
            StatusCommand.self, HistoryCommand.self, ProxyCommand.self, AccessCommand.self, ShellCommand.self, AuditCommand.self,
            ScanCommand.self, SBOMCommand.self, VulnDBCommand.self, BuildCommand.self, BuildsCommand.self, BuildCommitCommand.self,
            RemoteCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line and returns the process exit code: 0 ok, 1 failure, 2 usage error.
    public static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            return code == .validationFailure ? 2 : 1
        }
    }
}

/// `slipway version`
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print Slipway's version and the git commit it was built from.")

    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        if json {
            try printJSON(["version": SlipwayCommand.version, "commit": BuildInfo.commit])
        } else {
            print("slipway \(SlipwayCommand.version) (commit \(BuildInfo.commit))")
        }
    }
}
