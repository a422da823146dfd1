import Testing

@testable import SlipwayBuilder

/// Stages, global ARGs, references between stages and build plans (Dockerfile reference "Multi-stage builds",
/// "Understand how ARG and FROM interact"; BuildKit `dockerfile_targets_test.go`).
@Suite struct DockerfileStagesTests {
    static func stages(
        _ text: String, _ buildArguments: [String: String] = [:], automatic: [String: String] = [:]
    ) throws -> DockerfileStages {
        try DockerfileStages(
            try DockerfileParser.parse(text), buildArguments: buildArguments, automaticArguments: automatic)
    }

    @Test func globalArgumentsReachFromLinesOnly() throws {
        let text = """
            ARG CODE_VERSION=latest
            ARG REGISTRY=docker.io ORG=${REGISTRY}/library
            ARG UNSET
            FROM ${ORG}/base:${CODE_VERSION} AS base
            CMD /code/run-app
            FROM --platform=${TARGETPLATFORM:-linux/amd64} $ORG/extras:${CODE_VERSION}${UNSET}
            ARG CODE_VERSION
            ARG ORG=mine
            COPY --from=$ORG-$CODE_VERSION a b
            """
        let defaults = try Self.stages(text)
        #expect(defaults.globalArguments.map(\.name) == ["CODE_VERSION", "REGISTRY", "ORG", "UNSET"])
        #expect(
            defaults.globalEnvironment == [
                "CODE_VERSION": "latest", "REGISTRY": "docker.io", "ORG": "docker.io/library",
            ])
        #expect(
            defaults.stages.map(\.base) == [
                .image("docker.io/library/base:latest"), .image("docker.io/library/extras:latest"),
            ])
        #expect(defaults.stages[1].platform == "linux/amd64")
        // In the stage, CODE_VERSION is redeclared (global value) and ORG gets a stage default.
        #expect(defaults.stages[1].externalImages == ["mine-latest"])

        let overridden = try Self.stages(
            text, ["CODE_VERSION": "1.2", "REGISTRY": "ghcr.io", "TARGETPLATFORM": "ignored: not declared"],
            automatic: ["TARGETPLATFORM": "linux/arm64"])
        #expect(
            overridden.stages.map(\.base) == [.image("ghcr.io/library/base:1.2"), .image("ghcr.io/library/extras:1.2")])
        #expect(overridden.stages[1].platform == "linux/arm64")
        #expect(overridden.stages[1].externalImages == ["mine-1.2"])
    }

    @Test func stagesReferenceEarlierStages() throws {
        let text = """
            FROM golang:1.22 AS Build
            RUN go build -o /app
            FROM build AS test
            RUN go test
            FROM alpine AS assets
            FROM scratch
            COPY --from=BUILD /app /app
            COPY --from=2 /etc/ssl /etc/ssl
            COPY --from=nginx:latest /etc/nginx/nginx.conf /nginx.conf
            RUN --mount=type=bind,from=assets,target=/assets --mount=type=cache,from=busybox,target=/c true
            """
        let stages = try Self.stages(text)
        #expect(stages.stages.map(\.name) == ["build", "test", "assets", nil])
        #expect(stages.stages.map(\.base) == [.image("golang:1.22"), .stage(0), .image("alpine"), .scratch])
        #expect(stages.stages.map(\.dependencies) == [[], [0], [], [0, 2]])
        #expect(stages.stages[3].externalImages == ["nginx:latest", "busybox"])
        #expect(stages.stages[1].instructions.map(\.kind) == [.run])
        #expect(stages.stage(named: "TEST")?.index == 1)
    }

    @Test func planFollowsDependencies() throws {
        let text = """
            FROM alpine AS deps
            FROM deps AS build
            FROM alpine AS docs
            FROM golang AS lint
            FROM alpine AS unused
            FROM scratch AS release
            COPY --from=build /a /a
            COPY --from=docs /d /d
            COPY --from=lint /l /l
            """
        let stages = try Self.stages(text)
        let release = try stages.plan()
        #expect(release.target == 5)
        #expect(release.order == [0, 1, 2, 3, 5])
        #expect(release.waves == [[0, 2, 3], [1], [5]])
        let build = try stages.plan(target: "build")
        #expect(build == DockerfileBuildPlan(target: 1, order: [0, 1], waves: [[0], [1]]))
        #expect(try stages.plan(target: "Unused") == DockerfileBuildPlan(target: 4, order: [4], waves: [[4]]))
    }

    @Test func unknownTargetListsTheStages() throws {
        let stages = try Self.stages("FROM a AS one\nFROM b AS two\nFROM c")
        #expect(throws: DockerfileTargetError(target: "three", stageNames: ["one", "two"])) {
            try stages.plan(target: "three")
        }
        let error = DockerfileTargetError(target: "three", stageNames: ["one", "two"])
        #expect(error.description == "target stage \"three\" could not be found (stages: one, two)")
        let unnamed = try Self.stages("FROM a")
        #expect(throws: DockerfileTargetError.self) { try unnamed.plan(target: "x") }
    }

    struct Failure: CustomTestStringConvertible, Sendable {
        var text: String
        var line: Int
        var message: String
        var testDescription: String { text.replacingOccurrences(of: "\n", with: "⏎") }
    }

    @Test(arguments: [
        Failure(
            text: "FROM a\nCOPY --from=5 /x /y", line: 2,
            message: "COPY --from=5 refers to stage index 5, but the stages are numbered 0 to 0"),
        Failure(
            text: "FROM a AS one\nCOPY --from=one /x /y", line: 2,
            message: "COPY --from=one refers to its own stage"),
        Failure(text: "FROM a\nCOPY --from=0 /x /y", line: 2, message: "COPY --from=0 refers to its own stage"),
        Failure(
            text: "FROM a\nCOPY --from=later /x /y\nFROM b AS later", line: 2,
            message: "COPY --from=later refers to stage later, which is defined later (line 3)"),
        Failure(
            text: "FROM a\nCOPY --from=1 /x /y\nFROM b", line: 2,
            message: "refers to stage 1, which is defined later (line 3)"),
        Failure(
            text: "FROM a\n\nRUN --mount=from=next,target=/n true\nFROM b AS next", line: 3,
            message: "RUN --mount from=next refers to stage next, which is defined later (line 4)"),
        Failure(
            text: "FROM next AS first\nFROM b AS next", line: 1,
            message: "FROM next refers to stage next, which is defined later (line 2)"),
        Failure(text: "FROM golang AS golang", line: 1, message: "FROM golang refers to its own stage"),
        Failure(
            text: "FROM a AS x\nFROM b AS X", line: 2, message: "duplicate stage name \"x\" (already used on line 1)"),
        Failure(text: "ARG BASE\nFROM $BASE", line: 2, message: "base name ($BASE) should not be blank"),
        Failure(text: "FROM ${BASE:?required}", line: 1, message: "BASE: required"),
        Failure(text: "ARG A=1", line: 1, message: "the Dockerfile has no FROM"),
    ])
    func invalidReferencesAreErrors(_ failure: Failure) throws {
        let dockerfile = try DockerfileParser.parse(failure.text)
        let error = #expect(throws: DockerfileError.self) { try DockerfileStages(dockerfile) }
        #expect(error?.line == failure.line, "\(String(describing: error))")
        #expect(error?.message.contains(failure.message) == true, "\(String(describing: error))")
    }

    @Test func fromValuesExpandWithTheStageScope() throws {
        let text = """
            FROM alpine AS base
            FROM alpine AS other
            FROM scratch
            ARG SRC=base
            COPY --from=$SRC /a /a
            ENV SRC=other
            COPY --from=${SRC} /b /b
            """
        let stages = try Self.stages(text)
        #expect(stages.stages[2].dependencies == [0, 1])
        let fromBuildArg = try Self.stages(text.replacingOccurrences(of: "ENV SRC=other\n", with: ""), ["SRC": "other"])
        #expect(fromBuildArg.stages[2].dependencies == [1])
    }

    @Test func multistageFixture() throws {
        let dockerfile = try DockerfileParser.parse(try DockerfileTestSupport.fixture("multistage.Dockerfile"))
        let stages = try DockerfileStages(dockerfile, automaticArguments: ["BUILDPLATFORM": "linux/amd64"])
        #expect(stages.stages.map(\.name) == ["build", "test", "final"])
        #expect(stages.stages.map(\.base) == [.image("golang:1.22"), .stage(0), .image("alpine:3.19")])
        #expect(stages.stages[0].platform == "linux/amd64")
        #expect(try stages.plan() == DockerfileBuildPlan(target: 2, order: [0, 2], waves: [[0], [2]]))
        #expect(try stages.plan(target: "test").order == [0, 1])
    }
}
