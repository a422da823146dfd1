import Foundation

/// A directory under /tmp that is removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "slipway-test") {
        let template = NSTemporaryDirectory() + "\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        let result = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil, "mkdtemp failed: \(errno)")
        path = String(cString: result!)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/relative`.
    public func callAsFunction(_ relative: String) -> String { path + "/" + relative }

    /// Writes a file, creating its directories.
    public func write(_ relative: String, _ contents: String, mode: Int = 0o644) throws {
        let file = self(relative)
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        chmod(file, mode_t(mode))
    }
}

/// What a finished process printed and how it exited.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a program to completion and captures its output. `arguments[0]` is the program (a path, or a name
/// looked up on PATH).
@discardableResult
public func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
                input: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let stdin = Pipe()
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try? stdin.fileHandleForWriting.close()
    // Drain both pipes concurrently so a chatty process cannot block on a full pipe.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// The full path of a program on PATH, or nil.
public func which(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// The `slipway` executable built beside the test bundle.
public var slipwayExecutable: String {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidates = [bundle.appendingPathComponent("slipway").path]
    // `swift test` runs the bundle from .build/<triple>/debug; the executable is in the same directory.
    for item in Bundle.allBundles { candidates.append(item.bundleURL.deletingLastPathComponent().appendingPathComponent("slipway").path) }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
}

/// The bytes of a file.
public func readFile(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// A path inside the project's shared data, e.g. `sharedData("vulndata/osv")`: `$SLIPWAY_SHARED` when set, else the
/// first `shared` folder holding DESIGN.md beside the repository or beside one of its parent folders, else
/// `/work/shared`.
public func sharedData(_ relative: String) -> String {
    if let root = ProcessInfo.processInfo.environment["SLIPWAY_SHARED"], !root.isEmpty { return root + "/" + relative }
    // Sources/SlipwayTestSupport/TestSupport.swift → the repository, then each folder above it.
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    while folder.path != "/" {
        let candidate = folder.deletingLastPathComponent().appendingPathComponent("shared")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("DESIGN.md").path) {
            return candidate.appendingPathComponent(relative).path
        }
        folder = folder.deletingLastPathComponent()
    }
    return "/work/shared/" + relative
}
