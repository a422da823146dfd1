/// A parsed Dockerfile: its parser directives and its instructions in order.
///
/// Values inside instructions are kept as written (quotes, escapes and `$` references intact), because the builder
/// substitutes variables only when it runs an instruction, with the environment of that moment.
/// `DockerfileExpander` does that substitution; `DockerfileStages` groups the instructions into build stages.
public struct Dockerfile: Equatable, Sendable {
    /// The name the file was parsed under; it prefixes every error.
    public var file: String
    /// The parser directives found at the top (`syntax`, `escape`, `check`), names in lower case.
    public var directives: [DockerfileDirective]
    /// The escape character: `\` unless `# escape=`` ` was given.
    public var escapeCharacter: Character
    /// The instructions in file order.
    public var instructions: [DockerfileInstruction]

    /// Creates a Dockerfile value.
    public init(
        file: String, directives: [DockerfileDirective], escapeCharacter: Character,
        instructions: [DockerfileInstruction]
    ) {
        self.file = file
        self.directives = directives
        self.escapeCharacter = escapeCharacter
        self.instructions = instructions
    }

    /// The value of the `# syntax=` directive, if any.
    public var syntax: String? {
        directives.first { $0.name == "syntax" }?.value
    }
}

/// A parser directive such as `# escape=``.
public struct DockerfileDirective: Equatable, Sendable {
    /// The directive's name in lower case: `syntax`, `escape` or `check`.
    public var name: String
    /// The value after `=`, trimmed.
    public var value: String
    /// The 1-based line of the directive.
    public var line: Int

    /// Creates a directive.
    public init(name: String, value: String, line: Int) {
        self.name = name
        self.value = value
        self.line = line
    }
}

/// Where an instruction is: the line and column of its keyword, and the last line it spans (continuation lines
/// and heredoc bodies included).
public struct DockerfileLocation: Equatable, Sendable {
    /// The 1-based line of the instruction keyword.
    public var line: Int
    /// The 1-based column of the instruction keyword.
    public var column: Int
    /// The 1-based last line of the instruction.
    public var endLine: Int

    /// Creates a location.
    public init(line: Int, column: Int, endLine: Int) {
        self.line = line
        self.column = column
        self.endLine = endLine
    }
}

/// The instruction keywords of the Dockerfile reference.
public enum DockerfileInstructionKind: String, CaseIterable, Equatable, Sendable {
    case add = "ADD"
    case arg = "ARG"
    case cmd = "CMD"
    case copy = "COPY"
    case entrypoint = "ENTRYPOINT"
    case env = "ENV"
    case expose = "EXPOSE"
    case from = "FROM"
    case healthcheck = "HEALTHCHECK"
    case label = "LABEL"
    case maintainer = "MAINTAINER"
    case onbuild = "ONBUILD"
    case run = "RUN"
    case shell = "SHELL"
    case stopsignal = "STOPSIGNAL"
    case user = "USER"
    case volume = "VOLUME"
    case workdir = "WORKDIR"

    /// The instructions whose arguments the builder itself expands (`$VAR`, `${VAR:-word}`, …).
    ///
    /// This is the list of the Dockerfile reference's "Environment replacement" section, plus ARG, whose default
    /// values BuildKit expands too. RUN, CMD and ENTRYPOINT are left to the shell (only the values of RUN's
    /// `--mount` options are expanded); HEALTHCHECK, SHELL and MAINTAINER are taken literally; ONBUILD stores its
    /// trigger unexpanded, to be expanded when it fires in a downstream build.
    public static let variableExpandingKinds: Set<DockerfileInstructionKind> = [
        .add, .arg, .copy, .env, .expose, .from, .label, .stopsignal, .user, .volume, .workdir,
    ]

    /// Whether the builder expands variables in this instruction's arguments (see `variableExpandingKinds`).
    public var expandsVariables: Bool {
        Self.variableExpandingKinds.contains(self)
    }

    /// The instructions that may carry heredocs (`<<EOF`).
    public static let heredocKinds: Set<DockerfileInstructionKind> = [.add, .copy, .run]
}

