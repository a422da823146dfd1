import ArgumentParser
import Foundation
import SlipwayAccess
import SlipwayStore

/// `slipway shell --env ENV --as NAME --role ROLE --key FINGERPRINT --home HOME --config CONFIG`
struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "The restricted shell an SSH key's forced command runs (written by `access add-key`; not for typing).",
        discussion: """
            Runs the command the client asked for (SSH_ORIGINAL_COMMAND), or offers a prompt when it asked for none. \
            Only the deploy commands run, only for the key's environment, with arguments of plain characters that \
            never reach a shell; a viewer key runs only the read-only ones. Every attempt is audited.
            """,
        shouldDisplay: false
    )

    @Option(name: .customLong("env"), help: "The key's environment.") var environment: String
    @Option(name: .customLong("as"), help: "Who the key belongs to.") var name: String
    @Option(help: "deployer or viewer.") var role: Role
    @Option(help: "The key's fingerprint.") var key: String
    @Option(help: "SLIPWAY_HOME.") var home: String
    @Option(help: "The configuration file.") var config: String

    func run() async throws {
        setenv("SLIPWAY_HOME", home, 1)
        setenv("SLIPWAY_KEY_ENV", environment, 1)
        setenv("SLIPWAY_ACTOR", "\(name) (\(key))", 1)
        unsetenv("SLIPWAY_ENV")
        let database = try SlipwayHome(path: home).database()
        if let line = ProcessInfo.processInfo.environment["SSH_ORIGINAL_COMMAND"] {
            let status = await runOne(line, database: database)
            if status != 0 { throw ExitCode(status) }
            return
        }
        print("Slipway deploy shell for \(environment), as \(name) (\(role.rawValue)). Type help, or exit.")
        while true {
            FileHandle.standardOutput.write(Data("\(environment)> ".utf8))
            guard let line = readLine(strippingNewline: true) else { break }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if trimmed == "exit" || trimmed == "quit" { break }
            _ = await runOne(trimmed, database: database)
        }
    }

    /// Checks, runs and audits one command line; returns its exit status.
    func runOne(_ line: String, database: StateDatabase) async -> Int32 {
        func audit(_ outcome: String, _ status: Int32?) {
            try? database.appendAudit(AuditRecord(
                actor: name, fingerprint: key, environment: environment, role: role.rawValue,
                source: ProcessInfo.processInfo.environment["SSH_CONNECTION"], command: line, outcome: outcome,
                exitStatus: status.map(Int.init)))
        }
        let command: RestrictedCommand
        do {
            command = try RestrictedCommand(parsing: line, role: role)
        } catch {
            FileHandle.standardError.write(Data("slipway: \(error)\n".utf8))
            audit("\(error)", 1)
            return 1
        }
        switch command.name {
        case "help":
            print(RestrictedCommand.help(role: role, environment: environment))
            audit("ok", 0)
            return 0
        case "scan":
            // The report as JSON with --json, else the table; no options that write files.
            let format = command.arguments.contains("--json") ? ["--format", "json"] : []
            let status = await SlipwayCommand.run(arguments: ["scan"] + command.arguments.filter { $0 != "--json" } + format
                                                  + ["--config", config])
            audit(status == 0 ? "ok" : "failed", status)
            return status
        default:
            let status = await SlipwayCommand.run(arguments: [command.name] + command.arguments + ["--config", config])
            audit(status == 0 ? "ok" : "failed", status)
            return status
        }
    }
}

/// `slipway audit [ENV] [--json]`
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show what SSH keys asked for: who, from where, when, the command, the outcome.")

    @Argument(help: "Only this environment.") var environment: String?
    @Option(help: "Show only the newest N.") var limit: Int?
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup var options: DeployOptions

    func run() throws {
        var records = try options.database().audit(environment: environment)
        if let limit { records = Array(records.suffix(limit)) }
        if json { return try printJSON(records) }
        guard !records.isEmpty else { return note("Nothing audited yet.") }
        print(table(["TIME", "WHO", "ENV", "FROM", "COMMAND", "OUTCOME"], records.map {
            [localTimestamp($0.at), $0.actor, $0.environment, $0.source.map { String($0.split(separator: " ").first ?? "") } ?? "-",
             $0.command.replacingOccurrences(of: "\n", with: "\\n"), $0.outcome]
        }))
    }
}
