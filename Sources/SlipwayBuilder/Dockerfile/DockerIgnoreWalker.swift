import Foundation

/// A path of the build context that is sent to the build.
public struct DockerContextEntry: Equatable, Hashable, Sendable {
    /// The path relative to the context root, `/`-separated.
    public var path: String
    /// True for directories (symbolic links are never followed, and count as files).
    public var isDirectory: Bool

    /// Creates an entry.
    public init(path: String, isDirectory: Bool) {
        self.path = path
        self.isDirectory = isDirectory
    }
}

extension DockerIgnore {
    /// Reads the `.dockerignore` at the root of a context directory; no file means no rules.
    ///
    /// - Throws: the file's read error or a `DockerIgnoreError`.
    public init(contextDirectory: URL, dialect: Dialect = .buildah) throws {
        let file = contextDirectory.appendingPathComponent(".dockerignore")
        guard FileManager.default.fileExists(atPath: file.path) else {
            try self.init(parsing: "", dialect: dialect)
            return
        }
        let data = try Data(contentsOf: file)
        try self.init(parsing: String(decoding: data, as: UTF8.self), dialect: dialect)
    }

    /// The files (everything that is not a directory, symbolic links included) of a context directory that are
    /// not excluded, as relative paths sorted by their UTF-8 bytes.
    ///
    /// Excluded directories are still walked when an exception may re-include something inside them (see the
    /// dialects in `DockerIgnore`).
    public func includedFiles(in contextDirectory: URL) throws -> [String] {
        try includedEntries(in: contextDirectory).filter { !$0.isDirectory }.map(\.path)
    }

    /// The files and directories of a context directory that are sent to the build, sorted by path bytes.
    /// An excluded directory is not listed even when paths below it are.
    public func includedEntries(in contextDirectory: URL) throws -> [DockerContextEntry] {
        var entries: [DockerContextEntry] = []
        try walk(contextDirectory.path, relative: nil, into: &entries)
        return entries.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
    }

    private func walk(_ directory: String, relative: String?, into entries: inout [DockerContextEntry]) throws {
        let manager = FileManager.default
        let names = try manager.contentsOfDirectory(atPath: directory)
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for name in names {
            let path = relative.map { "\($0)/\(name)" } ?? name
            let absolute = directory + "/" + name
            let attributes = try manager.attributesOfItem(atPath: absolute)
            let isDirectory = (attributes[.type] as? FileAttributeType) == .typeDirectory
            let scalars = Array(path.unicodeScalars)
            let excluded = matches(scalars)
            if isDirectory {
                if !excluded { entries.append(DockerContextEntry(path: path, isDirectory: true)) }
                if !excluded || entersExcludedDirectory(scalars) {
                    try walk(absolute, relative: path, into: &entries)
                }
            } else if !excluded {
                entries.append(DockerContextEntry(path: path, isDirectory: false))
            }
        }
    }
}
