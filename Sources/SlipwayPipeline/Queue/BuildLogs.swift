import Foundation
import SlipwayStore
import Synchronization

/// Each build's full log, one file per build: `$SLIPWAY_HOME/builds/logs/ID.log`.
public struct BuildLogs: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func path(_ id: Int64) -> String { "\(directory)/\(id).log" }

    public func writer(_ id: Int64) throws -> BuildLogWriter {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try BuildLogWriter(path: path(id))
    }

    /// Calls `output` with each line of a build's log as it is written, until the build ends (following the build
    /// that repeats it when it was interrupted). Returns the build as it ended.
    /// With `serverLock` (the workers lock), says once when no server runs builds, so a wait is never silent.
    public func follow(_ id: Int64, database: StateDatabase, poll: Duration = .milliseconds(200), serverLock: String? = nil,
                       output: (String) -> Void) async throws -> BuildRecord {
        var id = id
        var offset: UInt64 = 0
        var pending = Data()
        var polls = 0
        var warned = false
        func drain(final: Bool) throws {
            if let handle = FileHandle(forReadingAtPath: path(id)) {
                defer { try? handle.close() }
                try handle.seek(toOffset: offset)
                let data = handle.readDataToEndOfFile()
                offset += UInt64(data.count)
                pending.append(data)
            }
            while let newline = pending.firstIndex(of: 10) {
                output(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
            if final, !pending.isEmpty {
                output(String(decoding: pending, as: UTF8.self))
                pending = Data()
            }
        }
        while true {
            try drain(final: false)
            guard let build = try database.build(id) else { throw PipelineError("there is no build #\(id)") }
            if build.state.isFinished {
                // The worker writes its last line before it records the end: one more read has everything.
                try drain(final: true)
                if build.state == .interrupted, let next = try database.build(retrying: id)?.id {
                    output("build #\(id) was interrupted; following build #\(next), which repeats it")
                    id = next
                    offset = 0
                    continue
                }
                return build
            }
            polls += 1
            if let serverLock, !warned, polls % 25 == 0, (try? FileLock.isHeld(serverLock)) == false {
                output("no `slipway serve` is running builds now; build #\(id) goes on when one starts")
                warned = true
            }
            try await Task.sleep(for: poll)
        }
    }
}

/// Appends lines to one build's log, from any thread.
public final class BuildLogWriter: Sendable {
    private let handle: Mutex<FileHandle>

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw PipelineError("cannot create \(path)") }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw PipelineError("cannot open \(path)") }
        handle.seekToEndOfFile()
        self.handle = Mutex(handle)
    }

    public func write(_ line: String) {
        handle.withLock { $0.write(Data((line + "\n").utf8)) }
    }

    public func close() { handle.withLock { try? $0.close() } }
}
