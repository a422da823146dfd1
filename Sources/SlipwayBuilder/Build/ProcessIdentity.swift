import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process named so that the name outlives the process safely: `<pid>.<start time>`, the start time
/// being field 22 of `/proc/<pid>/stat` (clock ticks after boot). A pid alone is not enough: with
/// `pid_max` at 32768 a busy host hands a dead process's pid to a new one within seconds, and a step
/// directory of the dead would then look alive forever.
enum ProcessIdentity {
    static let current: String = identity(of: getpid())

    static func identity(of pid: pid_t) -> String {
        "\(pid).\(startTime(of: pid) ?? 0)"
    }

    /// Whether the process `identity` names still runs: its pid exists, is not a zombie, and started
    /// when the identity says. A bare pid (an older name) is checked by pid alone.
    static func isAlive(_ identity: Substring) -> Bool {
        let parts = identity.split(separator: ".", maxSplits: 1)
        guard let first = parts.first, let pid = pid_t(first) else { return false }
        guard let stat = self.stat(of: pid) else { return false }  // no such process
        if stat.state == "Z" || stat.state == "X" { return false }
        guard parts.count == 2 else { return true }
        return UInt64(parts[1]) == stat.startTime
    }

    static func startTime(of pid: pid_t) -> UInt64? {
        stat(of: pid)?.startTime
    }

    /// State and start time from `/proc/<pid>/stat`. The command name (field 2) is in parentheses and
    /// may itself contain spaces or parentheses, so fields are counted after the last `)`.
    private static func stat(of pid: pid_t) -> (state: Character, startTime: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        return (state, start)
    }
}
