/// The word processor of BuildKit's `shell.Lex`: quote removal, escapes, and `$VAR`/`${VAR…}` substitution, either
/// as one word (`ProcessWord`, spaces kept) or split into words after substitution (`ProcessWords`).
struct DockerfileShellLexer: Sendable {
    var escape: Unicode.Scalar
    /// Keep quote characters in the output (used to detect quoted heredoc delimiters).
    var rawQuotes = false
    /// Keep escape characters in the output.
    var rawEscapes = false
    /// Treat quotes as ordinary characters (heredoc bodies).
    var skipProcessQuotes = false
    /// Leave references to unset variables as written.
    var skipUnsetEnv = false

    init(escape: Unicode.Scalar) {
        self.escape = escape
    }

    /// The processed text as one word (`ProcessWord`) and split into words (`ProcessWords`).
    func process(_ word: String, environment: [String: String]) throws -> (word: String, words: [String]) {
        var scanner = Scanner(lexer: self, scalars: Array(word.unicodeScalars), environment: environment)
        do {
            return try scanner.processStop(on: nil, rawEscapes: rawEscapes)
        } catch let failure as Failure {
            throw DockerfileExpansionError(message: failure.message, word: word)
        }
    }

    struct Failure: Error {
        var message: String
    }

    /// Accumulates the split words, as BuildKit's `wordsStruct`.
    private struct Words {
        var buffer = ""
        var words: [String] = []
        var inWord = false

        mutating func add(_ char: Unicode.Scalar) {
            if DockerfileWords.isSpace(char) {
                if inWord && !buffer.isEmpty {
                    words.append(buffer)
                    buffer = ""
                    inWord = false
                }
            } else {
                addRaw(char)
            }
        }

        mutating func addRaw(_ char: Unicode.Scalar) {
            buffer.unicodeScalars.append(char)
            inWord = true
        }

        mutating func add(_ string: String) {
            for char in string.unicodeScalars { add(char) }
        }

        mutating func addRaw(_ string: String) {
            buffer += string
            inWord = true
        }

        mutating func finish() -> [String] {
            if !buffer.isEmpty {
                words.append(buffer)
                buffer = ""
                inWord = false
            }
            return words
        }
    }

    private struct Scanner {
        let lexer: DockerfileShellLexer
        let scalars: [Unicode.Scalar]
        let environment: [String: String]
        var position = 0
        var rawEscapes = false

        init(lexer: DockerfileShellLexer, scalars: [Unicode.Scalar], environment: [String: String]) {
            self.lexer = lexer
            self.scalars = scalars
            self.environment = environment
        }

        func peek() -> Unicode.Scalar? {
            position < scalars.count ? scalars[position] : nil
        }

        mutating func next() -> Unicode.Scalar? {
            guard position < scalars.count else { return nil }
            position += 1
            return scalars[position - 1]
        }

        mutating func processStop(on stop: Unicode.Scalar?, rawEscapes raw: Bool) throws -> (String, [String]) {
            let saved = rawEscapes
            rawEscapes = raw
            defer { rawEscapes = saved }
            var result = ""
            var words = Words()
            while let char = peek() {
                if let stop, char == stop {
                    position += 1
                    return (result, words.finish())
                }
                if char == "$" {
                    let value = try processDollar()
                    result += value
                    words.add(value)
                } else if !lexer.skipProcessQuotes && (char == "'" || char == "\"") {
                    let value = char == "'" ? try processSingleQuote() : try processDoubleQuote()
                    result += value
                    words.addRaw(value)
                } else {
                    position += 1
                    var literal = char
                    if char == lexer.escape {
                        if rawEscapes {
                            words.addRaw(char)
                            result.unicodeScalars.append(char)
                        }
                        guard let escaped = next() else { break }
                        literal = escaped
                        words.addRaw(literal)
                    } else {
                        words.add(literal)
                    }
                    result.unicodeScalars.append(literal)
                }
            }
            if let stop {
                throw Failure(message: "unexpected end of statement while looking for matching \(stop)")
            }
            return (result, words.finish())
        }

        mutating func processSingleQuote() throws -> String {
            var result = ""
            let open = next()
            if lexer.rawQuotes, let open { result.unicodeScalars.append(open) }
            while true {
                guard let char = next() else {
                    throw Failure(message: "unexpected end of statement while looking for matching single-quote")
                }
                if char == "'" {
                    if lexer.rawQuotes { result.unicodeScalars.append(char) }
                    return result
                }
                result.unicodeScalars.append(char)
            }
        }

