import ArgumentParser
import Foundation
import SlipwayAccess
import SlipwayConfig

/// `slipway access add-key|list|revoke`
struct AccessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access",
        abstract: "Manage the SSH keys that may deploy: one environment per key, deploy commands only.",
        discussion: """
            Keys go into the file access.authorized_keys names (the deploy user's ~/.ssh/authorized_keys), each \
            with `restrict` (no shell, no port, agent or X11 forwarding, no terminal) and a forced command that runs \
            `slipway shell` for its environment. Lines Slipway did not write are left as they are.
            """,
        subcommands: [AddKeyCommand.self, ListKeysCommand.self, RevokeKeyCommand.self]
    )
}

extension DeployOptions {
    /// The authorized_keys file from the configuration.
    func authorizedKeys(_ config: SlipwayConfig) throws -> AuthorizedKeys {
        guard let path = config.access.authorizedKeys else {
            throw CommandError("set access.authorized_keys in \(configPath) to the deploy user's ~/.ssh/authorized_keys")
        }
        return AuthorizedKeys(path: path)
    }

    var configPath: String { config ?? home.path + "/slipway.yml" }
}

/// `slipway access add-key ENV KEYFILE [--name WHO] [--role deployer|viewer]`
struct AddKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-key", abstract: "Let a public key run the deploy commands of one environment.")

    @Argument(help: "The environment the key may act on.") var environment: String
    @Argument(help: "The public key file (id_ed25519.pub).") var keyFile: String
    @Option(help: "Who the key belongs to, as audit records name them (default: the key's comment).") var name: String?
    @Option(help: "deployer (every deploy command) or viewer (list-images, status, history only).") var role: Role = .deployer
    @OptionGroup var options: DeployOptions

    func run() throws {
        let config = try options.loadConfig()
        guard config.environments[environment] != nil else {
            throw ValidationError("unknown environment '\(environment)'; configured: \(config.environments.keys.sorted().joined(separator: ", "))")
        }
        guard let text = FileManager.default.contents(atPath: keyFile).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw CommandError("cannot read \(keyFile)")
        }
        let key = try PublicKey(parsing: text, source: keyFile)
        let comment = text.split(separator: "\n").first?.split(separator: " ").dropFirst(2).joined(separator: " ")
        guard let name = name ?? comment.flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError("the key has no comment to name it by; give --name WHO")
        }
        let configPath = URL(fileURLWithPath: options.configPath).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: configPath) else { throw CommandError("no configuration at \(configPath)") }
        let installed = try options.authorizedKeys(config).add(
            key, name: name, environment: environment, role: role, slipway: currentExecutable(),
            home: URL(fileURLWithPath: options.home.path).standardizedFileURL.path, config: configPath)
        print("Added \(installed.name) (\(installed.type) \(installed.fingerprint)) as \(installed.role.rawValue) of \(installed.environment)")
    }
}

extension Role: ExpressibleByArgument {}

/// `slipway access list [--json]`
struct ListKeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the keys Slipway installed.")

    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup var options: DeployOptions

    func run() throws {
        let keys = try options.authorizedKeys(try options.loadConfig()).keys()
        if json { return try printJSON(keys) }
        guard !keys.isEmpty else { return note("No keys yet: slipway access add-key ENV KEYFILE") }
        print(table(["NAME", "ENVIRONMENT", "ROLE", "KEY"], keys.map { [$0.name, $0.environment, $0.role.rawValue, "\($0.type) \($0.fingerprint)"] }))
    }
}

/// `slipway access revoke NAME`
struct RevokeKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Remove a key; its next connection is refused.")

    @Argument(help: "The key's name, as `access list` shows it.") var name: String
    @OptionGroup var options: DeployOptions

    func run() throws {
        guard try options.authorizedKeys(try options.loadConfig()).revoke(name) else {
            throw CommandError("no key named \(name); `slipway access list` shows the keys")
        }
        print("Revoked \(name)")
    }
}
