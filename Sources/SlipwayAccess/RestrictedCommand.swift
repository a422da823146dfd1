/// What an SSH key may ask for, checked before anything runs: a command from a fixed list, its arguments made of
/// plain characters (never passed to a shell), and only what the key's role allows.
public struct RestrictedCommand: Sendable, Equatable {
    public var name: String
    public var arguments: [String]

    /// Commands and whether a viewer may run them.
    public static let commands: [(name: String, readOnly: Bool, usage: String)] = [
        ("list-images", true, "list-images [--json] [--limit N]"),
        ("tag-by-commit", false, "tag-by-commit COMMIT [ENV]"),
        ("tag-by-branch", false, "tag-by-branch BRANCH [ENV]"),
        ("run-deploy-and-cleanup", false, "run-deploy-and-cleanup [ENV] [--override-policy REASON-IN-ONE-WORD]"),
        ("rollback", false, "rollback [ENV] [--to COMMIT|DIGEST]"),
        ("status", true, "status [ENV] [--json]"),
        ("history", true, "history [ENV] [--json] [--limit N]"),
        ("builds", true, "builds [show ID | logs ID [-f] | cancel ID] [--json] [--limit N]"),
        ("scan", true, "scan REPOSITORY:TAG [--json]"),
        ("help", true, "help"),
    ]

    /// Splits and checks a command line as the client sent it (`SSH_ORIGINAL_COMMAND`, or a line typed at the prompt).
    public init(parsing line: String, role: Role) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/@+=-")
        if let bad = line.first(where: { !allowed.contains($0) && $0 != " " && $0 != "\t" }) {
            let shown = bad == "\n" ? "a newline" : bad == "\r" ? "a carriage return" : "'\(bad)'"
            throw AccessError("refused: \(shown) is not allowed in a command; arguments are commit ids, branches, environments and flags")
        }
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let name = words.first else { throw AccessError("refused: no command; try help") }
        guard let command = Self.commands.first(where: { $0.name == name }) else {
            throw AccessError("refused: '\(name)' is not a deploy command; allowed: \(Self.commands.map(\.name).joined(separator: ", "))")
        }
        if role == .viewer, !command.readOnly {
            throw AccessError("refused: a viewer key may not run \(name); it may run \(Self.commands.filter(\.readOnly).map(\.name).joined(separator: ", "))")
        }
        let arguments = Array(words.dropFirst())
        if name == "builds", arguments.first == "cancel", role == .viewer {
            throw AccessError("refused: a viewer key may not cancel builds")
        }
        if let flag = arguments.first(where: { $0.hasPrefix("--") && !["--json", "--limit", "--to", "--override-policy"].contains($0) }) {
            throw AccessError("refused: option \(flag) is not allowed here")
        }
        guard arguments.count <= 4 else { throw AccessError("refused: too many arguments for \(name)") }
        self.name = name
        self.arguments = arguments
    }

    /// The help text for a role.
    public static func help(role: Role, environment: String) -> String {
        let lines = commands.filter { role == .deployer || $0.readOnly }.map { "  " + $0.usage }
        return "Commands for \(environment) (\(role.rawValue)):\n" + lines.joined(separator: "\n")
    }
}
