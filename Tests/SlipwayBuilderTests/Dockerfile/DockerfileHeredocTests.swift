import Testing

@testable import SlipwayBuilder

/// Heredocs (Dockerfile reference "Here-Documents"; BuildKit `parser_heredoc_test.go`).
@Suite struct DockerfileHeredocTests {
    static func heredoc(
        _ name: String, _ content: String, expands: Bool = true, tabs: Bool = false, fd: Int = 0, line: Int = 2
    ) -> DockerfileHeredoc {
        DockerfileHeredoc(
            name: name, content: content, expands: expands, stripsLeadingTabs: tabs, fileDescriptor: fd, line: line)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var command: DockerfileCommandLine
        var heredocs: [DockerfileHeredoc]
        var testDescription: String { text.replacingOccurrences(of: "\n", with: "⏎") }
    }

    @Test(arguments: [
        Case(
            text: "RUN <<EOF\napt-get update\napt-get install -y vim\nEOF", command: .shell("<<EOF"),
            heredocs: [heredoc("EOF", "apt-get update\napt-get install -y vim\n")]),
        Case(
            text: "RUN <<-EOF\n\techo one\n\t\techo two\n\tEOF", command: .shell("<<-EOF"),
            heredocs: [heredoc("EOF", "echo one\necho two\n", tabs: true)]),
        Case(
            text: "RUN <<\"EOF\"\necho $HOME\nEOF", command: .shell("<<\"EOF\""),
            heredocs: [heredoc("EOF", "echo $HOME\n", expands: false)]),
        Case(
            text: "RUN <<'EOF'\necho $HOME\nEOF", command: .shell("<<'EOF'"),
            heredocs: [heredoc("EOF", "echo $HOME\n", expands: false)]),
        Case(
            text: "RUN <<E\"O\"F\nx\nEOF", command: .shell("<<E\"O\"F"),
            heredocs: [heredoc("EOF", "x\n", expands: false)]),
        Case(
            text: "RUN python3 <<EOF\nprint(\"Hello\")\nEOF", command: .shell("python3 <<EOF"),
            heredocs: [heredoc("EOF", "print(\"Hello\")\n")]),
        Case(
            text: "RUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2",
            command: .shell("<<FILE1 cat > file1 && <<FILE2 cat > file2"),
            heredocs: [heredoc("FILE1", "I am\nfirst\n"), heredoc("FILE2", "I am\nsecond\n")]),
        Case(
            text: "RUN 3<<EOF cat <&3\nfd three\nEOF", command: .shell("3<<EOF cat <&3"),
            heredocs: [heredoc("EOF", "fd three\n", fd: 3)]),
        Case(text: "RUN <<EOF\n\nEOF", command: .shell("<<EOF"), heredocs: [heredoc("EOF", "\n")]),
        Case(text: "RUN <<EOF\nEOF", command: .shell("<<EOF"), heredocs: [heredoc("EOF", "")]),
        // The terminator must be alone on its line; "EOF " or " EOF" do not end the body.
        Case(text: "RUN <<EOF\nEOF \n EOF\nEOF", command: .shell("<<EOF"), heredocs: [heredoc("EOF", "EOF \n EOF\n")]),
        // A body is taken verbatim: no comments, continuations or escapes.
        Case(
            text: "RUN <<EOF\n# kept\necho a \\\nEOF", command: .shell("<<EOF"),
            heredocs: [heredoc("EOF", "# kept\necho a \\\n")]),
        // Quoted or JSON text is not a heredoc.
        Case(text: "RUN echo \"<<EOF\"", command: .shell("echo \"<<EOF\""), heredocs: []),
        Case(text: "RUN echo '<<EOF'", command: .shell("echo '<<EOF'"), heredocs: []),
        Case(text: "RUN [\"cat\", \"<<EOF\"]", command: .exec(["cat", "<<EOF"]), heredocs: []),
        Case(text: "RUN cat <<", command: .shell("cat <<"), heredocs: []),
        Case(text: "RUN cat <<<EOF", command: .shell("cat <<<EOF"), heredocs: []),
    ])
    func runHeredocs(_ example: Case) throws {
        let body = try DockerfileTestSupport.body(example.text)
        #expect(body == .run(DockerfileRun(command: example.command, heredocs: example.heredocs)))
    }

