import Foundation
import SlipwayArchive
import SlipwayOCI

/// The build context: a directory, less what `.dockerignore` excludes. Sources of COPY and ADD are found here,
/// never outside it.
public struct BuildContext: Sendable {
    public let directory: String
    public let ignore: DockerIgnore

    public init(directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BuilderError.io(path: directory, reason: "the build context must be a directory")
        }
        self.directory = (directory as NSString).standardizingPath
        // A .dockerignore that is a symlink is followed inside the context only.
        let ignoreFile = self.directory + "/" + ((try? FileSystem.resolveInRoot(self.directory, ".dockerignore")) ?? ".dockerignore")
        let text = (try? String(contentsOfFile: ignoreFile, encoding: .utf8)) ?? ""
        do {
            ignore = try DockerIgnore(parsing: text)
        } catch {
            throw BuilderError.io(path: ignoreFile, reason: "\(error)")
        }
    }

    /// A source path as written (`./src`, `src/*.c`, `/etc/conf`: always inside the context), cleaned; an error when
    /// it climbs out of the context.
    static func clean(_ path: String) throws -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else {
                    throw BuilderError.io(path: path, reason: "is outside the build context; copy only what is inside it")
                }
                parts.removeLast()
            default: parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// The context paths a source names, relative (`""` is the whole context): wildcards matched as Go's
    /// filepath.Match does, per path segment. Excluded paths are not found.
    func resolve(_ source: String) throws -> [String] {
        let cleaned = try Self.clean(source)
        if cleaned.isEmpty { return [""] }
        let hasWildcard = cleaned.contains { "*?[".contains($0) }
        // Symlinks on the way are followed as if the context were the root, so no source leads outside it; the
        // source itself, when a symlink, is copied as one.
        if !hasWildcard {
            let real = try inContext(cleaned, followFinal: false)
            guard let info = lstatInfo(real), !ignore.isExcluded(cleaned, isDirectory: info.isDirectory) else {
                throw BuilderError.io(path: source, reason: "not found in the build context (or excluded by .dockerignore)")
            }
            return [real]
        }
        var matches = [""]
        for segment in cleaned.split(separator: "/").map(String.init) {
            var next: [String] = []
            for base in matches {
                let real = try inContext(base, followFinal: true)
                let directory = real.isEmpty ? self.directory : self.directory + "/" + real
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
                for name in names.sorted() where fnmatch(segment, name, FNM_PERIOD) == 0 || segment == name {
                    next.append(real.isEmpty ? name : real + "/" + name)
                }
            }
            matches = next
        }
        matches = matches.filter { path in !ignore.isExcluded(path, isDirectory: lstatInfo(path)?.isDirectory ?? false) }
        guard !matches.isEmpty else {
            throw BuilderError.io(path: source, reason: "matches nothing in the build context (or only excluded files)")
        }
        return matches
    }

    /// A context path with its symlinks resolved inside the context.
    func inContext(_ relative: String, followFinal: Bool) throws -> String {
        do {
            return try FileSystem.resolveInRoot(directory, relative, followFinal: followFinal)
        } catch {
            throw BuilderError.io(path: relative, reason: "cannot resolve it inside the build context: \(error)")
        }
    }

    struct Info {
        var isDirectory: Bool
    }

    func lstatInfo(_ relative: String) -> Info? {
        var info = stat()
        guard lstat(relative.isEmpty ? directory : directory + "/" + relative, &info) == 0 else { return nil }
        return Info(isDirectory: info.st_mode & S_IFMT == S_IFDIR)
    }

    /// Every included file and directory under `relative` (itself first), in sorted order.
    func walk(_ relative: String) -> [String] {
        var result = [relative]
        guard lstatInfo(relative)?.isDirectory == true else { return result }
        let directory = relative.isEmpty ? self.directory : self.directory + "/" + relative
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() {
            let path = relative.isEmpty ? name : relative + "/" + name
            let isDirectory = lstatInfo(path)?.isDirectory ?? false
            if ignore.isExcluded(path, isDirectory: isDirectory) {
                // An excluded directory may still hold re-included paths (`!` patterns).
                if isDirectory, ignore.hasExceptions {
                    result += walk(path).dropFirst().filter { !ignore.isExcluded($0, isDirectory: lstatInfo($0)?.isDirectory ?? false) }
                }
                continue
            }
            result += walk(path)
        }
        return result
    }

    /// A digest of what the sources hold: every included path's name, type, mode, size and content (or link
    /// target). Times are left out, so a fresh checkout of the same commit hits the cache.
    func digest(of sources: [String]) throws -> String {
        var hasher = Digester()
        for source in sources {
            for path in walk(source) {
                let full = path.isEmpty ? directory : directory + "/" + path
                var info = stat()
                guard lstat(full, &info) == 0 else { continue }
                hasher.update(Array("\(path)\0\(info.st_mode)\0\(info.st_size)\0".utf8))
                switch info.st_mode & S_IFMT {
                case S_IFREG:
                    hasher.update(Array(Digest(of: try Data(contentsOf: URL(fileURLWithPath: full))).hex.utf8))
                case S_IFLNK:
                    hasher.update(Array(((try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "").utf8))
                default: break
                }
            }
        }
        return hasher.finalize().description
    }
}
