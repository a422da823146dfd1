import Testing

@testable import SlipwayBuilder

/// Variable substitution (Dockerfile reference "Environment replacement"; BuildKit `shell/lex_test.go` and
/// `envVarTest`).
@Suite struct DockerfileExpanderTests {
    /// `set=x`, `empty=` and `unset` (absent) cover the three states every modifier distinguishes.
    static let environment = [
        "set": "x", "empty": "", "path": "/usr/local/lib/libfoo.so.1", "list": "a b  c", "a": "1", "b": "2",
        "spaced": " lead trail ", "glob": "*",
    ]

    struct Case: CustomTestStringConvertible, Sendable {
        var word: String
        var expected: String
        var testDescription: String { word }

        init(_ word: String, _ expected: String) {
            self.word = word
            self.expected = expected
        }
    }

    static let plain: [Case] = [
        Case("$set", "x"), Case("${set}", "x"), Case("$a$b", "12"), Case("${a}b", "1b"), Case("$ab", ""),
        Case("$unset", ""), Case("${unset}", ""), Case("pre-$set-post", "pre-x-post"), Case("$", "$"),
        Case("a$", "a$"), Case("$/x", "$/x"), Case("$1", ""), Case("$$", ""), Case("${set}${a}", "x1"),
        Case("\\$set", "$set"), Case("\\${set}", "${set}"), Case("\\\\$set", "\\x"), Case("a\\ b", "a b"),
        Case("'$set'", "$set"), Case("\"$set\"", "x"), Case("\"'$set'\"", "'x'"), Case("'\"$set\"'", "\"$set\""),
        Case("\"a  b\"", "a  b"), Case("a  b", "a  b"), Case("\"\\$set\"", "$set"), Case("\"\\a\"", "\\a"),
        Case("\"\\\"\"", "\""), Case("'\\'", "\\"), Case("$spaced", " lead trail "),
    ]

    static let modifiers: [Case] = [
        Case("${set:-word}", "x"), Case("${empty:-word}", "word"), Case("${unset:-word}", "word"),
        Case("${set-word}", "x"), Case("${empty-word}", ""), Case("${unset-word}", "word"),
        Case("${set:+word}", "word"), Case("${empty:+word}", ""), Case("${unset:+word}", ""),
        Case("${set+word}", "word"), Case("${empty+word}", "word"), Case("${unset+word}", ""),
        Case("${set:?msg}", "x"), Case("${set?msg}", "x"), Case("${empty?msg}", ""),
        Case("${unset:-$set}", "x"), Case("${unset:-${a}${b}}", "12"), Case("${unset:-'a b'}", "a b"),
        Case("${unset:-\"$set y\"}", "x y"), Case("${unset:-a\\}b}", "a}b"), Case("${set:+${unset:-z}}", "z"),
        Case("${unset:-}", ""), Case("${unset-}", ""),
    ]

    static let patterns: [Case] = [
        Case("${path#*/}", "usr/local/lib/libfoo.so.1"), Case("${path##*/}", "libfoo.so.1"),
        Case("${path%.*}", "/usr/local/lib/libfoo.so"), Case("${path%%.*}", "/usr/local/lib/libfoo"),
        Case("${path#/usr}", "/local/lib/libfoo.so.1"), Case("${path#nomatch}", "/usr/local/lib/libfoo.so.1"),
        Case("${path%?}", "/usr/local/lib/libfoo.so."), Case("${path#}", "/usr/local/lib/libfoo.so.1"),
        Case("${unset#*}", ""), Case("${glob#\\*}", ""), Case("${path##*\\/}", "libfoo.so.1"),
        Case("${path/lib/LIB}", "/usr/local/LIB/libfoo.so.1"), Case("${path//lib/LIB}", "/usr/local/LIB/LIBfoo.so.1"),
        Case("${path/\\//:}", ":usr/local/lib/libfoo.so.1"), Case("${path//\\//:}", ":usr:local:lib:libfoo.so.1"),
        Case("${path/l*b/X}", "/usr/Xfoo.so.1"), Case("${path/nomatch/X}", "/usr/local/lib/libfoo.so.1"),
        Case("${list// /_}", "a_b__c"), Case("${path/#/X}", "/usr/local/lib/libfoo.so.1"),
        Case("${unset/a/b}", ""), Case("${set/x/}", ""),
    ]

    @Test(arguments: plain + modifiers + patterns)
    func expandsAWord(_ example: Case) throws {
        let result = try DockerfileExpander().expand(example.word, environment: Self.environment)
        #expect(result == example.expected)
    }

