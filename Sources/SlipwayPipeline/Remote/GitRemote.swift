import Foundation
import SlipwayStore

/// One ref a push moves, as git hands it to the pre-receive hook: `OLD NEW REF` on a line.
public struct RefUpdate: Sendable, Equatable {
    public var old: String
    public var new: String
    public var ref: String

    /// All zeros: 40 of them, or 64 in a SHA-256 repository.
    public var isDeletion: Bool { new.allSatisfy { $0 == "0" } }
    public var branch: String? { ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : nil }

    /// Reads the hook's standard input.
    public static func parse(_ text: String) throws -> [RefUpdate] {
        try text.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[0].count == fields[1].count, [40, 64].contains(fields[0].count),
                  fields[0].allSatisfy(\.isHexDigit), fields[1].allSatisfy(\.isHexDigit) else {
                throw PipelineError("pre-receive: cannot read '\(line)'; expected 'OLD NEW REF' from git")
            }
            return RefUpdate(old: String(fields[0]), new: String(fields[1]), ref: String(fields[2]))
        }
    }
}

/// Slipway's own git remote for an app, as Dokku offers: a bare repository at `$SLIPWAY_HOME/git/remotes/APP.git`
/// whose pre-receive hook builds every pushed branch and streams the build to the pusher. The hook is pre-receive
/// (a post-receive hook cannot fail a push, githooks(5)): the branch moves only when its image is in the registry,
/// and `git push` exits non-zero when the build fails.
public struct GitRemote: Sendable {
    public let name: String
    public let paths: PipelinePaths

    public init(name: String, paths: PipelinePaths) throws {
        guard Self.isValidName(name) else {
            throw PipelineError("'\(name)' cannot name a remote: it becomes a registry repository, so use lower-case letters, "
                                + "digits and single '.', '_' or '-' between them")
        }
        self.name = name
        self.paths = paths
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, let last = name.last, first.isLetter || first.isNumber, last.isLetter || last.isNumber else { return false }
        var previousSeparator = false
        for character in name {
            let separator = "._-".contains(character)
            guard separator || (character.isASCII && (character.isLowercase || character.isNumber)) else { return false }
            if separator, previousSeparator { return false }
            previousSeparator = separator
        }
        return true
    }

    public var directory: String { paths.remote(name) }

    /// Makes the bare repository and its hook; running it again rewrites the hook (a moved `slipway`, a new home).
    public func create(slipwayExecutable: String) throws {
        let git = Git()
        if !FileManager.default.fileExists(atPath: directory + "/HEAD") {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            _ = try git.check(["init", "--bare", "--quiet", "--initial-branch=main", directory], what: "creating \(directory)")
        }
        let hook = """
            #!/bin/sh
            # Written by `slipway remote create \(name)`: each pushed branch is built, and the push is accepted once its
            # image is in the registry.
            exec env SLIPWAY_HOME=\(GitCredentials.quoted(paths.home)) \(GitCredentials.quoted(slipwayExecutable)) remote receive \(GitCredentials.quoted(name))

            """
        let path = directory + "/hooks/pre-receive"
        try writeFileAtomically(path, Array(hook.utf8))
        chmod(path, 0o755)
    }

    /// The pre-receive hook's work: each updated branch written out and queued, then followed to its end, its log
    /// printed (git shows it to the pusher). Returns whether every build succeeded (false rejects the push).
    public func receive(_ updates: [RefUpdate], database: StateDatabase, print: @escaping (String) -> Void) async throws -> Bool {
        if try !FileLock.isHeld(paths.workersLock) {
            print("no `slipway serve` is running with SLIPWAY_HOME=\(paths.home), so nothing can build this push; "
                  + "start it and push again")
            return false
        }
        var builds: [BuildRecord] = []
        for update in updates {
            if update.isDeletion {
                print("\(update.ref) deleted: nothing to build")
                continue
            }
            guard update.branch != nil else {
                print("\(update.ref) is not a branch: accepted, not built")
                continue
            }
            let workspace = BuildWorkspace(root: paths.contexts + "/" + UUID().uuidString.lowercased())
            do {
                // The pushed objects are still in git's quarantine; this process inherits the environment that reaches them.
                try SourceMirror.export(update.new, gitDirectory: directory, git: Git(), to: workspace)
            } catch {
                workspace.remove()
                for build in builds { if let context = build.context { BuildWorkspace(root: context).remove() } }
                print("error: cannot write out \(update.new.prefix(12)) of \(update.ref): \(error)")
                return false
            }
            builds.append(BuildRecord(source: "remote:\(name)", repository: name, ref: update.ref, commit: update.new,
                                      trigger: "remote", context: workspace.root))
        }
        guard !builds.isEmpty else { return true }
        guard let queued = try database.enqueueBuilds(builds, supersede: false)?.queued else { return false }
        var succeeded = true
        for build in queued {
            guard let id = build.id else { continue }
            print("queued build #\(id) for \(build.ref) (\(build.commit.prefix(12)))")
            let end = try await paths.logs.follow(id, database: database, serverLock: paths.workersLock, output: print)
            // A build cancelled before it started left the workspace this hook made.
            if let context = build.context, end.state == .cancelled { BuildWorkspace(root: context).remove() }
            if end.state != .succeeded {
                print("build #\(end.id ?? id) \(end.state.rawValue): \(build.ref) is not updated; "
                      + "`slipway builds logs \(end.id ?? id)` has the whole log")
                succeeded = false
            }
        }
        return succeeded
    }
}
