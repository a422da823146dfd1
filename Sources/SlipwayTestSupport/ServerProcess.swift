import Foundation

/// A `slipway serve` process on a free loopback port, with its own temporary home; stopped (SIGTERM) when
/// released.
public final class ServerProcess: @unchecked Sendable {
    public let home: TemporaryDirectory
    /// `127.0.0.1:PORT`
    public let address: String
    private let process: Process
    private let logPath: String

    /// `home`: another server's, to start again on its state (after `kill()`).
    public init(arguments: [String] = [], environment: [String: String] = [:], home: TemporaryDirectory? = nil) throws {
        self.home = home ?? TemporaryDirectory("slipway-server")
        logPath = self.home("server-\(UUID().uuidString.prefix(8)).log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: slipwayExecutable)
        process.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["SLIPWAY_HOME": self.home("home")].merging(environment) { $1 }) { $1 }
        process.standardError = log
        process.standardOutput = log
        try process.run()

        let deadline = Date().addingTimeInterval(30)
        var found: String?
        while found == nil, Date() < deadline, process.isRunning {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"registry listening on 127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                found = String(text[range].dropFirst("registry listening on ".count))
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let found else {
            process.terminate()
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw ServerError(message: "slipway serve did not start within 30 s: \(text)")
        }
        address = found
    }

    deinit {
        if process.isRunning { _ = stop() }
    }

    /// What the server has printed so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Kills the server at once (SIGKILL), as a crash or an OOM kill would.
    public func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the server with SIGTERM and returns its exit status; one that has not stopped after 15 s is
    /// killed (and the status says so).
    public func stop() -> Int32 {
        process.terminate()
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public struct ServerError: Error, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }
}

/// Fails with a message that says how to get `tool`, rather than skipping: the test scripts install every
/// tool the tests use, so a missing one is a broken setup, not a reason to pass.
public func requireTool(_ tool: String) throws {
    guard which(tool) != nil else {
        throw ToolMissing(tool: tool)
    }
}

struct ToolMissing: Error, CustomStringConvertible {
    let tool: String
    var description: String { "\(tool) is not installed; run scripts/test, which installs what the tests need" }
}

/// Whether a Docker engine answers on the default socket.
public func dockerIsRunning() -> Bool {
    (try? run(["docker", "info", "--format", "{{.ServerVersion}}"]).status) == 0
}

/// A helper program running beside a test (a proxy, a web server), killed when released. SIGKILL, because a
/// child spawned from a test thread may inherit a signal mask that blocks SIGTERM.
public final class BackgroundProcess: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()

    /// Starts `arguments` (looked up on PATH) and, when `readyLine` is given, waits for it on standard output (and
    /// standard error, with `readyOnStandardError`).
    public init(_ arguments: [String], readyLine: String? = nil, readyOnStandardError: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = readyOnStandardError ? output : FileHandle(forWritingAtPath: "/dev/null")
        // Not the test's own standard input: a program like ssh would set it non-blocking under the test's feet.
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        if let readyLine {
            var seen = ""
            while !seen.contains(readyLine) {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { throw ServerProcess.ServerError(message: "\(arguments[0]) exited before it was ready") }
                seen += String(decoding: data, as: UTF8.self)
            }
        }
    }

    /// Waits for the program to end by itself and returns the rest of what it printed.
    public func finish(timeout: TimeInterval = 60) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
