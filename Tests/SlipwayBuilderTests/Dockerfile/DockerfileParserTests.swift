import Foundation
import Testing

@testable import SlipwayBuilder

/// Lines, directives, comments, continuations and the JSON/shell split (Dockerfile reference, "Format" and
/// "Parser directives"; BuildKit `parser_test.go` and `directives_test.go`).
@Suite struct DockerfileParserTests {
    struct DirectiveCase: CustomTestStringConvertible, Sendable {
        var text: String
        var escape: Character
        var directives: [String]
        var testDescription: String { text.replacingOccurrences(of: "\n", with: "⏎") }
    }

    @Test(arguments: [
        DirectiveCase(text: "# syntax=docker/dockerfile:1\nFROM a", escape: "\\", directives: ["syntax"]),
        DirectiveCase(text: "# escape=`\nFROM a", escape: "`", directives: ["escape"]),
        DirectiveCase(text: "#escape=`\nFROM a", escape: "`", directives: ["escape"]),
        DirectiveCase(text: "# escape =`\nFROM a", escape: "`", directives: ["escape"]),
        DirectiveCase(text: "#\tescape= `\nFROM a", escape: "`", directives: ["escape"]),
        DirectiveCase(text: "#\t  eScApE=`\nFROM a", escape: "`", directives: ["escape"]),
        DirectiveCase(text: "# escape=\\\nFROM a", escape: "\\", directives: ["escape"]),
        DirectiveCase(text: "# check=skip=JSONArgsRecommended\nFROM a", escape: "\\", directives: ["check"]),
        DirectiveCase(
            text: "# syntax=x\n# escape=`\n# check=error=true\nFROM a", escape: "`",
            directives: ["syntax", "escape", "check"]),
        // An unknown directive is a comment and ends the directives.
        DirectiveCase(text: "# unknowndirective=value\n# escape=`\nFROM a", escape: "\\", directives: []),
        // A comment, a blank line or an instruction ends them too.
        DirectiveCase(text: "# About my dockerfile\n# escape=`\nFROM a", escape: "\\", directives: []),
        DirectiveCase(text: "\n# escape=`\nFROM a", escape: "\\", directives: []),
        DirectiveCase(text: "FROM a\n# escape=`", escape: "\\", directives: []),
    ])
    func directives(_ example: DirectiveCase) throws {
        let dockerfile = try DockerfileParser.parse(example.text)
        #expect(dockerfile.escapeCharacter == example.escape)
        #expect(dockerfile.directives.map(\.name) == example.directives)
    }

