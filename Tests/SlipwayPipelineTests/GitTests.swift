import Foundation
import SlipwayPipeline
import SlipwayTestSupport
import Testing

@Suite struct RepositoryURLTests {
    @Test func everySpellingOfARepositoryIsOneIdentity() {
        let spellings = [
            "https://github.com/acme/example.git", "https://github.com/acme/example", "https://GitHub.com/Acme/Example/",
            "git@github.com:acme/example.git", "ssh://git@github.com/acme/example.git", "ssh://git@github.com:22/acme/example",
            "https://x-access-token:abc@github.com/acme/example.git", "git://github.com/acme/example.git",
        ]
        for spelling in spellings {
            #expect(RepositoryURL.identity(spelling) == "github.com/acme/example", "\(spelling)")
        }
        #expect(RepositoryURL.identity("https://github.com/acme/other.git") != "github.com/acme/example")
        #expect(RepositoryURL.identity("http://127.0.0.1:8080/acme/example.git") == "127.0.0.1:8080/acme/example")
        #expect(RepositoryURL.identity("http://127.0.0.1:8081/acme/example.git") != RepositoryURL.identity("http://127.0.0.1:8080/acme/example"))
        #expect(RepositoryURL.identity("/srv/git/example.git/") == "file:srv/git/example")
        #expect(RepositoryURL.identity("file:///srv/git/example") == "file:srv/git/example")
    }

    @Test func passwordsInAddressesAreHidden() {
        #expect(RepositoryURL.redacted("https://user:tok3n@github.com/a/b.git") == "https://user:***@github.com/a/b.git")
        #expect(RepositoryURL.redacted("https://tok3n@github.com/a/b.git") == "https://***@github.com/a/b.git")
        #expect(RepositoryURL.redacted("https://github.com/a/b.git") == "https://github.com/a/b.git")
        #expect(RepositoryURL.redacted("git@github.com:a/b.git") == "git@github.com:a/b.git")
        let message = "fatal: unable to access 'https://bot:s3cret@example.com/a.git/': 403"
        #expect(!RepositoryURL.redactAll(in: message).contains("s3cret"))
    }

    @Test func tokenUsersFollowEachHost() {
        #expect(RepositoryURL.tokenUser(for: "https://github.com/a/b.git") == "x-access-token")
        #expect(RepositoryURL.tokenUser(for: "https://gitlab.com/a/b.git") == "oauth2")
        #expect(RepositoryURL.tokenUser(for: "https://bitbucket.org/a/b.git") == "x-token-auth")
        #expect(RepositoryURL.tokenUser(for: "https://git.example.com/a/b.git") == "slipway")
    }

    @Test func branchPatternsAreGlobs() {
        let patterns = BranchPatterns(["main", "release/*"])
        #expect(patterns.matches("main"))
        #expect(patterns.matches("release/2.0"))
        #expect(!patterns.matches("mainline"))
        #expect(!patterns.matches("feature/x"))
        #expect(BranchPatterns(["*"]).matches("feature/deep/x"))
        #expect(!BranchPatterns([]).matches("main"))
    }

    @Test func refUpdatesAreReadFromTheHooksInput() throws {
        let old = String(repeating: "a", count: 40), new = String(repeating: "b", count: 40), zero = String(repeating: "0", count: 40)
        let updates = try RefUpdate.parse("\(old) \(new) refs/heads/main\n\(old) \(zero) refs/heads/gone\n\(zero) \(new) refs/tags/v1\n")
        #expect(updates.count == 3)
        #expect(updates[0].branch == "main")
        #expect(!updates[0].isDeletion)
        #expect(updates[1].isDeletion)
        #expect(updates[2].branch == nil)
        let sha256 = try RefUpdate.parse("\(String(repeating: "a", count: 64)) \(String(repeating: "0", count: 64)) refs/heads/x\n")
        #expect(sha256.first?.isDeletion == true)
        #expect(throws: PipelineError.self) { try RefUpdate.parse("\(old) refs/heads/main\n") }
        #expect(throws: PipelineError.self) { try RefUpdate.parse("\(old) xyz refs/heads/main\n") }
    }
}

/// Mirrors and exports against real git repositories made here.
@Suite struct SourceMirrorTests {
    let work = TemporaryDirectory("slipway-mirror")