    @Test func copyHeredocSources() throws {
        let text = """
            FROM nginx
            COPY <<EOF /usr/share/nginx/html/index.html
            (your index page goes here)
            EOF
            COPY <<robots.txt <<humans.txt /usr/share/nginx/html/
            (robots content)
            robots.txt
            (humans content)
            humans.txt
            ADD <<-"CONF" config.yml /etc/
            \tkey: $value
            \tCONF
            CMD done
            """
        let dockerfile = try DockerfileParser.parse(text)
        #expect(dockerfile.instructions.map(\.kind) == [.from, .copy, .copy, .add, .cmd])
        #expect(
            dockerfile.instructions[1].body
                == .copy(
                    DockerfileCopy(
                        sources: [.heredoc(Self.heredoc("EOF", "(your index page goes here)\n"))],
                        destination: "/usr/share/nginx/html/index.html")))
        #expect(
            dockerfile.instructions[2].body
                == .copy(
                    DockerfileCopy(
                        sources: [
                            .heredoc(Self.heredoc("robots.txt", "(robots content)\n", line: 5)),
                            .heredoc(Self.heredoc("humans.txt", "(humans content)\n", line: 5)),
                        ],
                        destination: "/usr/share/nginx/html/")))
        #expect(
            dockerfile.instructions[3].body
                == .add(
                    DockerfileCopy(
                        sources: [
                            .heredoc(Self.heredoc("CONF", "key: $value\n", expands: false, tabs: true, line: 10)),
                            .path("config.yml"),
                        ],
                        destination: "/etc/")))
        #expect(dockerfile.instructions.map(\.location.line) == [1, 2, 5, 10, 13])
        #expect(dockerfile.instructions.map(\.location.endLine) == [1, 4, 9, 12, 13])
    }

    @Test func onbuildTriggerMayCarryAHeredoc() throws {
        let dockerfile = try DockerfileParser.parse("FROM a\nONBUILD RUN <<EOF\necho later\nEOF\nCMD x")
        #expect(dockerfile.instructions.count == 3)
        guard case .onbuild(let trigger) = dockerfile.instructions[1].body else {
            Issue.record("expected ONBUILD")
            return
        }
        #expect(
            trigger.body
                == .run(DockerfileRun(command: .shell("<<EOF"), heredocs: [Self.heredoc("EOF", "echo later\n")])))
    }

    @Test func otherInstructionsDoNotReadHeredocs() throws {
        let dockerfile = try DockerfileParser.parse("FROM a\nENV A=<<EOF\nLABEL b=c\nCMD cat <<EOF")
        #expect(dockerfile.instructions.map(\.kind) == [.from, .env, .label, .cmd])
        #expect(dockerfile.instructions[1].body == .env([.init(key: "A", value: "<<EOF")]))
    }

    @Test func heredocOpenersFollowBuildKitsRules() throws {
        let cases: [(String, String?, Bool)] = [
            ("<<EOF", "EOF", true), ("<<-EOF", "EOF", true), ("<<\"EOF\"", "EOF", false), ("<<'EOF'", "EOF", false),
            ("<<\"E\"OF", "EOF", false), ("<<--EOF", "-EOF", true), ("12<<X", "X", true), ("<<", nil, true),
            ("<<E<F", nil, true), ("<EOF", nil, true), ("x<<EOF", nil, true), ("<<\"two words\"", "two words", false),
            ("<<two words", nil, true),
        ]
        for (word, name, expands) in cases {
            let opener = try DockerfileParser.heredocOpener(word)
            #expect(opener?.name == name, "\(word)")
            if let opener { #expect(opener.expands == expands, "\(word)") }
        }
    }
}
