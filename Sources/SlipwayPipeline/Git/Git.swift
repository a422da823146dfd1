import Foundation

/// The `git` program, run with an environment of its own. Credentials reach it through that environment
/// (GIT_ASKPASS and a token file, or GIT_SSH_COMMAND and a key file), never through its arguments.
public struct Git: Sendable {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// `SLIPWAY_GIT` or `/usr/bin/git`.
    public var executable: String
    /// Added to the inherited environment.
    public var environment: [String: String]
    /// Hides secrets in what git prints before it reaches a log or an error.
    public var redact: @Sendable (String) -> String

    public init(environment: [String: String] = [:], redact: @escaping @Sendable (String) -> String = { $0 }) {
        executable = ProcessInfo.processInfo.environment["SLIPWAY_GIT"] ?? "/usr/bin/git"
        self.environment = environment
        self.redact = redact
    }

    /// Runs git; `stderrLine` gets each line of its progress as it comes (already redacted).
    public func run(_ arguments: [String], directory: String? = nil, stderrLine: (@Sendable (String) -> Void)? = nil) throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw PipelineError("\(executable) is missing; install Debian's git package")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"  // never wait for a password on a terminal
        environment["LC_ALL"] = "C"
        for (key, value) in self.environment { environment[key] = value }
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let collected = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            collected.stdout = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        let redact = self.redact
        DispatchQueue.global().async {
            var all = Data(), pending = Data()
            while true {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                all.append(chunk)
                pending.append(chunk)
                // Progress lines end in \r or \n.
                while let end = pending.firstIndex(where: { $0 == 10 || $0 == 13 }) {
                    let line = String(decoding: pending[pending.startIndex..<end], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...end)
                    if !line.isEmpty { stderrLine?(redact(line)) }
                }
            }
            if !pending.isEmpty { stderrLine?(redact(String(decoding: pending, as: UTF8.self))) }
            collected.stderr = all
            group.leave()
        }
        do {
            try process.run()
        } catch {
            // The readers end when the write ends close.
            try? out.fileHandleForWriting.close()
            try? err.fileHandleForWriting.close()
            group.wait()
            throw PipelineError("cannot run \(executable): \(error)")
        }
        process.waitUntilExit()
        group.wait()
        let stderr = redact(String(decoding: collected.stderr, as: UTF8.self)).trimmingCharacters(in: .whitespacesAndNewlines)
        return Output(status: process.terminationStatus, stdout: collected.stdout, stderr: stderr)
    }

    /// Runs git and returns its output, or throws with `what` and git's own message.
    public func check(_ arguments: [String], directory: String? = nil, what: String,
                      stderrLine: (@Sendable (String) -> Void)? = nil) throws -> Output {
        let output = try run(arguments, directory: directory, stderrLine: stderrLine)
        guard output.status == 0 else {
            let message = output.stderr.split(separator: "\n").suffix(6).joined(separator: "\n")
            throw PipelineError("\(what) failed (git exit status \(output.status))" + (message.isEmpty ? "" : ": \(message)"))
        }
        return output
    }
}

private final class Collected: @unchecked Sendable {
    var stdout = Data()
    var stderr = Data()
}
