import Foundation
import Testing

@testable import SlipwayBuilder

/// Helpers shared by the Dockerfile tests.
enum DockerfileTestSupport {
    struct MissingInstruction: Error {}

    /// Parses `FROM scratch` followed by `text` and returns the body of the last instruction.
    static func body(_ text: String) throws -> DockerfileInstruction.Body {
        let dockerfile = try DockerfileParser.parse("FROM scratch\n" + text)
        guard let last = dockerfile.instructions.last else { throw MissingInstruction() }
        return last.body
    }

    /// The error the parser reports for `text`, or nil when it parses.
    static func parseError(_ text: String, file: String = "Dockerfile") -> DockerfileError? {
        do {
            _ = try DockerfileParser.parse(text, file: file)
            return nil
        } catch let error as DockerfileError {
            return error
        } catch {
            Issue.record("unexpected error type \(type(of: error)): \(error)")
            return nil
        }
    }

    /// The text of a file in `Fixtures`.
    static func fixture(_ name: String) throws -> String {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
    }

    /// A new empty directory under the system temporary directory.
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("slipway-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Creates files (with content `x`) and directories (paths ending in `/`) under `root`, and symbolic links
    /// given as `link -> target`.
    static func makeTree(_ entries: [String], in root: URL) throws {
        let manager = FileManager.default
        for entry in entries {
            if let arrow = entry.range(of: " -> ") {
                let link = root.appendingPathComponent(String(entry[..<arrow.lowerBound]))
                try manager.createSymbolicLink(
                    atPath: link.path, withDestinationPath: String(entry[arrow.upperBound...]))
            } else if entry.hasSuffix("/") {
                try manager.createDirectory(
                    at: root.appendingPathComponent(entry), withIntermediateDirectories: true)
            } else {
                let file = root.appendingPathComponent(entry)
                try manager.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data("x\n".utf8).write(to: file)
            }
        }
    }

    /// The expected value of an instruction body in a table, printed on failure.
    struct Case: CustomTestStringConvertible, Sendable {
        var source: String
        var expected: DockerfileInstruction.Body

        init(_ source: String, _ expected: DockerfileInstruction.Body) {
            self.source = source
            self.expected = expected
        }

        var testDescription: String { source }
    }
}