        mutating func processDoubleQuote() throws -> String {
            var result = ""
            let open = next()
            if lexer.rawQuotes, let open { result.unicodeScalars.append(open) }
            while true {
                guard let char = peek() else {
                    throw Failure(message: "unexpected end of statement while looking for matching double-quote")
                }
                if char == "\"" {
                    position += 1
                    if lexer.rawQuotes { result.unicodeScalars.append(char) }
                    return result
                }
                if char == "$" {
                    result += try processDollar()
                    continue
                }
                position += 1
                var literal = char
                if char == lexer.escape {
                    if rawEscapes { result.unicodeScalars.append(char) }
                    guard let following = peek() else { continue }
                    if following == "\"" || following == "$" || following == lexer.escape {
                        literal = following
                        position += 1
                    }
                }
                result.unicodeScalars.append(literal)
            }
        }

        func lookup(_ name: String) -> String? {
            environment[name]
        }

        mutating func processDollar() throws -> String {
            position += 1
            guard peek() == "{" else {
                let name = processName()
                if name.isEmpty { return "$" }
                if let value = lookup(name) { return value }
                return lexer.skipUnsetEnv ? "$" + name : ""
            }
            position += 1
            switch peek() {
            case nil: throw Failure(message: "syntax error: missing '}'")
            case "{", "}", ":": throw Failure(message: "syntax error: bad substitution")
            default: break
            }
            let name = processName()
            guard var modifier = next() else { throw Failure(message: "syntax error: missing '}'") }
            var written = String(modifier)
            var nullIsUnset = false
            switch modifier {
            case "}":
                if let value = lookup(name) { return value }
                return lexer.skipUnsetEnv ? "${\(name)}" : ""
            case "/":
                return try processReplacement(name: name)
            case ":":
                nullIsUnset = true
                guard let second = next() else { throw Failure(message: "syntax error: missing '}'") }
                modifier = second
                written.unicodeScalars.append(second)
                guard "+-?".unicodeScalars.contains(second) else {
                    throw Failure(message: "unsupported modifier (\(written)) in substitution")
                }
            case "+", "-", "?", "#", "%":
                break
            default:
                throw Failure(message: "unsupported modifier (\(written)) in substitution")
            }
            let isPattern = modifier == "#" || modifier == "%"
            let word: String
            do {
                word = try processStop(on: "}", rawEscapes: isPattern).0
            } catch let failure as Failure {
                if peek() == nil { throw Failure(message: "syntax error: missing '}'") }
                throw failure
            }
            let value = lookup(name)
            if lexer.skipUnsetEnv && value == nil { return "${\(name)\(written)\(word)}" }
            let isUnset = value == nil || (nullIsUnset && value == "")
            switch modifier {
            case "-":
                return isUnset ? word : value ?? ""
            case "+":
                return isUnset ? "" : word
            case "?":
                guard let value else {
                    throw Failure(message: "\(name): \(word.isEmpty ? "is not allowed to be unset" : word)")
                }
                if nullIsUnset && value.isEmpty {
                    throw Failure(message: "\(name): \(word.isEmpty ? "is not allowed to be empty" : word)")
                }
                return value
            default:
                var pattern = Substring(word)
                let longest = pattern.first.map { String($0) == String(modifier) } ?? false
                if longest { pattern = pattern.dropFirst() }
                let compiled = try DockerfileShellPattern(String(pattern))
                return modifier == "#"
                    ? compiled.removingPrefix(of: value ?? "", longest: longest)
                    : compiled.removingSuffix(of: value ?? "", longest: longest)
            }
        }

        mutating func processReplacement(name: String) throws -> String {
            let all = peek() == "/"
            if all { position += 1 }
            let pattern: String
            do {
                pattern = try processStop(on: "/", rawEscapes: true).0
            } catch let failure as Failure {
                if peek() == nil { throw Failure(message: "syntax error: missing '/' in ${}") }
                throw failure
            }
            let replacement: String
            do {
                replacement = try processStop(on: "}", rawEscapes: true).0
            } catch let failure as Failure {
                if peek() == nil { throw Failure(message: "syntax error: missing '}'") }
                throw failure
            }
            let value = lookup(name)
            if lexer.skipUnsetEnv && value == nil { return "${\(name)/\(pattern)/\(replacement)}" }
            let compiled = try DockerfileShellPattern(pattern)
            return compiled.replacing(in: value ?? "", with: replacement, all: all)
        }

        mutating func processName() -> String {
            var name = ""
            while let char = peek() {
                if name.isEmpty && char.properties.numericType == .decimal {
                    while let digit = peek(), digit.properties.numericType == .decimal {
                        name.unicodeScalars.append(digit)
                        position += 1
                    }
                    return name
                }
                if name.isEmpty && "@*#?-$!0".unicodeScalars.contains(char) {
                    position += 1
                    return String(char)
                }
                let isLetter = char.properties.isAlphabetic && char.properties.generalCategory.isLetter
                guard isLetter || char.properties.numericType == .decimal || char == "_" else { break }
                name.unicodeScalars.append(char)
                position += 1
            }
            return name
        }
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isLetter: Bool {
        switch self {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }
}
