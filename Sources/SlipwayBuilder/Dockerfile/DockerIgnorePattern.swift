/// One compiled `.dockerignore` pattern, with the semantics of moby's `patternmatcher`: the whole relative path
/// must match; `*` matches any run of characters but `/`, `?` one character but `/`, `[...]` a character class
/// (which, as in Docker's regular-expression translation, may match `/`), `\` escapes the next character, and
/// `**` matches any number of directories (`**/` also matches none; a trailing `**` matches everything below).
struct DockerIgnorePattern: Equatable, Sendable {
    private enum Token: Equatable, Sendable {
        case literal(Unicode.Scalar)
        case anyButSlash
        case star
        /// `**` followed by more pattern: nothing, or anything ending in `/`.
        case directories
        /// `**` at the end: anything.
        case everything
        case characterClass(negated: Bool, ranges: [ClosedRange<UInt32>])
    }

    /// The cleaned pattern text (without `!`).
    let text: String
    /// True for `!pattern` lines, which re-include what earlier lines excluded.
    let isException: Bool
    /// The 1-based line in the ignore file.
    let line: Int
    private let tokens: [Token]

    /// Compiles a cleaned pattern; nil when it is not valid `filepath.Match` syntax.
    init?(text: String, isException: Bool, line: Int) {
        let scalars = Array(text.unicodeScalars)
        guard Self.isValidGoPattern(scalars), let tokens = Self.tokens(scalars) else { return nil }
        self.text = text
        self.isException = isException
        self.line = line
        self.tokens = tokens
    }

    /// Go's `filepath.Match` syntax check: `\` must escape something, and `[` must open a well-formed class
    /// (`[^...]` negates; `-`, `]` and a missing character are errors unless escaped).
    static func isValidGoPattern(_ pattern: [Unicode.Scalar]) -> Bool {
        var index = 0
        func classCharacter() -> Bool {
            guard index < pattern.count, pattern[index] != "-", pattern[index] != "]" else { return false }
            if pattern[index] == "\\" { index += 1 }
            guard index < pattern.count else { return false }
            index += 1
            return index < pattern.count
        }
        while index < pattern.count {
            switch pattern[index] {
            case "\\":
                index += 2
                if index > pattern.count { return false }
            case "[":
                index += 1
                if index < pattern.count && pattern[index] == "^" { index += 1 }
                var ranges = 0
                while true {
                    if index < pattern.count && pattern[index] == "]" && ranges > 0 {
                        index += 1
                        break
                    }
                    guard classCharacter() else { return false }
                    if pattern[index] == "-" {
                        index += 1
                        guard classCharacter() else { return false }
                    }
                    ranges += 1
                }
            default:
                index += 1
            }
        }
        return true
    }

    private static func tokens(_ pattern: [Unicode.Scalar]) -> [Token]? {
        var tokens: [Token] = []
        var index = 0
        while index < pattern.count {
            let char = pattern[index]
            index += 1
            switch char {
            case "*":
                guard index < pattern.count, pattern[index] == "*" else {
                    tokens.append(.star)
                    continue
                }
                index += 1
                if index < pattern.count && pattern[index] == "/" { index += 1 }
                tokens.append(index == pattern.count ? .everything : .directories)
            case "?":
                tokens.append(.anyButSlash)
            case "\\":
                tokens.append(.literal(index < pattern.count ? pattern[index] : "\\"))
                index += 1
            case "[":
                var negated = false
                if index < pattern.count && pattern[index] == "^" {
                    negated = true
                    index += 1
                }
                var ranges: [ClosedRange<UInt32>] = []
                while index < pattern.count && !(pattern[index] == "]" && !ranges.isEmpty) {
                    if pattern[index] == "\\" { index += 1 }
                    let low = pattern[index].value
                    index += 1
                    var high = low
                    if index + 1 < pattern.count && pattern[index] == "-" && pattern[index + 1] != "]" {
                        index += 1
                        if pattern[index] == "\\" { index += 1 }
                        high = pattern[index].value
                        index += 1
                    }
                    guard low <= high else { return nil }
                    ranges.append(low...high)
                }
                index += 1
                tokens.append(.characterClass(negated: negated, ranges: ranges))
            default:
                tokens.append(.literal(char))
            }
        }
        return tokens
    }

    /// Whether the pattern matches the whole of `path` (components separated by `/`).
    func matches(_ path: [Unicode.Scalar]) -> Bool {
        var memo = [Bool?](repeating: nil, count: (tokens.count + 1) * (path.count + 1))
        func match(_ token: Int, _ index: Int) -> Bool {
            let key = token * (path.count + 1) + index
            if let known = memo[key] { return known }
            let result: Bool
            if token == tokens.count {
                result = index == path.count
            } else {
                let more = index < path.count
                switch tokens[token] {
                case .literal(let char):
                    result = more && path[index] == char && match(token + 1, index + 1)
                case .anyButSlash:
                    result = more && path[index] != "/" && match(token + 1, index + 1)
                case .star:
                    result = match(token + 1, index) || (more && path[index] != "/" && match(token, index + 1))
                case .everything:
                    result = true
                case .directories:
                    // `(.*/)?`: skip nothing, or skip up to and including some later `/`.
                    var found = match(token + 1, index)
                    var scan = index
                    while !found && scan < path.count {
                        if path[scan] == "/" { found = match(token + 1, scan + 1) }
                        scan += 1
                    }
                    result = found
                case .characterClass(let negated, let ranges):
                    result =
                        more && ranges.contains { $0.contains(path[index].value) } != negated
                        && match(token + 1, index + 1)
                }
            }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }
}

/// Go's `filepath.Clean` for `/`-separated paths: repeated slashes, `.` and resolvable `..` removed.
enum DockerIgnorePath {
    static func clean(_ path: String) -> String {
        if path.isEmpty { return "." }
        let rooted = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !rooted {
                    parts.append(part)
                }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Go's `strings.TrimSpace`.
    static func trimSpace(_ text: Substring) -> Substring {
        var slice = text
        while let first = slice.unicodeScalars.first, DockerfileWords.isSpace(first) {
            slice = slice.dropFirst()
        }
        while let last = slice.unicodeScalars.last, DockerfileWords.isSpace(last) {
            slice = slice.dropLast()
        }
        return slice
    }
}