    @Test func syntaxDirectiveValue() throws {
        let dockerfile = try DockerfileParser.parse("#   syntax = docker/dockerfile:1.7-labs  \nFROM a")
        #expect(dockerfile.syntax == "docker/dockerfile:1.7-labs")
        #expect(
            dockerfile.directives == [DockerfileDirective(name: "syntax", value: "docker/dockerfile:1.7-labs", line: 1)]
        )
    }

    struct LineCase: CustomTestStringConvertible, Sendable {
        var text: String
        var command: String
        var testDescription: String { text.replacingOccurrences(of: "\n", with: "⏎") }
    }

    /// The shell-form text of the RUN after `FROM a`.
    @Test(arguments: [
        LineCase(text: "RUN echo hi", command: "echo hi"),
        LineCase(text: "RUN echo a \\\n  b", command: "echo a   b"),
        LineCase(text: "RUN echo a\\\nb", command: "echo ab"),
        LineCase(text: "RUN echo a \\   \n b", command: "echo a  b"),
        LineCase(text: "RUN echo a \\\n# a comment\n  # another\n b", command: "echo a  b"),
        LineCase(text: "RUN echo a \\\n\n   \n b", command: "echo a  b"),
        LineCase(text: "RUN echo \\\\", command: "echo \\\\"),
        LineCase(text: "    RUN    echo   spaced   ", command: "echo   spaced"),
        LineCase(text: "run echo lower", command: "echo lower"),
        LineCase(text: "rUn echo mixed", command: "echo mixed"),
        LineCase(text: "RUN echo a\r\nCMD x", command: "echo a"),
        LineCase(text: "RUN echo a # not a comment", command: "echo a # not a comment"),
        LineCase(text: "RUN echo a \\\n  && echo b \\\n  && echo c", command: "echo a   && echo b   && echo c"),
    ])
    func continuationsAndComments(_ example: LineCase) throws {
        let dockerfile = try DockerfileParser.parse("FROM a\n" + example.text)
        let run = dockerfile.instructions.first { $0.kind == .run }
        #expect(run?.body == .run(DockerfileRun(command: .shell(example.command))))
    }

    @Test func backtickEscapeContinuesLines() throws {
        let dockerfile = try DockerfileParser.parse("# escape=`\nFROM a\nRUN dir c:\\ `\n  /b\nCOPY a\\b c:\\")
        #expect(dockerfile.instructions[1].body == .run(DockerfileRun(command: .shell("dir c:\\   /b"))))
        #expect(dockerfile.instructions[2].body == .copy(DockerfileCopy(sources: [.path("a\\b")], destination: "c:\\")))
    }

    @Test func locationsCoverContinuationLines() throws {
        let text = "# comment\nFROM a\n\n  RUN one \\\n    two \\\n    three\nCMD x\n"
        let dockerfile = try DockerfileParser.parse(text)
        #expect(
            dockerfile.instructions.map(\.location) == [
                DockerfileLocation(line: 2, column: 1, endLine: 2),
                DockerfileLocation(line: 4, column: 3, endLine: 6),
                DockerfileLocation(line: 7, column: 1, endLine: 7),
            ])
        #expect(dockerfile.instructions[1].source == "RUN one     two     three")
    }

    @Test func byteOrderMarkAndCarriageReturnsAreIgnored() throws {
        let dockerfile = try DockerfileParser.parse("\u{FEFF}# escape=`\r\nFROM a\r\nRUN x `\r\n  y\r\n")
        #expect(dockerfile.escapeCharacter == "`")
        #expect(dockerfile.instructions.map(\.kind) == [.from, .run])
        #expect(dockerfile.instructions[1].body == .run(DockerfileRun(command: .shell("x   y"))))
    }

    @Test(arguments: [
        DockerfileTestSupport.Case("CMD [\"a\", \"b\"]", .cmd(.exec(["a", "b"]))),
        DockerfileTestSupport.Case("CMD [ \"a\" ,\"b\" ]", .cmd(.exec(["a", "b"]))),
        DockerfileTestSupport.Case("CMD []", .cmd(.exec([]))),
        DockerfileTestSupport.Case("CMD [\"a\\\"b\", \"\\u00e9\"]", .cmd(.exec(["a\"b", "é"]))),
        // Invalid JSON falls back to the shell form, as Docker does.
        DockerfileTestSupport.Case("CMD [\"a\"", .cmd(.shell("[\"a\""))),
        DockerfileTestSupport.Case("CMD ['a', 'b']", .cmd(.shell("['a', 'b']"))),
        DockerfileTestSupport.Case("CMD [\"a\"] extra", .cmd(.shell("[\"a\"] extra"))),
        DockerfileTestSupport.Case("CMD echo [\"a\"]", .cmd(.shell("echo [\"a\"]"))),
        DockerfileTestSupport.Case("ENTRYPOINT [\"/bin/server\"]", .entrypoint(.exec(["/bin/server"]))),
        DockerfileTestSupport.Case("ENTRYPOINT exec top -b", .entrypoint(.shell("exec top -b"))),
        DockerfileTestSupport.Case(
            "RUN [\"sh\", \"-c\", \"echo $HOME\"]", .run(DockerfileRun(command: .exec(["sh", "-c", "echo $HOME"])))),
        DockerfileTestSupport.Case("VOLUME [\"/data\", \"/b c\"]", .volume(["/data", "/b c"])),
        DockerfileTestSupport.Case("VOLUME [/data]", .volume(["[/data]"])),
        DockerfileTestSupport.Case(
            "COPY [\"a b.txt\", \"/dest dir/\"]",
            .copy(DockerfileCopy(sources: [.path("a b.txt")], destination: "/dest dir/", isJSONForm: true))),
    ])
    func jsonOrShellForm(_ example: DockerfileTestSupport.Case) throws {
        #expect(try DockerfileTestSupport.body(example.source) == example.expected)
    }

    @Test func fixtureFromTheReferenceParses() throws {
        let dockerfile = try DockerfileParser.parse(
            try DockerfileTestSupport.fixture("reference-examples.Dockerfile"), file: "reference.Dockerfile")
        #expect(dockerfile.escapeCharacter == "`")
        #expect(dockerfile.instructions.count == 24)
        #expect(dockerfile.instructions[2].body == .run(DockerfileRun(command: .shell("dir c:\\"))))
        #expect(
            dockerfile.instructions[3].body
                == .run(DockerfileRun(command: .shell("powershell -command Write-Host     \"continued\""))))
        #expect(
            dockerfile.instructions[4].body
                == .env([
                    .init(key: "myName", value: "\"John Doe\""), .init(key: "myDog", value: "Rex` The` Dog"),
                    .init(key: "myCat", value: "fluffy"),
                ]))
        #expect(dockerfile.instructions[5].body == .env([.init(key: "MY_VAR", value: "my-value")]))
        #expect(dockerfile.instructions.last?.body == .maintainer("Jane Doe <jane@example.com>"))
        let onbuild = dockerfile.instructions.filter { $0.kind == .onbuild }
        #expect(onbuild.count == 2)
        #expect(
            onbuild.first?.body
                == .onbuild(
                    DockerfileInstruction(
                        location: DockerfileLocation(line: 26, column: 9, endLine: 26), source: "ADD . /app/src",
                        body: .add(DockerfileCopy(sources: [.path(".")], destination: "/app/src")))))
    }

    @Test func multistageFixtureParses() throws {
        let dockerfile = try DockerfileParser.parse(try DockerfileTestSupport.fixture("multistage.Dockerfile"))
        #expect(dockerfile.syntax == "docker/dockerfile:1")
        #expect(dockerfile.directives.map(\.name) == ["syntax", "check"])
        let kinds = dockerfile.instructions.map(\.kind.rawValue).joined(separator: " ")
        #expect(
            kinds == "ARG ARG FROM WORKDIR RUN ARG RUN FROM RUN FROM RUN ARG RUN USER COPY COPY ENV LABEL EXPOSE "
                + "HEALTHCHECK STOPSIGNAL ENTRYPOINT CMD")
        guard case .run(let run) = dockerfile.instructions[4].body else {
            Issue.record("expected RUN")
            return
        }
        #expect(run.mounts.map(\.type) == [.cache, .bind, .bind])
        #expect(run.command == .shell("go mod download -x"))
        #expect(dockerfile.instructions[4].location == DockerfileLocation(line: 10, column: 1, endLine: 13))
        #expect(dockerfile.instructions[15].location == DockerfileLocation(line: 30, column: 1, endLine: 32))
        #expect(dockerfile.instructions[16].location.line == 33)
    }
}
