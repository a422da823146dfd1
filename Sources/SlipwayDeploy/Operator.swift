import Foundation
import SlipwayConfig

/// Who is acting, for audit records: `SLIPWAY_ACTOR` (set by the SSH forced command to the key's name), else the
/// user name, with the SSH client's address when the session came over SSH.
public enum Operator {
    public static func current(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let actor = environment["SLIPWAY_ACTOR"], !actor.isEmpty { return actor }
        let user = environment["USER"] ?? environment["LOGNAME"] ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) }
            ?? "uid \(getuid())"
        if let client = environment["SSH_CONNECTION"]?.split(separator: " ").first {
            return "\(user) from \(client)"
        }
        return user
    }
}

/// Which environment a command acts on when none is named: the one an SSH key is bound to
/// (`SLIPWAY_KEY_ENV`, set by its forced command), else `SLIPWAY_ENV`, else the only one in the config.
public enum EnvironmentChoice {
    public static func resolve(_ named: String?, config: SlipwayConfig,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        let choices = config.environments.keys.sorted()
        if let bound = environment["SLIPWAY_KEY_ENV"], !bound.isEmpty {
            // A key bound to one environment may not act on another.
            if let named, named != bound { throw EnvironmentError.notPermitted(named, bound: bound) }
            return bound
        }
        guard let name = named ?? environment["SLIPWAY_ENV"].flatMap({ $0.isEmpty ? nil : $0 }) ?? (choices.count == 1 ? choices[0] : nil)
        else { throw EnvironmentError.unspecified(choices: choices) }
        guard config.environments[name] != nil else { throw EnvironmentError.unknown(name, choices: choices) }
        return name
    }
}

public enum EnvironmentError: Error, CustomStringConvertible, Equatable {
    case unspecified(choices: [String])
    case unknown(String, choices: [String])
    case notPermitted(String, bound: String)

    public var description: String {
        switch self {
        case .unspecified(let choices):
            return choices.isEmpty
                ? "no environments are configured; add one under `environments:` in slipway.yml"
                : "name an environment (or set SLIPWAY_ENV): one of \(choices.joined(separator: ", "))"
        case .unknown(let name, let choices):
            return "unknown environment '\(name)'" + (choices.isEmpty ? "; none are configured in slipway.yml" : "; configured: \(choices.joined(separator: ", "))")
        case .notPermitted(let name, let bound):
            return "this key may deploy to \(bound) only, not \(name)"
        }
    }
}
