import ArgumentParser
import Foundation
import SlipwayConfig
import SlipwayDeploy
import SlipwayStore

/// What the deploy commands share: the configuration file and the state in $SLIPWAY_HOME.
struct DeployOptions: ParsableArguments {
    @Option(help: "The configuration file (default: $SLIPWAY_HOME/slipway.yml).")
    var config: String?

    var home: SlipwayHome { SlipwayHome.fromEnvironment() }

    func loadConfig() throws -> SlipwayConfig {
        try SlipwayConfig.load(path: config ?? home.path + "/slipway.yml")
    }

    func database() throws -> StateDatabase {
        try home.createIfNeeded()
        return try home.database()
    }

    /// The environment named, or the one implied; a usage error (exit 2) naming the choices otherwise.
    func environment(_ named: String?, in config: SlipwayConfig) throws -> String {
        do {
            return try EnvironmentChoice.resolve(named, config: config)
        } catch let error as EnvironmentError {
            throw ValidationError(error.description)
        }
    }
}

/// Times in the operator's local zone, to the second: `2021-08-08T08:08:08`.
func localTimestamp(_ date: Date = Date()) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
    return formatter.string(from: date)
}

/// How long ago, as people say it: `5s`, `3m`, `2h`, `4d`.
func age(of date: Date, now: Date = Date()) -> String {
    let seconds = max(0, Int(now.timeIntervalSince(date)))
    switch seconds {
    case ..<60: return "\(seconds)s"
    case ..<3600: return "\(seconds / 60)m"
    case ..<86400: return "\(seconds / 3600)h"
    default: return "\(seconds / 86400)d"
    }
}

/// Left-aligned columns separated by two spaces.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
