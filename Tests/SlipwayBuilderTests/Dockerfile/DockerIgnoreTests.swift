import Foundation
import Testing

@testable import SlipwayBuilder

/// `.dockerignore` rules (Dockerfile reference ".dockerignore file"; moby `patternmatcher_test.go`).
@Suite struct DockerIgnoreTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var rules: String
        var path: String
        var excluded: Bool
        var testDescription: String { "\(rules.replacingOccurrences(of: "\n", with: "⏎")) → \(path)" }

        init(_ rules: String, _ path: String, _ excluded: Bool) {
            self.rules = rules
            self.path = path
            self.excluded = excluded
        }
    }

    /// Cases on which Docker and buildah agree.
    static let shared: [Case] = [
        Case("*.go", "main.go", true), Case("*.go", "dir/main.go", false), Case("*.go", "main.go.bak", false),
        Case("**/*.go", "dir/sub/main.go", true), Case("**/*.go", "main.go", true), Case("**", "any/thing", true),
        Case("dir/**", "dir/a/b", true), Case("dir/**", "dir", false), Case("dir/**", "dirt/a", false),
        Case("a?c", "abc", true), Case("a?c", "a/c", false), Case("a*", "a/b", true), Case("a*c", "ab/c", false),
        Case("[a-c]x", "bx", true), Case("[a-c]x", "dx", false), Case("[^a]x", "bx", true), Case("[^a]x", "ax", false),
        Case("a\\*b", "a*b", true), Case("a\\*b", "axb", false), Case("a\\?", "a?", true), Case("x.y", "xzy", false),
        Case("docs", "docs/readme.md", true), Case("docs", "docs", true), Case("docs", "docsx", false),
        Case("docs/", "docs/x", true), Case("/docs", "docs/x", true), Case("./docs", "docs", true),
        Case("a/../b", "b", true), Case("a/../b", "a/b", false), Case("a//b", "a/b/c", true),
        Case("*", "a/b", true), Case("*/b", "a/b/c", true), Case("*/b", "b", false),
        Case("**/b", "b", true), Case("**/b", "x/y/b/z", true), Case("a/**/b", "a/b", true),
        Case("a/**/b", "a/x/y/b", true),
        Case("a/**/b", "a/xb", false), Case("a**b", "ab", true), Case("a**b", "a/x/b", true),
        Case("a**b", "axb", false),
        Case("**/*.md", "README.md", true), Case("# comment\nfoo", "# comment", false), Case(" #foo", "#foo", true),
        Case("foo\n!foo", "foo", false), Case("!foo\nfoo", "foo", true), Case("*.md\n!README.md", "README.md", false),
        Case("*.md\n!README.md", "CHANGES.md", true), Case("docs\n!docs/keep.md", "docs/keep.md", false),
        Case("docs\n!docs/keep.md", "docs/other.md", true),
        Case("docs\n!docs/keep.md\ndocs/keep.md", "docs/keep.md", true),
        Case(".*", ".git", true), Case(".*", ".git/config", true), Case(".*", "a/.hidden", false),
        Case("  spaced  ", "spaced", true), Case("\u{FEFF}bom", "bom", true), Case("crlf\r\n", "crlf", true),
        Case("a\r\nb\r\n", "b", true),
        Case("dir with space", "dir with space/f 1.txt", true), Case("br\\[ack\\]ets", "br[ack]ets/x.txt", true),
        Case("Dockerfile\n.dockerignore", "Dockerfile", true), Case("Dockerfile\n.dockerignore", ".dockerignore", true),
        Case("*\n!src\nsrc/*.tmp", "src/a.tmp", true), Case("*\n!src\nsrc/*.tmp", "src/a.go", false),
        Case("**\n!**/*.go", "main.go", false), Case("x", ".", false), Case("*", "", false),
        Case("node_modules", "./node_modules/a/index.js", true), Case("!", "x", false),
    ]

    @Test(arguments: shared.filter { $0.rules != "!" })
    func dialectsAgree(_ example: Case) throws {
        for dialect in [DockerIgnore.Dialect.buildah, .docker] {
            let ignore = try DockerIgnore(parsing: example.rules, dialect: dialect)
            #expect(ignore.isExcluded(example.path, isDirectory: false) == example.excluded, "\(dialect)")
        }
    }

    /// The documented differences between buildah 1.28 and Docker (see `DockerIgnore`); the oracle test checks the
    /// buildah column against buildah itself.
    @Test(arguments: [
        // buildah does not trim after `!`: the exception is " top.txt".
        ("*\n! top.txt", "top.txt", true, false),
        // buildah cleans before splitting off `!`: "!a/../top.txt" becomes the exclusion "top.txt".
        ("*\n!a/../top.txt", "top.txt", true, false),
        // buildah enters an excluded directory only when an exception's text starts with its path.
        ("deep\n!deep/1/*/x", "deep/1/2/x/h.txt", true, false),
        ("deep\n!deep/1/*/x", "deep/1/2/x", true, false),
        ("src\n!src/**/*.go", "src/pkg/util.go", true, false),
        ("src\n!src/**/*.go", "src/main.go", false, false),
        ("*\n!**/keep", "a/keep", true, false),
        ("**\n!**/*.go", "src/pkg/main.go", true, false),
    ])
    func dialectsDiffer(_ rules: String, _ path: String, _ buildah: Bool, _ docker: Bool) throws {
        #expect(try DockerIgnore(parsing: rules, dialect: .buildah).isExcluded(path, isDirectory: false) == buildah)
        #expect(try DockerIgnore(parsing: rules, dialect: .docker).isExcluded(path, isDirectory: false) == docker)
    }

    @Test(arguments: [
        ("[", 1), ("ok\n!", 2), ("a\\", 1), ("[]a]", 1), ("[a-]", 1), ("[z-a]", 1), ("x[^]", 1), ("!\\", 1),
    ])
    func refusesInvalidPatterns(_ rules: String, _ line: Int) {
        for dialect in [DockerIgnore.Dialect.buildah, .docker] {
            let error = #expect(throws: DockerIgnoreError.self) { try DockerIgnore(parsing: rules, dialect: dialect) }
            #expect(error?.line == line)
        }
    }

    @Test func rulesAreCleaned() throws {
        let ignore = try DockerIgnore(parsing: "# c\n\n/a/b/\n!./c//d/../e\n  f  \n", dialect: .docker)
        #expect(
            ignore.rules == [
                DockerIgnore.Rule(pattern: "a/b", isException: false, line: 3),
                DockerIgnore.Rule(pattern: "c/e", isException: true, line: 4),
                DockerIgnore.Rule(pattern: "f", isException: false, line: 5),
            ])
        #expect(ignore.hasExceptions)
        #expect(try DockerIgnore(parsing: "a\nb").hasExceptions == false)
        let error = DockerIgnoreError(line: 2, pattern: "!", message: "illegal exclusion pattern: \"!\"")
        #expect(error.description == ".dockerignore:2: illegal exclusion pattern: \"!\"")
    }

    @Test func walksTheContext() throws {
        let root = try DockerfileTestSupport.temporaryDirectory("dockerignore-walk")
        defer { try? FileManager.default.removeItem(at: root) }
        try DockerfileTestSupport.makeTree(
            [
                "Dockerfile", ".dockerignore", "a.txt", "b/c.txt", "b/d/e.md", "b/d/keep.md", "logs/1.log",
                "logs/2.log",
                "node_modules/x/index.js", "empty/", "z y/[1].txt", "link -> b", "a-b.txt",
            ], in: root)
        try Data("logs\nnode_modules\n**/*.md\n!b/d/keep.md\n.dockerignore\n".utf8)
            .write(to: root.appendingPathComponent(".dockerignore"))
        for dialect in [DockerIgnore.Dialect.buildah, .docker] {
            let ignore = try DockerIgnore(contextDirectory: root, dialect: dialect)
            #expect(
                try ignore.includedFiles(in: root) == [
                    "Dockerfile", "a-b.txt", "a.txt", "b/c.txt", "b/d/keep.md", "link", "z y/[1].txt",
                ])
            let directories = try ignore.includedEntries(in: root).filter(\.isDirectory).map(\.path)
            #expect(directories == ["b", "b/d", "empty", "z y"])
        }
        let none = try DockerIgnore(contextDirectory: root.appendingPathComponent("b"))
        #expect(none.rules.isEmpty)
    }
}
