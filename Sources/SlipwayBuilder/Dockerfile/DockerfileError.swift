/// A problem in a Dockerfile, with the place where it was found.
///
/// `description` reads like a compiler diagnostic, for example
/// `Dockerfile:7:1: unknown instruction "RUNN" (did you mean RUN?)`. Lines and columns count from 1; columns count
/// Unicode scalars in the physical line.
public struct DockerfileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The name the Dockerfile was parsed under (the `file:` argument of `DockerfileParser.parse`).
    public var file: String
    /// The 1-based physical line of the problem.
    public var line: Int
    /// The 1-based column of the problem in that line.
    public var column: Int
    /// What is wrong and, where it helps, what to do about it.
    public var message: String

    /// Creates an error at a position.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`.
    public var description: String {
        "\(file):\(line):\(column): \(message)"
    }
}

/// A variable substitution that cannot be carried out, such as `${NAME:?must be set}` with `NAME` unset or an
/// unterminated `${`.
public struct DockerfileExpansionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, for example `NAME: must be set` or `syntax error: missing '}'`.
    public var message: String
    /// The word that was being expanded.
    public var word: String

    /// Creates an expansion error.
    public init(message: String, word: String) {
        self.message = message
        self.word = word
    }

    /// `failed to process "word": message`, as BuildKit words it.
    public var description: String {
        "failed to process \"\(word)\": \(message)"
    }
}

/// A `.dockerignore` line that cannot be used as a pattern.
public struct DockerIgnoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The 1-based line of the pattern.
    public var line: Int
    /// The pattern as written.
    public var pattern: String
    /// What is wrong with it.
    public var message: String

    /// Creates an ignore-file error.
    public init(line: Int, pattern: String, message: String) {
        self.line = line
        self.pattern = pattern
        self.message = message
    }

    /// `.dockerignore:line: message`.
    public var description: String {
        ".dockerignore:\(line): \(message)"
    }
}