    @Test(arguments: [
        ("${unset:?must be set}", "unset: must be set"), ("${unset?}", "unset: is not allowed to be unset"),
        ("${empty:?}", "empty: is not allowed to be empty"), ("${unset:?}", "unset: is not allowed to be unset"),
        ("${set", "syntax error: missing '}'"), ("${set:-abc", "syntax error: missing '}'"),
        ("${", "syntax error: missing '}'"),
        ("${}", "syntax error: bad substitution"), ("${:-x}", "syntax error: bad substitution"),
        ("${set:x}", "unsupported modifier (:x) in substitution"),
        ("${set:#x}", "unsupported modifier (:#) in substitution"),
        ("${set^^}", "unsupported modifier (^) in substitution"), ("${set/x", "syntax error: missing '/' in ${}"),
        ("${set/x/y", "syntax error: missing '}'"), ("${set//}", "syntax error: missing '/' in ${}"),
        ("'abc", "unexpected end of statement while looking for matching single-quote"),
        ("\"abc", "unexpected end of statement while looking for matching double-quote"),
        ("${set#\\q}", "invalid pattern (\\q) in substitution: invalid escape '\\q'"),
    ])
    func reportsExpansionErrors(_ word: String, _ message: String) {
        #expect(throws: DockerfileExpansionError(message: message, word: word)) {
            try DockerfileExpander().expand(word, environment: Self.environment)
        }
    }

    @Test func errorDescriptionNamesTheWord() {
        let error = DockerfileExpansionError(message: "unset: must be set", word: "${unset:?must be set}")
        #expect(error.description == "failed to process \"${unset:?must be set}\": unset: must be set")
    }

    @Test(arguments: [
        ("$list", ["a", "b", "c"]), ("\"$list\"", ["a b  c"]), ("a 'b c' d", ["a", "b c", "d"]), ("", []),
        ("  x  ", ["x"]), ("x\\ y", ["x y"]), ("$unset", []), ("\"\"", []), ("$set$list", ["xa", "b", "c"]),
    ])
    func splitsWordsAfterSubstitution(_ text: String, _ expected: [String]) throws {
        #expect(try DockerfileExpander().expandWords(text, environment: Self.environment) == expected)
    }

    @Test func backtickEscape() throws {
        let expander = DockerfileExpander(escapeCharacter: "`")
        #expect(try expander.expand("`$set", environment: Self.environment) == "$set")
        #expect(try expander.expand("c:\\dir\\$set", environment: Self.environment) == "c:\\dir\\x")
        #expect(try expander.expand("\"a`\"b\"", environment: Self.environment) == "a\"b")
    }

    @Test func heredocBodiesKeepQuotes() throws {
        let expander = DockerfileExpander()
        let body = "echo \"hello ${set}\" '$a'\nprice: \\$5\n"
        #expect(try expander.expandHeredoc(body, environment: Self.environment) == "echo \"hello x\" '1'\nprice: $5\n")
    }

    @Test func expandsInstructionsThatTheBuilderExpands() throws {
        let text = """
            FROM scratch
            ENV greeting="hello world" name='$literal' path=$dir/bin
            LABEL "com.example.$a"="v${b}"
            COPY --from=$stage --chown=$user:$user --chmod=$mode $dir/a $dir/b /dst/$a/
            COPY <<EOF <<'RAW' /conf/
            user=$user
            EOF
            user=$user
            RAW
            ADD --checksum=$sum https://example.com/$a.tgz /
            EXPOSE $ports 9000/$proto
            VOLUME $dir/data
            WORKDIR ${dir:-/}
            USER ${user}:${user}
            STOPSIGNAL SIG$signal
            ARG v=${a}-$b
            RUN --mount=type=cache,target=$dir/cache,id=cache-$a echo $dir
            CMD echo $dir
            ONBUILD RUN echo $dir
            """
        let env = [
            "a": "1", "b": "2", "dir": "/opt", "stage": "build", "user": "app", "mode": "0755", "sum": "sha256:00",
            "ports": "80 443/tcp", "proto": "udp", "signal": "TERM",
        ]
        let dockerfile = try DockerfileParser.parse(text)
        let expander = DockerfileExpander(for: dockerfile)
        let bodies = try dockerfile.instructions.map { try expander.expand($0, environment: env).body }
        #expect(
            bodies[1]
                == .env([
                    .init(key: "greeting", value: "hello world"), .init(key: "name", value: "$literal"),
                    .init(key: "path", value: "/opt/bin"),
                ]))
        #expect(bodies[2] == .label([.init(key: "com.example.1", value: "v2")]))
        #expect(
            bodies[3]
                == .copy(
                    DockerfileCopy(
                        sources: [.path("/opt/a"), .path("/opt/b")], destination: "/dst/1/", from: "build",
                        chown: "app:app",
                        chmod: "0755")))
        #expect(
            bodies[4]
                == .copy(
                    DockerfileCopy(
                        sources: [
                            .heredoc(
                                .init(
                                    name: "EOF", content: "user=app\n", expands: true, stripsLeadingTabs: false,
                                    fileDescriptor: 0, line: 5)),
                            .heredoc(
                                .init(
                                    name: "RAW", content: "user=$user\n", expands: false, stripsLeadingTabs: false,
                                    fileDescriptor: 0, line: 5)),
                        ], destination: "/conf/")))
        #expect(
            bodies[5]
                == .add(
                    DockerfileCopy(
                        sources: [.path("https://example.com/1.tgz")], destination: "/", checksum: "sha256:00")))
        #expect(bodies[6] == .expose(["80", "443/tcp", "9000/udp"]))
        #expect(bodies[7] == .volume(["/opt/data"]))
        #expect(bodies[8] == .workdir("/opt"))
        #expect(bodies[9] == .user("app:app"))
        #expect(bodies[10] == .stopsignal("SIGTERM"))
        #expect(bodies[11] == .arg([DockerfileArgument(name: "v", defaultValue: "1-2")]))
        #expect(
            bodies[12]
                == .run(
                    DockerfileRun(
                        command: .shell("echo $dir"),
                        mounts: [
                            DockerfileRunMount(
                                type: .cache, target: "/opt/cache", id: "cache-1", sharing: .shared, readOnly: false)
                        ])))
        #expect(bodies[13] == dockerfile.instructions[13].body)
        #expect(bodies[14] == dockerfile.instructions[14].body)
    }

    @Test func instructionErrorsCarryThePosition() throws {
        let dockerfile = try DockerfileParser.parse("FROM scratch\n\n  WORKDIR ${dir:?set dir with --build-arg}")
        let error = #expect(throws: DockerfileError.self) {
            try DockerfileExpander().expand(dockerfile.instructions[1], environment: [:], file: "Containerfile")
        }
        #expect(
            error?.description
                == "Containerfile:3:3: failed to process \"${dir:?set dir with --build-arg}\": "
                + "dir: set dir with --build-arg"
        )
    }
}
