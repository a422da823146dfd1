import Testing

@testable import SlipwayBuilder

/// Typed arguments of each instruction, from the Dockerfile reference's examples and BuildKit's parser tests.
/// Values stay as written (quotes and `$` kept); the expander tests cover their final values.
@Suite struct DockerfileInstructionTests {
    typealias Case = DockerfileTestSupport.Case

    static let fromAndArgs: [Case] = [
        Case("FROM alpine", .from(DockerfileFrom(platform: nil, image: "alpine", stageName: nil))),
        Case(
            "FROM alpine:3.19@sha256:abc AS Build-Env_1.x",
            .from(DockerfileFrom(platform: nil, image: "alpine:3.19@sha256:abc", stageName: "build-env_1.x"))),
        Case(
            "FROM --platform=$BUILDPLATFORM golang:${GO} as build",
            .from(DockerfileFrom(platform: "$BUILDPLATFORM", image: "golang:${GO}", stageName: "build"))),
        Case("FROM \"quoted\"", .from(DockerfileFrom(platform: nil, image: "\"quoted\"", stageName: nil))),
        Case("ARG user1", .arg([DockerfileArgument(name: "user1", defaultValue: nil)])),
        Case("ARG user1=someuser", .arg([DockerfileArgument(name: "user1", defaultValue: "someuser")])),
        Case(
            "ARG a=1 b c=\"x y\" d=",
            .arg([
                DockerfileArgument(name: "a", defaultValue: "1"), DockerfileArgument(name: "b", defaultValue: nil),
                DockerfileArgument(name: "c", defaultValue: "\"x y\""), DockerfileArgument(name: "d", defaultValue: ""),
            ])),
        Case(
            "ARG TARGETOS TARGETARCH",
            .arg([
                DockerfileArgument(name: "TARGETOS", defaultValue: nil),
                DockerfileArgument(name: "TARGETARCH", defaultValue: nil),
            ])),
        Case(
            "ARG a=x\\ y b='$c'",
            .arg([
                DockerfileArgument(name: "a", defaultValue: "x\\ y"),
                DockerfileArgument(name: "b", defaultValue: "'$c'"),
            ])),
    ]

    static let envAndLabels: [Case] = [
        Case("ENV MY_NAME=\"John Doe\"", .env([.init(key: "MY_NAME", value: "\"John Doe\"")])),
        Case("ENV MY_DOG=Rex\\ The\\ Dog", .env([.init(key: "MY_DOG", value: "Rex\\ The\\ Dog")])),
        Case("ENV MY_CAT=fluffy A=1", .env([.init(key: "MY_CAT", value: "fluffy"), .init(key: "A", value: "1")])),
        Case("ENV myDog Rex The Dog", .env([.init(key: "myDog", value: "Rex The Dog")])),
        Case("ENV PATH /usr/local/bin:$PATH", .env([.init(key: "PATH", value: "/usr/local/bin:$PATH")])),
        Case("ENV a=", .env([.init(key: "a", value: "")])),
        Case(
            "ENV a='x  y' b=\"q\\\"r\"",
            .env([.init(key: "a", value: "'x  y'"), .init(key: "b", value: "\"q\\\"r\"")])),
        Case("ENV a=b \\\n    c=d", .env([.init(key: "a", value: "b"), .init(key: "c", value: "d")])),
        Case(
            "LABEL \"com.example.vendor\"=\"ACME Incorporated\"",
            .label([.init(key: "\"com.example.vendor\"", value: "\"ACME Incorporated\"")])),
        Case(
            "LABEL com.example.label-with-value=\"foo\" version=\"1.0\"",
            .label([
                .init(key: "com.example.label-with-value", value: "\"foo\""), .init(key: "version", value: "\"1.0\""),
            ])),
        Case(
            "LABEL description=\"This text illustrates \\\nthat label-values can span multiple lines.\"",
            .label([
                .init(key: "description", value: "\"This text illustrates that label-values can span multiple lines.\"")
            ])),
        Case("LABEL legacy value with spaces", .label([.init(key: "legacy", value: "value with spaces")])),
    ]

