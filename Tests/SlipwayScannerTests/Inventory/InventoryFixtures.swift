import Foundation
import SlipwayScanner
import Testing

/// A failure of the test setup (a missing tool, a command that failed), with a message that says what to do.
struct SetupError: Error, CustomStringConvertible, Sendable {
    var description: String
}

/// The bytes of `Fixtures/<relative>`.
func fixture(_ relative: String) throws -> Data {
    guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
        throw SetupError(description: "the Fixtures resource folder is missing from the test bundle")
    }
    return try Data(contentsOf: root.appendingPathComponent(relative))
}

/// Catalogs a fixture as if it were the image file at `imagePath`.
func catalogFixture(_ relative: String, as imagePath: String, osRelease: OSRelease? = nil) throws -> CatalogResult {
    Catalogers.catalog(path: imagePath, contents: try fixture(relative), osRelease: osRelease)
}

/// The package called `name` (and, when given, of version `version`), or nil.
func find(_ packages: [InstalledPackage], _ name: String, _ version: String? = nil) -> InstalledPackage? {
    packages.first { $0.name == name && (version == nil || $0.version == version) }
}

/// The full path of a program on PATH, or a failure naming the Debian package that brings it.
func tool(_ name: String, debianPackage: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw SetupError(description: "`\(name)` is not installed; these tests need it: "
        + "apt-get install -y --no-install-recommends \(debianPackage)")
}

/// Runs a program and returns its standard output; throws with its standard error when it fails.
@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: URL? = nil,
         environment: [String: String] = [:]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var merged = ProcessInfo.processInfo.environment
    for (key, value) in environment { merged[key] = value }
    process.environment = merged
    let output = Pipe()
    let errorFile = FileManager.default.temporaryDirectory
        .appendingPathComponent("slipway-inventory-stderr-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    let errors = try FileHandle(forWritingTo: errorFile)
    defer { try? errors.close() }
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        throw SetupError(description: "\(executable) \(arguments.joined(separator: " ")) exited with "
            + "\(process.terminationStatus): \(stderr)")
    }
    return String(decoding: outputData, as: UTF8.self)
}

/// A fresh temporary directory; the caller removes it.
func temporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("slipway-inventory-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func write(_ text: String, to url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
}

/// CRC-32 (IEEE), for zips made by hand in the tests.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 {
            crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
        }
    }
    return ~crc
}

/// A zip of stored entries, written byte by byte, for names and layouts that `zip` will not make.
func makeStoredZip(_ entries: [(name: String, data: [UInt8])], prefix: [UInt8] = []) -> Data {
    var out: [UInt8] = prefix
    var directory: [UInt8] = []
    func le16(_ value: Int, into buffer: inout [UInt8]) {
        buffer += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)]
    }
    func le32(_ value: UInt32, into buffer: inout [UInt8]) {
        buffer += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }
    let base = prefix.count
    for entry in entries {
        let offset = out.count - base
        let name = Array(entry.name.utf8)
        let crc = crc32(entry.data)
        le32(0x0403_4B50, into: &out)
        le16(20, into: &out); le16(0x0800, into: &out); le16(0, into: &out); le16(0, into: &out); le16(0, into: &out)
        le32(crc, into: &out); le32(UInt32(entry.data.count), into: &out); le32(UInt32(entry.data.count), into: &out)
        le16(name.count, into: &out); le16(0, into: &out)
        out += name + entry.data
        le32(0x0201_4B50, into: &directory)
        le16(0x031E, into: &directory); le16(20, into: &directory); le16(0x0800, into: &directory)
        le16(0, into: &directory); le16(0, into: &directory); le16(0, into: &directory)
        le32(crc, into: &directory); le32(UInt32(entry.data.count), into: &directory)
        le32(UInt32(entry.data.count), into: &directory)
        le16(name.count, into: &directory); le16(0, into: &directory); le16(0, into: &directory)
        le16(0, into: &directory); le16(0, into: &directory); le32(0o100644 << 16, into: &directory)
        le32(UInt32(offset), into: &directory)
        directory += name
    }
    let directoryOffset = out.count - base
    out += directory
    le32(0x0605_4B50, into: &out)
    le16(0, into: &out); le16(0, into: &out); le16(entries.count, into: &out); le16(entries.count, into: &out)
    le32(UInt32(directory.count), into: &out); le32(UInt32(directoryOffset), into: &out); le16(0, into: &out)
    return Data(out)
}
