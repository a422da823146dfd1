import Testing

@testable import SlipwayBuilder

/// Every parse error with its line and column.
@Suite struct DockerfileErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { text.replacingOccurrences(of: "\n", with: "⏎") }

        init(_ text: String, _ line: Int, _ column: Int, _ message: String) {
            self.text = text
            self.line = line
            self.column = column
            self.message = message
        }
    }

    static let structure: [Case] = [
        Case("", 1, 1, "file with no instructions"),
        Case("# only a comment\n\n", 2, 1, "file with no instructions"),
        Case("RUN echo hi", 1, 1, "RUN before the first FROM: no build stage in current context"),
        Case("ARG A\nENV B=c\nFROM x", 2, 1, "ENV before the first FROM"),
        Case("FROM x\nRUNN echo", 2, 1, "unknown instruction \"RUNN\" (did you mean RUN?)"),
        Case("FROM x\n  COPPY a b", 2, 3, "unknown instruction \"COPPY\" (did you mean COPY?)"),
        Case("FROM x\nFOOBAR baz", 2, 1, "unknown instruction \"FOOBAR\""),
        Case("# escape=x\nFROM a", 1, 1, "invalid escape token 'x' does not match ` or \\"),
        Case("# escape=`\n# escape=\\\nFROM a", 2, 1, "only one escape parser directive can be used"),
        Case("# syntax=a\n#syntax=b\nFROM a", 2, 1, "only one syntax parser directive can be used"),
        // Directives cannot continue lines: the comment ends at its line and the rest is an instruction.
        Case("# direc \\\ntive=value\nFROM a", 2, 1, "unknown instruction \"tive=value\""),
        Case("FROM x\nRUN <<EOF\nabc", 2, 5, "unterminated heredoc <<EOF"),
        Case("FROM x\nCOPY <<A <<B /d\na\nA\nb\n", 2, 10, "unterminated heredoc <<B"),
        Case("FROM x\nRUN <<-EOF\n  EOF\n", 2, 5, "unterminated heredoc <<-EOF"),
    ]

    static let flags: [Case] = [
        Case("FROM x\nCOPY --form=a b c", 2, 6, "unknown flag: --form for COPY (did you mean --from?)"),
        Case("FROM x\nADD --from=a b c", 2, 5, "unknown flag: --from for ADD (it accepts --chown, --chmod, --link"),
        Case("FROM x\nWORKDIR --foo=bar /x", 2, 9, "unknown flag: --foo (WORKDIR takes no flags)"),
        Case(
            "FROM x\nRUN --mount=type=cache,target=/a --netwrk=none x", 2, 34,
            "unknown flag: --netwrk for RUN (did you mean --network?)"),
        Case("FROM --platfrom=linux/amd64 x", 1, 6, "unknown flag: --platfrom for FROM (did you mean --platform?)"),
        Case("FROM x\nCOPY --chown a b", 2, 6, "missing a value on flag: --chown"),
        Case("FROM x\nCOPY --link=maybe a b", 2, 6, "expecting boolean value for flag --link, not: maybe"),
        Case("FROM x\nCOPY --link= a b", 2, 6, "missing a value on flag: --link"),
        Case("FROM x\nCOPY --from=a --from=b c d", 2, 15, "duplicate flag specified: --from"),
        Case("FROM x\nCOPY \\\n  --chmod=644 \\\n  --nope=2 a b", 4, 3, "unknown flag: --nope for COPY"),
        Case(
            "FROM x\nHEALTHCHECK --interval=5 CMD x", 2, 13,
            "invalid --interval=5: time: missing unit in duration \"5\""),
        Case("FROM x\nHEALTHCHECK --timeout=5parsecs CMD x", 2, 13, "time: unknown unit \"parsecs\""),
        Case("FROM x\nHEALTHCHECK --interval=0s CMD x", 2, 13, "Interval \"interval\" cannot be less than 1ms"),
        Case(
            "FROM x\nHEALTHCHECK --start-interval=500us CMD x", 2, 13,
            "Interval \"start-interval\" cannot be less than 1ms"),
        Case("FROM x\nHEALTHCHECK --retries=0 CMD x", 2, 13, "--retries must be at least 1 (not 0)"),
        Case("FROM x\nHEALTHCHECK --retries=many CMD x", 2, 13, "invalid --retries=many"),
        Case("FROM x\nHEALTHCHECK --interval=5s NONE", 2, 13, "HEALTHCHECK NONE takes no flags"),
    ]

    static let arguments: [Case] = [
        Case("FROM", 1, 1, "FROM requires either one or three arguments"),
        Case("FROM a b", 1, 8, "FROM requires either one or three arguments"),
        Case("FROM a AS b c", 1, 8, "FROM requires either one or three arguments"),
        Case(
            "FROM a AS 1x", 1, 11,
            "invalid name for build stage: \"1x\", name can't start with a number or contain symbols"),
        Case("FROM a AS my/stage", 1, 11, "invalid name for build stage"),
        Case("FROM x\nCOPY onlyone", 2, 6, "COPY requires at least two arguments, but only one was provided"),
        Case("FROM x\nADD", 2, 1, "ADD requires at least two arguments, but none were provided"),
        Case("FROM x\nCOPY a <<EOF\nx\nEOF", 2, 8, "COPY cannot accept a heredoc as a destination"),
        Case("FROM x\nENV", 2, 1, "ENV requires at least one argument"),
        Case("FROM x\nENV a", 2, 5, "ENV must have two arguments"),
        Case("FROM x\nENV a=b c", 2, 9, "Syntax error - can't find = in \"c\". Must be of the form: name=value"),
        Case("FROM x\nENV =x", 2, 5, "ENV names can not be blank"),
        Case("FROM x\nLABEL a=b =c", 2, 11, "LABEL names can not be blank"),
        Case("FROM x\nARG", 2, 1, "ARG requires at least one argument"),
        Case("FROM x\nARG a =x", 2, 7, "ARG names can not be blank"),
        Case("FROM x\nSHELL /bin/sh -c", 2, 7, "SHELL requires the arguments to be in JSON form"),
        Case("FROM x\nSHELL []", 2, 1, "SHELL requires at least one argument"),
        Case("FROM x\nCMD [\"a\", 1]", 2, 5, "when using JSON array syntax, arrays must be comprised of strings only"),
        Case("FROM x\nRUN [\"a\", null]", 2, 5, "arrays must be comprised of strings only"),
        Case("FROM x\nHEALTHCHECK", 2, 1, "HEALTHCHECK requires at least one argument"),
        Case("FROM x\nHEALTHCHECK NONE x", 2, 18, "HEALTHCHECK NONE takes no arguments"),
        Case("FROM x\nHEALTHCHECK FOO x", 2, 13, "Unknown type \"FOO\" in HEALTHCHECK (try CMD)"),
        Case("FROM x\nHEALTHCHECK CMD", 2, 13, "Missing command after HEALTHCHECK CMD"),
        Case("FROM x\nHEALTHCHECK CMD []", 2, 13, "Missing command after HEALTHCHECK CMD"),
        Case("FROM x\nONBUILD", 2, 1, "ONBUILD requires at least one argument"),
        Case("FROM x\nONBUILD ONBUILD RUN x", 2, 9, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        Case("FROM x\nONBUILD FROM y", 2, 9, "FROM isn't allowed as an ONBUILD trigger"),
        Case("FROM x\nonbuild maintainer y", 2, 9, "MAINTAINER isn't allowed as an ONBUILD trigger"),
        Case("FROM x\nONBUILD RUNN y", 2, 9, "unknown instruction \"RUNN\" (did you mean RUN?)"),
        Case("FROM x\nEXPOSE 80 80/http", 2, 11, "EXPOSE 80/http: invalid protocol \"http\""),
        Case("FROM x\nEXPOSE 99999", 2, 8, "invalid port \"99999\""),
        Case("FROM x\nEXPOSE 9-1", 2, 8, "invalid port range 9-1"),
        Case("FROM x\nVOLUME [\"\"]", 2, 8, "VOLUME specified can not be an empty string"),
        Case("FROM x\nVOLUME", 2, 1, "VOLUME requires at least one argument"),
        Case("FROM x\nWORKDIR", 2, 1, "WORKDIR requires exactly one argument"),
        Case("FROM x\nUSER   ", 2, 1, "USER requires exactly one argument"),
        Case("FROM x\nSTOPSIGNAL", 2, 1, "STOPSIGNAL requires exactly one argument"),
        Case("FROM x\nMAINTAINER", 2, 1, "MAINTAINER requires exactly one argument"),
    ]

    static let mounts: [Case] = [
        Case("FROM x\nRUN --mount=type=foo x", 2, 5, "unsupported mount type \"foo\""),
        Case("FROM x\nRUN --mount=type=cache x", 2, 5, "mount type cache requires a target"),
        Case("FROM x\nRUN --mount=target=/a,foo=bar x", 2, 5, "unexpected key 'foo' in 'foo=bar'"),
        Case("FROM x\nRUN --mount=target=/a,tagret=/b x", 2, 5, "(did you mean target?)"),
        Case(
            "FROM x\nRUN --mount=type=bind,target=/x,sharing=locked y", 2, 5, "invalid cache sharing set for bind mount"
        ),
        Case(
            "FROM x\nRUN --mount=type=cache,target=/x,sharing=everyone y", 2, 5,
            "unsupported sharing value \"everyone\""),
        Case("FROM x\nRUN --mount=type=secret,from=a,id=b y", 2, 5, "secret mount should not have a from"),
        Case("FROM x\nRUN --mount=type=secret y", 2, 5, "invalid secret mount"),
        Case("FROM x\nRUN --mount=type=secret,id=a,source=b y", 2, 5, "both source and id can't be set"),
        Case("FROM x\nRUN --mount=type=bind,target=/x,mode=0700 y", 2, 5, "mode not allowed for \"bind\" type mounts"),
        Case("FROM x\nRUN --mount=type=tmpfs,target=/x,uid=1 y", 2, 5, "uid not allowed for \"tmpfs\" type mounts"),
        Case("FROM x\nRUN --mount=type=cache,target=/x,mode=0999 y", 2, 5, "invalid value 0999 for mode"),
        Case("FROM x\nRUN --mount=type=cache,target=/x,uid=-1 y", 2, 5, "invalid value -1 for uid"),
        Case(
            "FROM x\nRUN --mount=type=bind,target=/x,required y", 2, 5,
            "unexpected key 'required' for mount type 'bind'"),
        Case("FROM x\nRUN --mount=type=bind,target=/x,ro=maybe y", 2, 5, "invalid value for ro: maybe"),
        Case(
            "FROM x\nRUN --mount=type=bind,target=/x,readonly,bogus y", 2, 5,
            "invalid field 'bogus' must be a key=value pair"),
        Case("FROM x\nRUN --mount=type=bind,\\\"target=/x y", 2, 5, "unterminated quote"),
        Case("FROM x\nRUN --mount=type=tmpfs,target=/x,size=lots y", 2, 5, "invalid value lots for size"),
        Case("FROM x\nRUN --network=bridge y", 2, 5, "unsupported network mode \"bridge\" (use default, none or host)"),
        Case("FROM x\nRUN --security=root y", 2, 5, "unsupported security mode \"root\""),
    ]

    @Test(arguments: structure + flags + arguments + mounts)
    func reportsLineAndColumn(_ example: Case) throws {
        let error = try #require(DockerfileTestSupport.parseError(example.text))
        #expect(error.message.contains(example.message), "message: \(error.message)")
        #expect(error.line == example.line, "\(error)")
        #expect(error.column == example.column, "\(error)")
    }

    @Test func descriptionReadsLikeACompilerDiagnostic() throws {
        let text = "FROM a\nRUN one\nRUN two\nRUN three\nRUN four\n\nRUNN echo"
        let error = try #require(DockerfileTestSupport.parseError(text, file: "app/Dockerfile"))
        #expect(error.description == "app/Dockerfile:7:1: unknown instruction \"RUNN\" (did you mean RUN?)")
    }
}
