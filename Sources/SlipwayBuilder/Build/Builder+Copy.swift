import Foundation
import SlipwayArchive
import SlipwayOCI

extension Builder {
    /// COPY and ADD: the sources (from the context, another stage, an image, or heredocs) written through an overlay
    /// of the stage — no container — so existing directories keep their owners and the kernel records what changed.
    func copyStep(_ copy: DockerfileCopy, isAdd: Bool, stage: inout Stage, step: Int, createdBy: String,
                  built: [Int: Stage], stages: DockerfileStages, context: BuildContext, request: BuildRequest,
                  start: Date) async throws {
        var fromStage: Stage?
        if let from = copy.from {
            if let stage = try stageReference(from, stages: stages, built: built) {
                fromStage = stage
            } else {
                let image = try await pull(from)
                fromStage = try imageStage(image, index: -1, name: nil, key: image.descriptor.digest)
            }
        }
        let allPaths = copy.sources.compactMap { if case .path(let path) = $0 { path } else { nil } }
        for path in allPaths where path.hasPrefix("git@") || (RemoteSource.isRemote(path) && (path.hasSuffix(".git") || path.contains(".git#"))) {
            throw BuilderError.runtime(reason: "\(createdBy): ADD of a git repository is not supported; clone it in a RUN step")
        }
        if !isAdd, let url = allPaths.first(where: RemoteSource.isRemote) {
            throw BuilderError.runtime(reason: "\(createdBy): COPY cannot take a URL (\(url)); use ADD")
        }
        let paths = allPaths.filter { !RemoteSource.isRemote($0) }
        var remotes: [RemoteSource] = []
        defer { for remote in remotes { unlink(remote.file) } }
        for url in allPaths where RemoteSource.isRemote(url) {
            remotes.append(try await RemoteSource.download(url, into: root + "/downloads", checksum: copy.checksum, step: createdBy))
        }
        var contentParts: [String] = remotes.map { "url:\($0.url):\($0.digest)" }
        var contextSources: [String] = []
        if let fromStage {
            contentParts += ["from:\(fromStage.key)"] + paths
        } else if !paths.isEmpty {
            contextSources = try paths.flatMap { try context.resolve($0) }
            contentParts += [try context.digest(of: contextSources)]
        }
        var environment = stage.environment
        for (name, value) in stage.arguments where environment[name] == nil { environment[name] = value }
        let heredocs: [(name: String, content: String)] = copy.sources.compactMap {
            if case .heredoc(let heredoc) = $0 { (heredoc.name, heredoc.content) } else { nil }
        }
        contentParts += heredocs.map { "heredoc:\($0.name):\(Digest(of: Array($0.content.utf8)))" }
        let wildcard = paths.contains { $0.contains { "*?[".contains($0) } }
        let destinationIsDirectory = copy.destination.hasSuffix("/") || copy.sources.count > 1 || wildcard
        let destination = Self.absolute(copy.destination, relativeTo: stage.config.workingDir)
        let mode = try copy.chmod.map { text -> mode_t in
            guard let value = mode_t(text, radix: 8), value <= 0o7777 else {
                throw BuilderError.runtime(reason: "\(createdBy): --chmod=\(text) is not an octal mode")
            }
            return value
        }
        // --exclude patterns (.dockerignore syntax) match paths relative to each source.
        let excludes: DockerIgnore?
        do {
            excludes = copy.excludes.isEmpty ? nil : try DockerIgnore(parsing: copy.excludes.joined(separator: "\n"), dialect: .docker)
        } catch {
            throw BuilderError.runtime(reason: "\(createdBy): --exclude: \(error)")
        }
        if copy.parents, copy.from != nil {
            throw BuilderError.runtime(reason: "\(createdBy): --parents with --from is not supported; copy the paths one by one")
        }
        if copy.parents, let pivot = paths.first(where: { ($0.hasPrefix("./") ? String($0.dropFirst(2)) : $0).contains("/./") }) {
            throw BuilderError.runtime(reason: "\(createdBy): --parents with a ./ pivot (\(pivot)) is not supported; name the path from the context's top")
        }
        let parts = [isAdd ? "ADD" : "COPY", destination, destinationIsDirectory ? "dir" : "path", copy.chown ?? "",
                     copy.chmod ?? "", copy.parents ? "parents" : ""] + copy.excludes.map { "exclude:" + $0 } + contentParts
        /// Whether a path under `root` (a source being copied) survives --exclude.
        @Sendable func kept(_ path: String, under root: String) -> Bool {
            guard let excludes, path != root else { return true }
            let relative = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : (path as NSString).lastPathComponent
            let isDirectory = (try? FileSystem.lstatOrNil(path)).flatMap { $0 }.map(FileSystem.isDirectory) ?? false
            return !excludes.isExcluded(relative, isDirectory: isDirectory)
        }
        let chown = copy.chown
        try layerStep(&stage, step: step, parts: parts, createdBy: createdBy, start: start, noCache: request.noCache) { stage in
            try withOverlay(stage) { merged in
                let owner = try chown.map { try UserDatabase(root: merged).resolve($0) } ?? .init(uid: 0, gid: 0, groups: [])
                var writer = TreeCopier(merged: merged, uid: owner.uid, gid: owner.gid, mode: mode)
                if let fromStage {
                    let view = try readOnlyView(of: fromStage)
                    defer { Self.discard(view) }
                    for path in paths {
                        // Symlinks in the stage lead only within the stage.
                        let source = view.target + "/" + (try FileSystem.resolveInRoot(view.target, try BuildContext.clean(path), followFinal: false))
                        guard FileManager.default.fileExists(atPath: source) || (try? FileSystem.lstatOrNil(source)) != nil else {
                            throw BuilderError.io(path: path, reason: "not found in stage \(copy.from ?? "")")
                        }
                        guard kept(source, under: (source as NSString).deletingLastPathComponent) else { continue }
                        try writer.copy(source, to: destination, intoDirectory: destinationIsDirectory) { kept($0, under: source) }
                    }
                } else {
                    for relative in contextSources {
                        let source = relative.isEmpty ? context.directory : context.directory + "/" + relative
                        let included = Set(context.walk(relative))
                        let prefix = context.directory + "/"
                        if isAdd, let archive = try Self.localArchive(source) {
                            let root = try writer.inImage(destination)
                            try writer.makeDirectories(root)
                            let extractor = try Extractor(root: merged + root)
                            try extractor.extractLayer(archive)
                            continue
                        }
                        // A file named by a wildcard is matched by its own name; a directory's entries below it.
                        guard kept(source, under: (source as NSString).deletingLastPathComponent) else { continue }
                        var target = destination
                        var intoDirectory = destinationIsDirectory
                        if copy.parents {
                            // The source keeps its path from the context's top under the destination.
                            let isDirectory = (try FileSystem.lstatOrNil(source)).map(FileSystem.isDirectory) ?? false
                            target = (destination == "/" ? "" : destination) + "/" + (isDirectory ? relative : (relative as NSString).deletingLastPathComponent)
                            intoDirectory = !isDirectory
                        }
                        try writer.copy(source, to: target, intoDirectory: intoDirectory) { path in
                            (path == source || included.contains(String(path.dropFirst(prefix.count)))) && kept(path, under: source)
                        }
                    }
                }
                for remote in remotes {
                    try writer.download(remote, to: destinationIsDirectory ? destination + "/" + remote.fileName : destination)
                }
                for heredoc in heredocs {
                    let target = destinationIsDirectory || heredocs.count > 1 ? destination + "/" + heredoc.name : destination
                    try writer.write(Array(heredoc.content.utf8), to: target)
                }
            }
        }
    }

