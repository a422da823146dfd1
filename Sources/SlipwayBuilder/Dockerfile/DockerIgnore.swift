/// The rules of a `.dockerignore` file: which paths of the build context are left out.
///
/// Lines starting with `#` are comments; blank lines are skipped; each other line is trimmed and cleaned like Go's
/// `filepath.Clean` (so `./a`, `/a` and `a/` all mean `a`). Patterns use Go `filepath.Match` syntax plus `**`
/// (see `DockerIgnorePattern`), match whole paths relative to the context, and exclude a directory's contents with
/// it. A line starting with `!` is an exception that re-includes what it matches. The last matching line wins.
/// `Dockerfile` and `.dockerignore` may be excluded like any file (the builder still reads them; they are just not
/// copied by `COPY .`).
///
/// Two dialects are available because the tools disagree on a few edge cases:
/// - `.buildah` (the default, as Slipway's builds are compared with buildah) follows buildah 1.28: the `!` is
///   split off only after the whole line is cleaned (so `!a/../b` becomes the exclusion `b`, and `! b` is the
///   exception ` b`), and an excluded directory is only entered when the text of some exception starts with the
///   directory's path (so `dir` + `!dir/*/keep` does not re-include `dir/x/keep`).
/// - `.docker` follows Docker/BuildKit (`dockerignore.ReadAll` + `patternmatcher`): `!` is split off and the rest
///   trimmed before cleaning, and excluded directories are always entered when there are exceptions.
///
/// Not emulated: buildah 1.28 passes `+ ( ) | { }` in patterns to its regular expression unescaped, so a pattern
/// such as `file (1).txt` does not match that file there; both dialects here treat them literally, as Docker does.
public struct DockerIgnore: Equatable, Sendable {
    /// Which tool's reading of `.dockerignore` to follow.
    public enum Dialect: Equatable, Sendable {
        /// buildah 1.28 (`bud`): the default.
        case buildah
        /// Docker with BuildKit.
        case docker
    }

    /// One rule of the file.
    public struct Rule: Equatable, Sendable {
        /// The cleaned pattern, without its `!`.
        public var pattern: String
        /// True for `!` lines.
        public var isException: Bool
        /// The 1-based line it came from.
        public var line: Int
    }

    /// The dialect used for matching and walking.
    public let dialect: Dialect
    private let patterns: [DockerIgnorePattern]

    /// The rules in file order.
    public var rules: [Rule] {
        patterns.map { Rule(pattern: $0.text, isException: $0.isException, line: $0.line) }
    }

    /// Whether any rule is an exception (`!`).
    public var hasExceptions: Bool {
        patterns.contains(where: \.isException)
    }

    /// Reads a `.dockerignore` file.
    ///
    /// - Throws: `DockerIgnoreError` for a lone `!` or a pattern that is not valid `filepath.Match` syntax (an
    ///   unclosed `[`, a trailing `\`), as both Docker and buildah refuse them.
    public init(parsing text: String, dialect: Dialect = .buildah) throws {
        self.dialect = dialect
        var patterns: [DockerIgnorePattern] = []
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        // Split on U+000A itself: as a Character, "\r\n" is one grapheme and would not split on "\n".
        let lines = scalars.split(separator: "\n", omittingEmptySubsequences: false).map { Substring($0) }
        for (offset, raw) in lines.enumerated() {
            if raw.hasPrefix("#") { continue }
            var line = DockerIgnorePath.trimSpace(raw)
            if line.isEmpty { continue }
            if dialect == .docker {
                // dockerignore.ReadAll: split off `!`, trim, clean, drop a leading `/`.
                let invert = line.hasPrefix("!")
                var pattern = invert ? String(DockerIgnorePath.trimSpace(line.dropFirst())) : String(line)
                if !pattern.isEmpty {
                    pattern = DockerIgnorePath.clean(pattern)
                    if pattern.count > 1 && pattern.hasPrefix("/") { pattern.removeFirst() }
                }
                line = Substring(invert ? "!" + pattern : pattern)
            }
            // patternmatcher.New: trim, clean the whole line, then split off `!`.
            var pattern = DockerIgnorePath.clean(String(DockerIgnorePath.trimSpace(line)))
            let isException = pattern.hasPrefix("!")
            if isException {
                pattern.removeFirst()
                if pattern.isEmpty {
                    throw DockerIgnoreError(
                        line: offset + 1, pattern: String(raw),
                        message: "illegal exclusion pattern: \"!\" (write !<path> to re-include a path)")
                }
            }
            if dialect == .buildah {
                pattern = DockerIgnorePath.clean(pattern)
                if pattern.count > 1 && pattern.hasPrefix("/") { pattern.removeFirst() }
            }
            guard let compiled = DockerIgnorePattern(text: pattern, isException: isException, line: offset + 1) else {
                throw DockerIgnoreError(
                    line: offset + 1, pattern: String(raw),
                    message: "syntax error in pattern \"\(pattern)\" (check [ ] pairs and trailing \\)")
            }
            patterns.append(compiled)
        }
        self.patterns = patterns
    }

    /// Whether a path of the build context is left out.
    ///
    /// - Parameters:
    ///   - relativePath: A path relative to the context root, `/`-separated (`./` and trailing `/` are fine).
    ///   - isDirectory: Whether the path is a directory. Files and directories match patterns the same way (a
    ///     pattern's trailing `/` is cleaned away, as in Docker); for a directory the answer says whether the
    ///     directory entry itself is left out: an excluded directory may still contain re-included paths.
    /// - Returns: True when the path is not sent to the build; the context root itself is never excluded.
    public func isExcluded(_ relativePath: String, isDirectory: Bool) -> Bool {
        var path = DockerIgnorePath.clean(relativePath)
        while path.hasPrefix("/") { path.removeFirst() }
        if path.isEmpty || path == "." { return false }
        let scalars = Array(path.unicodeScalars)
        if matches(scalars) { return true }
        guard dialect == .buildah else { return false }
        // buildah does not enter an excluded directory that no exception names; everything below is dropped.
        for (index, char) in scalars.enumerated() where char == "/" {
            let ancestor = Array(scalars[..<index])
            if matches(ancestor) && !entersExcludedDirectory(ancestor) { return true }
        }
        return false
    }

    /// Whether the path or one of its parent directories matches, the last matching rule deciding (moby's
    /// `MatchesOrParentMatches`).
    func matches(_ path: [Unicode.Scalar]) -> Bool {
        var prefixes: [[Unicode.Scalar]] = []
        for (index, char) in path.enumerated() where char == "/" { prefixes.append(Array(path[..<index])) }
        var excluded = false
        for pattern in patterns {
            // A rule can only change the outcome when it points the other way.
            guard pattern.isException == excluded else { continue }
            if pattern.matches(path) || prefixes.contains(where: pattern.matches) {
                excluded = !pattern.isException
            }
        }
        return excluded
    }

    /// Whether a walk must look inside an excluded directory because an exception may re-include something there.
    func entersExcludedDirectory(_ directory: [Unicode.Scalar]) -> Bool {
        guard hasExceptions else { return false }
        switch dialect {
        case .docker:
            return true
        case .buildah:
            let trimmed = DockerfileWords.string(directory[...]).trimmingSlashes
            return patterns.contains { $0.isException && ($0.text.trimmingSlashes + "/").hasPrefix(trimmed) }
        }
    }
}

extension String {
    fileprivate var trimmingSlashes: String {
        var text = Substring(self)
        while text.hasPrefix("/") { text = text.dropFirst() }
        while text.hasSuffix("/") { text = text.dropLast() }
        return String(text)
    }
}
