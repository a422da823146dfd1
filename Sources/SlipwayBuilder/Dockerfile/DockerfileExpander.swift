/// Variable substitution as the builder performs it (BuildKit's `shell.Lex`).
///
/// Supported forms: `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`, `${VAR:?msg}`,
/// `${VAR?msg}`, `${VAR#pat}`, `${VAR##pat}`, `${VAR%pat}`, `${VAR%%pat}`, `${VAR/pat/repl}` and
/// `${VAR//pat/repl}`. The escape character (`\`, or `` ` `` with `# escape=``) escapes the next character; single
/// quotes keep their content literal; double quotes keep spaces and still expand `$`. A variable is *set* when its
/// name is a key of the environment, even with an empty value; the `:` forms also treat empty as unset.
///
/// Which instructions are expanded is `DockerfileInstructionKind.variableExpandingKinds`.
public struct DockerfileExpander: Sendable {
    /// The escape character of the Dockerfile.
    public var escapeCharacter: Character

    /// Creates an expander for a given escape character.
    public init(escapeCharacter: Character = "\\") {
        self.escapeCharacter = escapeCharacter
    }

    /// Creates an expander using a parsed Dockerfile's escape character.
    public init(for dockerfile: Dockerfile) {
        self.escapeCharacter = dockerfile.escapeCharacter
    }

    private var lexer: DockerfileShellLexer {
        DockerfileShellLexer(escape: escapeCharacter.unicodeScalars.first ?? "\\")
    }

    /// Expands a word as one value (BuildKit's `ProcessWord`): quotes removed, spaces kept.
    ///
    /// - Throws: `DockerfileExpansionError` for `${VAR:?…}` failures and malformed substitutions.
    public func expand(_ word: String, environment: [String: String]) throws -> String {
        try lexer.process(word, environment: environment).word
    }

    /// Expands a text and splits it into words (BuildKit's `ProcessWords`): splitting happens after substitution,
    /// on unquoted whitespace, so `$LIST` may yield several words while `"$ONE"` stays one.
    ///
    /// - Throws: `DockerfileExpansionError`.
    public func expandWords(_ text: String, environment: [String: String]) throws -> [String] {
        try lexer.process(text, environment: environment).words
    }

    /// Expands the body of a heredoc whose delimiter was not quoted: `$` references and `\` escapes are processed,
    /// quotes are ordinary characters (BuildKit's `SkipProcessQuotes`).
    ///
    /// - Throws: `DockerfileExpansionError`.
    public func expandHeredoc(_ content: String, environment: [String: String]) throws -> String {
        var lexer = DockerfileShellLexer(escape: "\\")
        lexer.skipProcessQuotes = true
        return try lexer.process(content, environment: environment).word
    }

    /// Returns the instruction with its arguments expanded the way the builder does when it runs it: FROM image
    /// and platform; ARG names and defaults; ENV and LABEL keys and values; COPY/ADD sources, destination,
    /// `--from`, `--chown`, `--chmod`, `--exclude`, `--checksum` and unquoted heredoc bodies; EXPOSE (each entry may
    /// become several); VOLUME, WORKDIR, USER and STOPSIGNAL; RUN `--mount` values. Other instructions (and RUN's
    /// command) are returned unchanged.
    ///
    /// - Throws: `DockerfileError` at the instruction's position, wrapping the expansion failure.
    public func expand(
        _ instruction: DockerfileInstruction, environment: [String: String], file: String = "Dockerfile"
    ) throws -> DockerfileInstruction {
        var result = instruction
        do {
            result.body = try expandBody(instruction.body, environment)
        } catch let failure as DockerfileExpansionError {
            throw DockerfileError(
                file: file, line: instruction.location.line, column: instruction.location.column,
                message: failure.description)
        }
        return result
    }

    private func expandBody(
        _ body: DockerfileInstruction.Body, _ env: [String: String]
    ) throws -> DockerfileInstruction.Body {
        func word(_ text: String) throws -> String { try expand(text, environment: env) }
        func optional(_ text: String?) throws -> String? { try text.map(word) }
        switch body {
        case .from(var from):
            from.image = try word(from.image)
            from.platform = try optional(from.platform)
            return .from(from)
        case .arg(let arguments):
            return .arg(
                try arguments.map { .init(name: try word($0.name), defaultValue: try optional($0.defaultValue)) })
        case .env(let pairs):
            return .env(try pairs.map { .init(key: try word($0.key), value: try word($0.value)) })
        case .label(let pairs):
            return .label(try pairs.map { .init(key: try word($0.key), value: try word($0.value)) })
        case .copy(let copy):
            return .copy(try expandCopy(copy, env))
        case .add(let copy):
            return .add(try expandCopy(copy, env))
        case .expose(let ports):
            return .expose(try ports.flatMap { try expandWords($0, environment: env) })
        case .volume(let volumes):
            return .volume(try volumes.map(word))
        case .workdir(let path):
            return .workdir(try word(path))
        case .user(let user):
            return .user(try word(user))
        case .stopsignal(let signal):
            return .stopsignal(try word(signal))
        case .run(var run):
            run.mounts = try run.mounts.map { mount in
                var mount = mount
                mount.target = try optional(mount.target)
                mount.source = try optional(mount.source)
                mount.from = try optional(mount.from)
                mount.id = try optional(mount.id)
                mount.env = try optional(mount.env)
                return mount
            }
            return .run(run)
        case .cmd, .entrypoint, .healthcheck, .maintainer, .onbuild, .shell:
            return body
        }
    }

    private func expandCopy(_ copy: DockerfileCopy, _ env: [String: String]) throws -> DockerfileCopy {
        func word(_ text: String) throws -> String { try expand(text, environment: env) }
        var result = copy
        result.sources = try copy.sources.map { source in
            switch source {
            case .path(let path):
                return .path(try word(path))
            case .heredoc(var heredoc):
                if heredoc.expands { heredoc.content = try expandHeredoc(heredoc.content, environment: env) }
                return .heredoc(heredoc)
            }
        }
        result.destination = try word(copy.destination)
        result.from = try copy.from.map(word)
        result.chown = try copy.chown.map(word)
        result.chmod = try copy.chmod.map(word)
        result.checksum = try copy.checksum.map(word)
        result.excludes = try copy.excludes.map(word)
        return result
    }
}
