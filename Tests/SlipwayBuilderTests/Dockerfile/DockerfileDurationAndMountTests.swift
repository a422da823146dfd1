import Testing

@testable import SlipwayBuilder

/// Go `time.ParseDuration` (cases from Go's `time_test.go`) and `RUN --mount` parsing (BuildKit
/// `commands_runmount.go` and `dockerfile_mount_test.go`).
@Suite struct DockerfileDurationAndMountTests {
    @Test(arguments: [
        ("0", Int64(0)), ("5s", 5_000_000_000), ("30s", 30_000_000_000), ("1478s", 1_478_000_000_000),
        ("-5s", -5_000_000_000), ("+5s", 5_000_000_000), ("-0", 0), ("+0", 0), ("5.0s", 5_000_000_000),
        ("5.6s", 5_600_000_000), ("5.s", 5_000_000_000), (".5s", 500_000_000), ("1.0s", 1_000_000_000),
        ("1.00s", 1_000_000_000), ("1.004s", 1_004_000_000), ("1.0040s", 1_004_000_000),
        ("100.00100s", 100_001_000_000),
        ("10ns", 10), ("11us", 11_000), ("12\u{00B5}s", 12_000), ("12\u{03BC}s", 12_000), ("13ms", 13_000_000),
        ("14s", 14_000_000_000), ("15m", 900_000_000_000), ("16h", 57_600_000_000_000), ("3h30m", 12_600_000_000_000),
        ("10.5s4m", 250_500_000_000), ("-2m3.4s", -123_400_000_000), ("1h2m3s4ms5us6ns", 3_723_004_005_006),
        ("39h9m14.425s", 140_954_425_000_000), ("52763797000ns", 52_763_797_000),
        ("0.3333333333333333333h", 1_200_000_000_000),
        ("9007199254740993ns", 9_007_199_254_740_993), ("9223372036854775807ns", Int64.max),
        ("-9223372036854775808ns", Int64.min), ("0.100000000000000000000h", 360_000_000_000),
    ])
    func parsesGoDurations(_ text: String, _ nanoseconds: Int64) throws {
        #expect(try DockerfileDuration.nanoseconds(text).get() == nanoseconds)
    }

    @Test(arguments: [
        ("", "time: invalid duration \"\""), ("3", "time: missing unit in duration \"3\""),
        ("-", "time: invalid duration \"-\""), ("s", "time: invalid duration \"s\""),
        (".", "time: invalid duration \".\""),
        ("-.", "time: invalid duration \"-.\""), (".s", "time: invalid duration \".s\""),
        ("+.s", "time: invalid duration \"+.s\""),
        ("1d", "time: unknown unit \"d\" in duration \"1d\""), ("1.1.1s", "time: missing unit in duration \"1.1.1s\""),
        ("9223372036854775808ns", "time: invalid duration \"9223372036854775808ns\""),
        ("3000000h", "time: invalid duration \"3000000h\""),
    ])
    func refusesInvalidDurations(_ text: String, _ reason: String) {
        #expect(throws: DockerfileDuration.SyntaxError(reason: reason)) {
            try DockerfileDuration.nanoseconds(text).get()
        }
    }

    @Test(arguments: [
        ("target=/src", DockerfileRunMount(type: .bind, target: "/src", readOnly: true)),
        (
            "type=bind,source=go.sum,target=go.sum",
            DockerfileRunMount(type: .bind, target: "go.sum", source: "go.sum", readOnly: true)
        ),
        (
            "type=bind,from=build,src=/out,dst=/in,rw",
            DockerfileRunMount(
                type: .bind, target: "/in", source: "/out", from: "build",
                readOnly: false)
        ),
        ("type=bind,target=/a,readwrite=true", DockerfileRunMount(type: .bind, target: "/a", readOnly: false)),
        (
            "type=cache,target=/root/.cache",
            DockerfileRunMount(type: .cache, target: "/root/.cache", sharing: .shared, readOnly: false)
        ),
        (
            "type=cache,target=/var/cache/apt,sharing=locked,id=apt,mode=0755,uid=1000,gid=100,ro",
            DockerfileRunMount(
                type: .cache, target: "/var/cache/apt", id: "apt", sharing: .locked, readOnly: true, mode: 0o755,
                uid: 1000, gid: 100)
        ),
        (
            "TYPE=CACHE,Target=/c,SHARING=Private",
            DockerfileRunMount(type: .cache, target: "/c", sharing: .private, readOnly: false)
        ),
        (
            "type=tmpfs,target=/tmp,size=64m",
            DockerfileRunMount(type: .tmpfs, target: "/tmp", readOnly: false, size: 64 << 20)
        ),
        ("type=secret,id=aws", DockerfileRunMount(type: .secret, id: "aws", readOnly: true)),
        (
            "type=secret,id=aws,target=/root/.aws/credentials,required,mode=0400",
            DockerfileRunMount(
                type: .secret, target: "/root/.aws/credentials", id: "aws", readOnly: true, mode: 0o400,
                required: true)
        ),
        (
            "type=secret,id=API_KEY,env=API_KEY,required=false",
            DockerfileRunMount(
                type: .secret, id: "API_KEY", readOnly: true,
                env: "API_KEY")
        ),
        ("type=ssh", DockerfileRunMount(type: .ssh, readOnly: true)),
        (
            "type=ssh,id=github,required=true,uid=1",
            DockerfileRunMount(
                type: .ssh, id: "github", readOnly: true, uid: 1,
                required: true)
        ),
        ("type=bind,\"target=/a,b\"", DockerfileRunMount(type: .bind, target: "/a,b", readOnly: true)),
    ])
    func parsesMounts(_ text: String, _ expected: DockerfileRunMount) throws {
        #expect(try DockerfileRunMount.parse(text).get() == expected)
    }

    @Test func mountsArriveInOrder() throws {
        let body = try DockerfileTestSupport.body(
            "RUN --mount=type=secret,id=npm,target=/root/.npmrc --mount=type=cache,target=/root/.npm npm ci")
        guard case .run(let run) = body else {
            Issue.record("expected RUN")
            return
        }
        #expect(run.mounts.map(\.type) == [.secret, .cache])
        #expect(run.command == .shell("npm ci"))
    }
}
