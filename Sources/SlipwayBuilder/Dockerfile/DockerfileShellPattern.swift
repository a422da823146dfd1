/// The shell wildcard patterns of `${VAR#pat}`, `${VAR%pat}` and `${VAR/pat/repl}`: `*` (any text), `?` (one
/// character) and `\` escaping `*`, `?` or `\` (a `\` before `}` or `/` only protects that character from ending the
/// substitution). Bracket expressions are not supported, as in BuildKit.
struct DockerfileShellPattern {
    private enum Token: Equatable {
        case literal(Unicode.Scalar)
        case any
        case star
    }

    private let tokens: [Token]

    init(_ pattern: String) throws {
        var tokens: [Token] = []
        var scalars = Array(pattern.unicodeScalars)[...]
        while let char = scalars.popFirst() {
            switch char {
            case "*": tokens.append(.star)
            case "?": tokens.append(.any)
            case "\\":
                if scalars.first == "}" || scalars.first == "/" { continue }
                let escaped = scalars.popFirst()
                guard let escaped, escaped == "*" || escaped == "?" || escaped == "\\" else {
                    let shown = escaped.map { String($0) } ?? ""
                    throw DockerfileShellLexer.Failure(
                        message: "invalid pattern (\(pattern)) in substitution: invalid escape '\\\(shown)'")
                }
                tokens.append(.literal(escaped))
            default: tokens.append(.literal(char))
            }
        }
        self.tokens = tokens
    }

    /// Whether the pattern matches all of `text[range]`.
    private func matches(_ text: [Unicode.Scalar], _ range: Range<Int>) -> Bool {
        var memo: [Int: Bool] = [:]
        func match(_ token: Int, _ index: Int) -> Bool {
            let key = token * (text.count + 1) + index
            if let known = memo[key] { return known }
            let result: Bool
            if token == tokens.count {
                result = index == range.upperBound
            } else {
                switch tokens[token] {
                case .star:
                    result = match(token + 1, index) || (index < range.upperBound && match(token, index + 1))
                case .any:
                    result = index < range.upperBound && match(token + 1, index + 1)
                case .literal(let char):
                    result = index < range.upperBound && text[index] == char && match(token + 1, index + 1)
                }
            }
            memo[key] = result
            return result
        }
        return match(0, range.lowerBound)
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        DockerfileWords.string(scalars)
    }

    /// `${VAR#pat}` (shortest) or `${VAR##pat}` (longest): the value without the matching prefix.
    func removingPrefix(of value: String, longest: Bool) -> String {
        let text = Array(value.unicodeScalars)
        let lengths = longest ? Array((0...text.count).reversed()) : Array(0...text.count)
        for length in lengths where matches(text, 0..<length) {
            return Self.string(text[length...])
        }
        return value
    }

    /// `${VAR%pat}` (shortest) or `${VAR%%pat}` (longest): the value without the matching suffix.
    func removingSuffix(of value: String, longest: Bool) -> String {
        let text = Array(value.unicodeScalars)
        let lengths = longest ? Array((0...text.count).reversed()) : Array(0...text.count)
        for length in lengths where matches(text, (text.count - length)..<text.count) {
            return Self.string(text[..<(text.count - length)])
        }
        return value
    }

    /// The leftmost match at or after `start`, longest first (the wildcards are greedy in replacements).
    private func firstMatch(_ text: [Unicode.Scalar], from start: Int) -> Range<Int>? {
        guard start <= text.count else { return nil }
        for lower in start...text.count {
            for upper in stride(from: text.count, through: lower, by: -1) where matches(text, lower..<upper) {
                return lower..<upper
            }
        }
        return nil
    }

    /// `${VAR/pat/repl}` (first match) or `${VAR//pat/repl}` (every match), with Go's `ReplaceAllString` rules
    /// for empty matches.
    func replacing(in value: String, with replacement: String, all: Bool) -> String {
        let text = Array(value.unicodeScalars)
        guard all else {
            guard let found = firstMatch(text, from: 0) else { return value }
            return Self.string(text[..<found.lowerBound]) + replacement + Self.string(text[found.upperBound...])
        }
        var output = ""
        var lastEnd = 0
        var search = 0
        while search <= text.count, let found = firstMatch(text, from: search) {
            output += Self.string(text[lastEnd..<found.lowerBound])
            if found.upperBound > lastEnd || found.lowerBound == 0 { output += replacement }
            lastEnd = found.upperBound
            search = max(search + 1, found.upperBound)
        }
        output += Self.string(text[min(lastEnd, text.count)...])
        return output
    }
}