    func git(_ arguments: [String], in directory: String) throws -> String {
        let result = try run(["git", "-c", "user.email=dev@example.com", "-c", "user.name=Dev"] + arguments, directory: directory)
        try #require(result.status == 0, "git \(arguments): \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func makeRepository() throws -> String {
        let repository = work("repository")
        try FileManager.default.createDirectory(atPath: repository, withIntermediateDirectories: true)
        _ = try git(["init", "-q", "-b", "main"], in: repository)
        try work.write("repository/Dockerfile", "FROM scratch\n")
        try work.write("repository/bin/run", "#!/bin/sh\necho hi\n", mode: 0o755)
        try FileManager.default.createSymbolicLink(atPath: work("repository/current"), withDestinationPath: "bin/run")
        _ = try git(["add", "."], in: repository)
        _ = try git(["commit", "-qm", "one"], in: repository)
        return repository
    }

    @Test func fetchResolveAndExportACommit() throws {
        let repository = try makeRepository()
        let first = try git(["rev-parse", "HEAD"], in: repository)
        let mirror = SourceMirror(directory: work("mirror.git"), url: repository, git: Git())
        try mirror.fetch { _ in }
        #expect(try mirror.resolve(first) == first)
        #expect(try mirror.resolve(String(first.prefix(8))) == first)
        #expect(try mirror.resolve(String(repeating: "e", count: 40)) == nil)
        #expect(throws: PipelineError.self) { try mirror.resolve("not-hex") }

        // A later commit arrives with the next fetch; the earlier one is still there to build.
        try work.write("repository/Dockerfile", "FROM scratch\nCOPY bin /bin\n")
        _ = try git(["commit", "-qam", "two"], in: repository)
        let second = try git(["rev-parse", "HEAD"], in: repository)
        #expect(try mirror.resolve(second) == nil)
        try mirror.fetch { _ in }
        #expect(try mirror.resolve(second) == second)

        let workspace = BuildWorkspace(root: work("workspace"))
        try mirror.export(first, to: workspace)
        #expect(try String(contentsOfFile: workspace.tree + "/Dockerfile", encoding: .utf8) == "FROM scratch\n")
        #expect(FileManager.default.isExecutableFile(atPath: workspace.tree + "/bin/run"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: workspace.tree + "/current") == "bin/run")
        #expect(!FileManager.default.fileExists(atPath: workspace.tree + "/.git"))
        let time = Int64(try git(["show", "-s", "--format=%ct", first], in: repository))
        #expect(workspace.sourceDateEpoch == time)
        #expect(!FileManager.default.fileExists(atPath: workspace.root + "/index"))
    }

    @Test func aFetchThatFailsSaysWhereFrom() throws {
        let mirror = SourceMirror(directory: work("mirror.git"), url: work("nowhere"), git: Git())
        do {
            try mirror.fetch { _ in }
            Issue.record("fetching a missing repository succeeded")
        } catch {
            #expect("\(error)".contains("fetching \(work("nowhere"))"), "\(error)")
        }
    }

    @Test func aTokenNeverReachesMessages() throws {
        try work.write("token", "ghp_SECRETSECRET\n")
        let credentials = GitCredentials(kind: .token(file: work("token"), user: "x-access-token"), directory: work("git"))
        let git = try credentials.git()
        #expect(git.environment["GIT_ASKPASS"] == work("git/askpass"))
        #expect(!git.environment.values.contains { $0.contains("ghp_SECRETSECRET") })
        #expect(git.redact("remote: invalid token ghp_SECRETSECRET") == "remote: invalid token ***")
        // The askpass program answers git's two prompts from the environment and the file.
        let askpass = try run([work("git/askpass"), "Username for 'https://github.com': "],
                              environment: ["SLIPWAY_GIT_USERNAME": "x-access-token", "SLIPWAY_GIT_TOKEN_FILE": work("token")])
        #expect(askpass.stdout == "x-access-token\n")
        let password = try run([work("git/askpass"), "Password for 'https://x-access-token@github.com': "],
                               environment: ["SLIPWAY_GIT_USERNAME": "x-access-token", "SLIPWAY_GIT_TOKEN_FILE": work("token")])
        #expect(password.stdout == "ghp_SECRETSECRET\n")
        #expect(!(try String(contentsOfFile: work("git/askpass"), encoding: .utf8)).contains("SECRET"))

        let missing = GitCredentials(kind: .token(file: work("absent"), user: "x"), directory: work("git"))
        #expect(throws: PipelineError.self) { try missing.git() }
    }
}
