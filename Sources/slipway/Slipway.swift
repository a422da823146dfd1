import Foundation
import SlipwayCommands

@main
struct Slipway {
    /// Commands that also work under their own name (a symlink to `slipway`), as operators type them on a deploy host.
    /// (Not `history`: the shell's builtin of that name would win.)
    static let bareCommands: Set<String> = [
        "list-images", "tag-by-commit", "tag-by-branch", "run-deploy-and-cleanup", "rollback",
    ]

    static func main() async {
        // A parent may have started us with SIGTERM or SIGINT blocked (and threads inherit the mask): unblock them,
        // or `slipway serve` would never hear the signal that asks it to shut down gracefully.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        var arguments = Array(CommandLine.arguments.dropFirst())
        let name = URL(fileURLWithPath: CommandLine.arguments.first ?? "slipway").lastPathComponent
        if bareCommands.contains(name) { arguments.insert(name, at: 0) }
        exit(await SlipwayCommand.run(arguments: arguments))
    }
}