/// One instruction with its source position.
public struct DockerfileInstruction: Equatable, Sendable {
    /// The typed arguments of each instruction.
    public enum Body: Equatable, Sendable {
        case add(DockerfileCopy)
        case arg([DockerfileArgument])
        case cmd(DockerfileCommandLine)
        case copy(DockerfileCopy)
        case entrypoint(DockerfileCommandLine)
        case env([DockerfileKeyValue])
        case expose([String])
        case from(DockerfileFrom)
        case healthcheck(DockerfileHealthcheck)
        case label([DockerfileKeyValue])
        /// MAINTAINER (deprecated): the author recorded in the image config's `author` field.
        case maintainer(String)
        /// ONBUILD: the trigger instruction, stored for downstream builds.
        indirect case onbuild(DockerfileInstruction)
        case run(DockerfileRun)
        case shell([String])
        case stopsignal(String)
        case user(String)
        case volume([String])
        case workdir(String)
    }

    /// Where the instruction is.
    public var location: DockerfileLocation
    /// The logical line as the parser saw it: continuation lines joined, comments and escape-newlines removed.
    public var source: String
    /// The typed arguments.
    public var body: Body

    /// Creates an instruction.
    public init(location: DockerfileLocation, source: String, body: Body) {
        self.location = location
        self.source = source
        self.body = body
    }

    /// The instruction's keyword.
    public var kind: DockerfileInstructionKind {
        switch body {
        case .add: .add
        case .arg: .arg
        case .cmd: .cmd
        case .copy: .copy
        case .entrypoint: .entrypoint
        case .env: .env
        case .expose: .expose
        case .from: .from
        case .healthcheck: .healthcheck
        case .label: .label
        case .maintainer: .maintainer
        case .onbuild: .onbuild
        case .run: .run
        case .shell: .shell
        case .stopsignal: .stopsignal
        case .user: .user
        case .volume: .volume
        case .workdir: .workdir
        }
    }
}

/// A command in exec form (`["executable", "arg"]`, no shell) or shell form (a string for the SHELL).
public enum DockerfileCommandLine: Equatable, Sendable {
    /// JSON array form: run without a shell.
    case exec([String])
    /// Shell form: the text is handed to the configured SHELL (`/bin/sh -c` by default).
    case shell(String)
}

/// A `name=value` pair of ENV or LABEL, as written (quotes kept; `DockerfileExpander` removes them).
public struct DockerfileKeyValue: Equatable, Sendable {
    /// The key as written.
    public var key: String
    /// The value as written.
    public var value: String

    /// Creates a pair.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// One `name[=default]` of an ARG instruction, as written.
public struct DockerfileArgument: Equatable, Sendable {
    /// The argument's name.
    public var name: String
    /// The default value as written (quotes kept), or nil when the ARG gives none.
    public var defaultValue: String?

    /// Creates an argument.
    public init(name: String, defaultValue: String?) {
        self.name = name
        self.defaultValue = defaultValue
    }
}

/// A heredoc attached to RUN, COPY or ADD (`<<EOF` … `EOF`).
public struct DockerfileHeredoc: Equatable, Sendable {
    /// The delimiter word, quotes removed (`EOF` for `<<"EOF"`).
    public var name: String
    /// The body, one `\n`-terminated line per source line; leading tabs already removed for `<<-`.
    public var content: String
    /// False when any part of the delimiter was quoted, which turns off variable expansion in the body.
    public var expands: Bool
    /// True for `<<-`: leading tabs were stripped from the body and may precede the terminator.
    public var stripsLeadingTabs: Bool
    /// The file descriptor before `<<` (`3<<EOF`), 0 when none was written.
    public var fileDescriptor: Int
    /// The 1-based line of the instruction that opened the heredoc.
    public var line: Int

    /// Creates a heredoc.
    public init(
        name: String, content: String, expands: Bool, stripsLeadingTabs: Bool, fileDescriptor: Int, line: Int
    ) {
        self.name = name
        self.content = content
        self.expands = expands
        self.stripsLeadingTabs = stripsLeadingTabs
        self.fileDescriptor = fileDescriptor
        self.line = line
    }
}