    static let copyAndAdd: [Case] = [
        Case("COPY a b /dest/", .copy(DockerfileCopy(sources: [.path("a"), .path("b")], destination: "/dest/"))),
        Case(
            "COPY --from=build --chown=1000:1000 --chmod=0644 --link /out /app/",
            .copy(
                DockerfileCopy(
                    sources: [.path("/out")], destination: "/app/", from: "build", chown: "1000:1000",
                    chmod: "0644", link: true))),
        Case(
            "COPY --exclude=*.md --exclude=\"docs/**\" --parents ./src/ /app",
            .copy(
                DockerfileCopy(
                    sources: [.path("./src/")], destination: "/app", parents: true,
                    excludes: ["*.md", "docs/**"]))),
        Case(
            "COPY --link=false --parents=true a b",
            .copy(DockerfileCopy(sources: [.path("a")], destination: "b", parents: true))),
        Case("COPY -- --weird dest", .copy(DockerfileCopy(sources: [.path("--weird")], destination: "dest"))),
        Case(
            "COPY hom?.txt arr[[]0].txt /mydir/",
            .copy(DockerfileCopy(sources: [.path("hom?.txt"), .path("arr[[]0].txt")], destination: "/mydir/"))),
        Case(
            "ADD --chown=55:mygroup files* /somedir/",
            .add(DockerfileCopy(sources: [.path("files*")], destination: "/somedir/", chown: "55:mygroup"))),
        Case(
            "ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit",
            .add(
                DockerfileCopy(
                    sources: [.path("https://github.com/moby/buildkit.git#v0.10.1")], destination: "/buildkit",
                    keepGitDir: true))),
        Case(
            "ADD --checksum=sha256:24454f830cdb https://example.com/a.tar.gz /",
            .add(
                DockerfileCopy(
                    sources: [.path("https://example.com/a.tar.gz")], destination: "/",
                    checksum: "sha256:24454f830cdb"))),
        Case(
            "ADD --link --exclude=*.tmp --chmod=755 arch.tar /opt/",
            .add(
                DockerfileCopy(
                    sources: [.path("arch.tar")], destination: "/opt/", chmod: "755", link: true,
                    excludes: ["*.tmp"]))),
    ]

    static let runAndCommands: [Case] = [
        Case(
            "RUN apt-get update && apt-get install -y curl",
            .run(DockerfileRun(command: .shell("apt-get update && apt-get install -y curl")))),
        Case(
            "RUN [\"/bin/bash\", \"-c\", \"echo hello\"]",
            .run(DockerfileRun(command: .exec(["/bin/bash", "-c", "echo hello"])))),
        Case(
            "RUN --network=none --security=insecure make",
            .run(
                DockerfileRun(
                    command: .shell("make"), network: .disabled,
                    security: .insecure))),
        Case(
            "RUN --network=host --security=sandbox x",
            .run(
                DockerfileRun(
                    command: .shell("x"), network: .host,
                    security: .sandbox))),
        Case("RUN --network=default x", .run(DockerfileRun(command: .shell("x"), network: .default))),
        Case("CMD echo \"This is a test.\" | wc -", .cmd(.shell("echo \"This is a test.\" | wc -"))),
        Case("CMD [\"--port\", \"80\"]", .cmd(.exec(["--port", "80"]))),
        Case("SHELL [\"powershell\", \"-command\"]", .shell(["powershell", "-command"])),
        Case("WORKDIR /path/to/$DIRNAME", .workdir("/path/to/$DIRNAME")),
        Case("WORKDIR C:\\Program Files", .workdir("C:\\Program Files")),
        Case("USER patrick:staff", .user("patrick:staff")),
        Case("STOPSIGNAL SIGKILL", .stopsignal("SIGKILL")),
        Case("MAINTAINER Jane Doe <jane@example.com>", .maintainer("Jane Doe <jane@example.com>")),
        Case(
            "EXPOSE 80 80/tcp 53/udp 8000-8010 9/SCTP $PORT",
            .expose(["80", "80/tcp", "53/udp", "8000-8010", "9/SCTP", "$PORT"])),
        Case("VOLUME /var/log /var/db", .volume(["/var/log", "/var/db"])),
    ]

