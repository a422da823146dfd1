import Foundation

/// A bare mirror of a source's repository (`$SLIPWAY_HOME/git/mirrors/NAME.git`): fetched incrementally before each
/// build, then the exact commit written out as a clean build context.
public struct SourceMirror: Sendable {
    public let directory: String
    public let url: String
    public let git: Git

    public init(directory: String, url: String, git: Git) {
        self.directory = directory
        self.url = url
        self.git = git
    }

    /// Fetches every branch and tag (creating the mirror the first time); other fetches of it wait.
    public func fetch(progress: @escaping @Sendable (String) -> Void) throws {
        try FileLock.withExclusive(directory + ".lock") {
            if !FileManager.default.fileExists(atPath: directory + "/HEAD") {
                try? FileManager.default.removeItem(atPath: directory)
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                _ = try git.check(["init", "--bare", "--quiet", directory], what: "creating the mirror \(directory)")
            }
            _ = try git.check(["--git-dir=" + directory, "fetch", "--prune", "--no-tags", "--quiet", url,
                               "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"],
                              what: "fetching \(RepositoryURL.redacted(url))", stderrLine: progress)
        }
    }

    /// The full id of a commit given in full or as a unique prefix; nil when the mirror has no such commit.
    public func resolve(_ commit: String) throws -> String? {
        try Self.resolve(commit, gitDirectory: directory, git: git)
    }

    static func resolve(_ commit: String, gitDirectory: String, git: Git) throws -> String? {
        guard commit.count >= 4, commit.count <= 64, commit.allSatisfy(\.isHexDigit) else {
            throw PipelineError("'\(commit)' is not a commit id (4 to 40 hex digits)")
        }
        let output = try git.run(["--git-dir=" + gitDirectory, "rev-parse", "--verify", "--quiet", commit + "^{commit}"])
        if output.status == 0 { return output.text }
        if output.stderr.contains("ambiguous") {
            throw PipelineError("the commit prefix \(commit) is ambiguous; give more of its digits")
        }
        return nil
    }

    /// Writes the commit's files into `workspace` and returns the commit's time (for SOURCE_DATE_EPOCH).
    public func export(_ commit: String, to workspace: BuildWorkspace) throws {
        try Self.export(commit, gitDirectory: directory, git: git, to: workspace)
    }

    /// The tree of `commit` written to `workspace.tree` with git's own checkout (modes and symlinks as committed;
    /// no `.git`), through a private index so the repository is untouched.
    static func export(_ commit: String, gitDirectory: String, git: Git, to workspace: BuildWorkspace) throws {
        try FileManager.default.createDirectory(atPath: workspace.tree, withIntermediateDirectories: true)
        var private_ = git
        private_.environment["GIT_INDEX_FILE"] = workspace.root + "/index"
        defer { unlink(workspace.root + "/index") }
        _ = try private_.check(["--git-dir=" + gitDirectory, "read-tree", commit], what: "reading the tree of \(commit)")
        _ = try private_.check(["--git-dir=" + gitDirectory, "--work-tree=" + workspace.tree, "checkout-index", "--all", "--force"],
                               what: "writing out \(commit)")
        let time = try git.check(["--git-dir=" + gitDirectory, "show", "--no-patch", "--format=%ct", commit],
                                 what: "reading the time of \(commit)").text
        guard let epoch = Int64(time) else { throw PipelineError("git gave no commit time for \(commit): '\(time)'") }
        try workspace.setSourceDateEpoch(epoch)
    }
}
