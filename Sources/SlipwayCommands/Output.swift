import Foundation
import SlipwayOCI

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