    /// ADD unpacks local tar archives instead of copying them: plain, gzip, and — through Debian's xz, bzip2 and zstd
    /// programs — xz, bzip2 and zstd, the compressions Docker recognises by their first bytes.
    static func localArchive(_ path: String) throws -> (any ByteReader)? {
        guard let info = try FileSystem.lstatOrNil(path), info.st_mode & S_IFMT == S_IFREG else { return nil }
        let reader = try FileReader(path: path)
        let head = try reader.read(upTo: 512)
        if head.starts(with: [0x1F, 0x8B]) { return try GzipReader(try FileReader(path: path)) }
        if head.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return try DecompressingReader(program: "xz", file: path) }
        if head.starts(with: Array("BZh".utf8)) { return try DecompressingReader(program: "bzip2", file: path) }
        if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return try DecompressingReader(program: "zstd", file: path) }
        if head.count >= 262, Array(head[257..<262]) == Array("ustar".utf8) { return try FileReader(path: path) }
        return nil
    }
}

/// A compressed file read through its decompressor (`xz -dc FILE`): its output as a stream, its failure an error
/// naming the file.
final class DecompressingReader: ByteReader {
    private let process = Process()
    private let output: FileHandle
    private let errors = Pipe()
    private let file: String
    private let program: String

    init(program: String, file: String) throws {
        self.program = program
        self.file = file
        let path = "/usr/bin/" + program
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BuilderError.io(path: file, reason: "\(program)-compressed, and \(path) is missing (Debian: \(program == "xz" ? "xz-utils" : program))")
        }
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-dc", "--", file]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = errors
        output = pipe.fileHandleForReading
        try process.run()
    }

    func read(upTo maxLength: Int) throws -> [UInt8] {
        let data = try output.read(upToCount: maxLength) ?? Data()
        if data.isEmpty {
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw BuilderError.io(path: file, reason: "\(program) could not decompress it: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
        }
        return [UInt8](data)
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// Copies files into the merged view of a stage with COPY's rules: a directory's contents (not the directory),
/// file modes and times kept, owners set to `uid:gid`, missing parents created 0755.
struct TreeCopier {
    let merged: String
    let uid: UInt32
    let gid: UInt32
    let mode: mode_t?

    /// `mkdir -p` inside the image: links on the way are followed inside it, never onto the host.
    func makeDirectories(_ path: String) throws {
        var current = ""
        for part in try inImage(path).split(separator: "/") {
            current += "/" + part
            let full = merged + current
            if (try FileSystem.lstatOrNil(full)) == nil {
                guard mkdir(full, 0o755) == 0 else { throw BuilderError.io(path: current, reason: String(cString: strerror(errno))) }
                chown(full, uid, gid)
            }
        }
    }

    /// A path in the image with its symlinks followed inside the image (as the container would see it): `/app` that
    /// links to `/srv` means `/srv`, and nothing leads out of `merged` onto the host.
    func inImage(_ path: String, followFinal: Bool = true) throws -> String {
        do {
            return "/" + (try FileSystem.resolveInRoot(merged, path, followFinal: followFinal))
        } catch {
            throw BuilderError.io(path: path, reason: "cannot resolve it inside the image: \(error)")
        }
    }

    /// The parent followed inside the image, the last component kept (it is replaced, not followed).
    func inImageParent(_ path: String) throws -> String {
        let parent = try inImage((path as NSString).deletingLastPathComponent)
        return (parent == "/" ? "" : parent) + "/" + (path as NSString).lastPathComponent
    }

    mutating func copy(_ source: String, to destination: String, intoDirectory: Bool, include: (String) -> Bool) throws {
        guard let info = try FileSystem.lstatOrNil(source) else { throw BuilderError.io(path: source, reason: "not found") }
        if FileSystem.isDirectory(info) {
            let directory = try inImage(destination)
            try makeDirectories(directory)
            try copyContents(of: source, to: directory, include: include)
            return
        }
        let followed = try inImage(destination)
        let existing = try FileSystem.lstatOrNil(merged + followed)
        let target: String
        if intoDirectory || destination.hasSuffix("/") || existing.map(FileSystem.isDirectory) == true {
            try makeDirectories(followed)
            target = (followed == "/" ? "" : followed) + "/" + (source as NSString).lastPathComponent
        } else {
            target = try inImageParent(destination)
            try makeDirectories((target as NSString).deletingLastPathComponent)
        }
        try copyEntry(source, info: info, to: target)
    }

    func copyContents(of directory: String, to destination: String, include: (String) -> Bool) throws {
        for name in try FileSystem.list(directory).sorted() {
            let source = directory + "/" + name
            guard include(source), let info = try FileSystem.lstatOrNil(source) else { continue }
            let target = (destination == "/" ? "" : destination) + "/" + name
            try copyEntry(source, info: info, to: target)
            if FileSystem.isDirectory(info) { try copyContents(of: source, to: target, include: include) }
        }
    }

    func copyEntry(_ source: String, info: stat, to target: String) throws {
        let full = merged + target
        if let existing = try FileSystem.lstatOrNil(full), !(FileSystem.isDirectory(existing) && FileSystem.isDirectory(info)) {
            try FileSystem.removeTree(full)
        }
        let permissions = mode ?? (mode_t(info.st_mode) & 0o7777)
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            if (try FileSystem.lstatOrNil(full)) == nil, mkdir(full, 0o700) != 0 {
                throw BuilderError.io(path: target, reason: String(cString: strerror(errno)))
            }
        case S_IFLNK:
            guard symlink(try FileSystem.readLink(source), full) == 0 else {
                throw BuilderError.io(path: target, reason: String(cString: strerror(errno)))
            }
            lchown(full, uid, gid)
            return
        case S_IFREG:
            do {
                try FileSystem.copyFile(source, to: full)
            } catch {
                throw BuilderError.io(path: target, reason: "cannot copy \(source): \(error)")
            }
        default:
            return  // devices, fifos and sockets are not copied from a context
        }
        chown(full, uid, gid)
        chmod(full, permissions)
        try FileSystem.setTimes(full, seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int32(info.st_mtim.tv_nsec))
    }

    /// A downloaded file (ADD URL): 0600 (or --chmod), owned by `uid:gid`, dated by its Last-Modified.
    func download(_ remote: RemoteSource, to path: String) throws {
        let target = try inImageParent(path)
        try makeDirectories((target as NSString).deletingLastPathComponent)
        let full = merged + target
        if let existing = try FileSystem.lstatOrNil(full) {
            guard !FileSystem.isDirectory(existing) else {
                throw BuilderError.io(path: target, reason: "is a directory; end the destination with / to download into it")
            }
            try FileSystem.removeTree(full)
        }
        do {
            try FileSystem.copyFile(remote.file, to: full)
        } catch {
            throw BuilderError.io(path: target, reason: "cannot write the download of \(remote.url): \(error)")
        }
        chown(full, uid, gid)
        chmod(full, mode ?? 0o600)
        let time = remote.lastModified ?? Date()
        try FileSystem.setTimes(full, seconds: Int64(time.timeIntervalSince1970), nanoseconds: 0)
    }

    /// A heredoc file: 0644 (or --chmod), owned by `uid:gid`.
    func write(_ bytes: [UInt8], to path: String) throws {
        let target = try inImageParent(path)
        try makeDirectories((target as NSString).deletingLastPathComponent)
        guard FileManager.default.createFile(atPath: merged + target, contents: Data(bytes)) else {
            throw BuilderError.io(path: target, reason: "cannot write")
        }
        chown(merged + target, uid, gid)
        chmod(merged + target, mode ?? 0o644)
    }
}
