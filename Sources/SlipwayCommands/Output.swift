import Foundation
import SlipwayOCI
import Synchronization

/// Prints a value as indented, key-sorted JSON (for `--json`).
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Writes a line to standard error: progress and notes that are not the command's output.
func note(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Writes a line to standard output at once (not buffered): lines of a log being followed.
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Sizes as people read them: `512 B`, `1.5 KiB`, `23.4 MiB`.
func formatBytes(_ count: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(count)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
}

/// A failure a command reports to the user as is.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reports progress of a long step on standard error: a line rewritten in place on a terminal, one line at the
/// end otherwise (so logs stay readable).
final class Progress {
    private let label: String
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let interactive = isatty(STDERR_FILENO) != 0
    private(set) var bytes: Int64 = 0

    init(_ label: String) { self.label = label }

    func advance(by count: Int) {
        bytes += Int64(count)
        guard interactive, Date().timeIntervalSince(lastPrint) >= 0.2 else { return }
        lastPrint = Date()
        FileHandle.standardError.write(Data("\r\(label): \(formatBytes(bytes)) \(rate())\u{1B}[K".utf8))
    }

    /// Shows a count or state in place of bytes (on a terminal only).
    func update(_ detail: String) {
        guard interactive, Date().timeIntervalSince(lastPrint) >= 0.2 else { return }
        lastPrint = Date()
        FileHandle.standardError.write(Data("\r\(label): \(detail)\u{1B}[K".utf8))
    }

    func finish(_ detail: String) {
        let seconds = Date().timeIntervalSince(start)
        let line = "\(label): \(detail) in \(String(format: "%.1f", seconds)) s"
        FileHandle.standardError.write(Data(((interactive ? "\r" : "") + line + (interactive ? "\u{1B}[K" : "") + "\n").utf8))
    }

    private func rate() -> String {
        let seconds = max(Date().timeIntervalSince(start), 0.001)
        return "(\(formatBytes(Int64(Double(bytes) / seconds)))/s)"
    }
}

/// Progress of several transfers at once. On a terminal each item has a line, redrawn in place, with its
/// bytes, size and rate, and its outcome once done; otherwise only the outcome lines are written, one each,
/// so logs stay quiet and line-oriented.
final class ProgressBoard: Sendable {
    private struct Row {
        var label: String
        var total: Int64
        var bytes: Int64 = 0
        var started = Date()
        var outcome: String?
    }

    private struct State {
        var rows: [Row] = []
        var index: [String: Int] = [:]
        var drawn = 0
        var lastDraw = Date.distantPast
    }

    private let state = Mutex(State())
    private let interactive: Bool
    private let write: @Sendable (String) -> Void

    init(interactive: Bool = isatty(STDERR_FILENO) != 0,
         write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.interactive = interactive
        self.write = write
    }

    /// Counts `count` more bytes of the item `label` of `total` bytes.
    func advance(_ label: String, total: Int64, by count: Int) {
        guard interactive else { return }
        state.withLock { state in
            let row = Self.row(label, total: total, in: &state)
            state.rows[row].bytes += Int64(count)
            if Date().timeIntervalSince(state.lastDraw) >= 0.1 { draw(&state) }
        }
    }

    /// Ends an item with its outcome line.
    func finish(_ label: String, total: Int64, outcome: String) {
        guard interactive else { return write("\(label)  \(outcome)\n") }
        state.withLock { state in
            let row = Self.row(label, total: total, in: &state)
            state.rows[row].outcome = outcome
            draw(&state)
        }
    }

    private static func row(_ label: String, total: Int64, in state: inout State) -> Int {
        if let row = state.index[label] { return row }
        state.rows.append(Row(label: label, total: total))
        state.index[label] = state.rows.count - 1
        return state.rows.count - 1
    }

    private func draw(_ state: inout State) {
        var text = state.drawn > 0 ? "\u{1B}[\(state.drawn)A" : ""
        for row in state.rows {
            text += "\r\(row.label)  " + (row.outcome ?? Self.live(row)) + "\u{1B}[K\n"
        }
        write(text)
        state.drawn = state.rows.count
        state.lastDraw = Date()
    }

    private static func live(_ row: Row) -> String {
        let bytes = min(row.bytes, row.total)
        let seconds = max(Date().timeIntervalSince(row.started), 0.001)
        let percent = row.total > 0 ? Int(bytes * 100 / row.total) : 100
        return "\(formatBytes(bytes)) / \(formatBytes(row.total)) \(percent)%  \(formatBytes(Int64(Double(bytes) / seconds)))/s"
    }
}

/// The absolute path of the running `slipway`, for what calls it back: git hooks, and the forced command of an SSH key
/// (sshd runs it with a bare PATH).
func currentExecutable() throws -> String {
    guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
        throw CommandError("cannot find the slipway executable (/proc/self/exe)")
    }
    return path
}