    static let healthchecks: [Case] = [
        Case("HEALTHCHECK NONE", .healthcheck(.none)),
        Case("HEALTHCHECK none", .healthcheck(.none)),
        Case(
            "HEALTHCHECK CMD curl -f http://localhost/ || exit 1",
            .healthcheck(.check(.init(command: .shell("curl -f http://localhost/ || exit 1"))))),
        Case(
            "HEALTHCHECK --interval=5m --timeout=3s --start-period=1m30s --start-interval=500ms --retries=4 "
                + "CMD [\"/bin/check\", \"-q\"]",
            .healthcheck(
                .check(
                    .init(
                        command: .exec(["/bin/check", "-q"]), interval: .seconds(300), timeout: .seconds(3),
                        startPeriod: .seconds(90), startInterval: .milliseconds(500), retries: 4)))),
        Case(
            "HEALTHCHECK --interval=1.5h cmd true",
            .healthcheck(.check(.init(command: .shell("true"), interval: .seconds(5400))))),
    ]

    @Test(arguments: fromAndArgs + envAndLabels + copyAndAdd + runAndCommands + healthchecks)
    func instruction(_ example: Case) throws {
        #expect(try DockerfileTestSupport.body(example.source) == example.expected)
    }

    @Test func onbuildWrapsItsTrigger() throws {
        let body = try DockerfileTestSupport.body("ONBUILD RUN --mount=type=cache,target=/c make")
        guard case .onbuild(let trigger) = body else {
            Issue.record("expected ONBUILD, got \(body)")
            return
        }
        #expect(trigger.kind == .run)
        #expect(trigger.source == "RUN --mount=type=cache,target=/c make")
        #expect(trigger.location == DockerfileLocation(line: 2, column: 9, endLine: 2))
        guard case .run(let run) = trigger.body else { return }
        #expect(run.mounts == [DockerfileRunMount(type: .cache, target: "/c", sharing: .shared, readOnly: false)])
    }

    @Test func exposedPortsParse() {
        let cases: [(String, DockerfileExposedPort?)] = [
            ("80", .init(start: 80, end: 80, transportProtocol: .tcp)),
            ("80/tcp", .init(start: 80, end: 80, transportProtocol: .tcp)),
            ("53/udp", .init(start: 53, end: 53, transportProtocol: .udp)),
            ("53/UDP", .init(start: 53, end: 53, transportProtocol: .udp)),
            ("8000-8010", .init(start: 8000, end: 8010, transportProtocol: .tcp)),
            ("8000-8010/udp", .init(start: 8000, end: 8010, transportProtocol: .udp)),
            ("65535", .init(start: 65535, end: 65535, transportProtocol: .tcp)),
            ("65536", nil), ("http", nil), ("80/http", nil), ("10-1", nil), ("-1", nil), ("", nil), ("80/", nil),
        ]
        for (text, expected) in cases {
            let parsed = try? DockerfileExposedPort.parse(text).get()
            #expect(parsed == expected, "\(text)")
        }
    }

    @Test func expansionTableIsData() {
        let expanded = DockerfileInstructionKind.allCases.filter(\.expandsVariables).map(\.rawValue).sorted()
        #expect(
            expanded == [
                "ADD", "ARG", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
            ])
        for kind in [DockerfileInstructionKind.run, .cmd, .entrypoint, .onbuild, .healthcheck, .shell, .maintainer] {
            #expect(!kind.expandsVariables, "\(kind)")
        }
    }
}
