import Foundation

/// Word-level helpers shared by the parser: BuildKit's flag extraction, word splitting, JSON arrays, CSV fields.
/// All positions are offsets into arrays of Unicode scalars (Go's runes), so that errors can point at columns.
enum DockerfileWords {
    /// A word together with the offset where it starts in the scanned text.
    struct Word: Equatable {
        var text: String
        var offset: Int
    }

    /// Go's `unicode.IsSpace`.
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\u{0B}", "\u{0C}", "\r", "\u{85}", "\u{A0}": true
        default: scalar.value > 0xFF && scalar.properties.isWhitespace
        }
    }

    /// The characters of BuildKit's `[\t\v\f\r ]+` separator.
    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\u{0B}" || scalar == "\u{0C}" || scalar == "\r"
    }

    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars)
        return result
    }

    /// BuildKit's `extractBuilderFlags`: reads the leading `--flag[=value]` words (quotes and `\` honoured) and
    /// returns them with the offset where the remaining arguments begin.
    static func builderFlags(_ text: [Unicode.Scalar], from start: Int) -> (flags: [Word], rest: Int) {
        enum Phase { case spaces, word, quote }
        var words: [Word] = []
        var phase = Phase.spaces
        var word = ""
        var wordStart = start
        var quote: Unicode.Scalar = "\""
        var blankOK = false
        var pos = start
        while pos <= text.count {
            let atEnd = pos == text.count
            var char: Unicode.Scalar = atEnd ? " " : text[pos]
            if phase == .spaces {
                if atEnd { break }
                if isSpace(char) {
                    pos += 1
                    continue
                }
                if char != "-" || pos + 1 == text.count || text[pos + 1] != "-" { return (words, pos) }
                phase = .word
                wordStart = pos
            }
            if atEnd {
                if word != "--" && (blankOK || !word.isEmpty) { words.append(Word(text: word, offset: wordStart)) }
                break
            }
            if phase == .word {
                if isSpace(char) {
                    phase = .spaces
                    if word == "--" { return (words, pos) }
                    if blankOK || !word.isEmpty { words.append(Word(text: word, offset: wordStart)) }
                    word = ""
                    blankOK = false
                    pos += 1
                    continue
                }
                if char == "'" || char == "\"" {
                    quote = char
                    blankOK = true
                    phase = .quote
                    pos += 1
                    continue
                }
            } else if char == quote {
                phase = .word
                pos += 1
                continue
            }
            if char == "\\" {
                if pos + 1 == text.count {
                    if phase == .quote { phase = .word }
                    pos += 1
                    continue
                }
                pos += 1
                char = text[pos]
            }
            word.unicodeScalars.append(char)
            pos += 1
        }
        return (words, text.count)
    }

    /// BuildKit's `parseWords` (ARG, ENV, LABEL): splits on unquoted whitespace, keeping quotes and escapes in the
    /// words for the expander to process later.
    static func parseWords(_ text: [Unicode.Scalar], from start: Int, escape: Unicode.Scalar) -> [Word] {
        enum Phase { case spaces, word, quote }
        var words: [Word] = []
        var phase = Phase.spaces
        var word = ""
        var wordStart = start
        var quote: Unicode.Scalar = "\""
        var blankOK = false
        var pos = start
        while pos <= text.count {
            let atEnd = pos == text.count
            var char: Unicode.Scalar = atEnd ? " " : text[pos]
            if phase == .spaces {
                if atEnd { break }
                if isSpace(char) {
                    pos += 1
                    continue
                }
                phase = .word
                wordStart = pos
            }
            if atEnd {
                if blankOK || !word.isEmpty { words.append(Word(text: word, offset: wordStart)) }
                break
            }
            if phase == .word {
                if isSpace(char) {
                    phase = .spaces
                    if blankOK || !word.isEmpty { words.append(Word(text: word, offset: wordStart)) }
                    word = ""
                    blankOK = false
                    pos += 1
                    continue
                }
                if char == "'" || char == "\"" {
                    quote = char
                    blankOK = true
                    phase = .quote
                }
                if char == escape {
                    if pos + 1 == text.count {
                        pos += 1
                        continue
                    }
                    word.unicodeScalars.append(char)
                    pos += 1
                    char = text[pos]
                }
                word.unicodeScalars.append(char)
                pos += 1
                continue
            }
            if char == quote { phase = .word }
            if char == escape && quote != "'" {
                if pos + 1 == text.count {
                    phase = .word
                    pos += 1
                    continue
                }
                pos += 1
                word.unicodeScalars.append(char)
                char = text[pos]
            }
            word.unicodeScalars.append(char)
            pos += 1
        }
        return words
    }

    /// Splits on runs of `[\t\v\f\r ]`, as BuildKit's `parseStringsWhitespaceDelimited` does.
    static func whitespaceDelimited(_ text: [Unicode.Scalar], from start: Int) -> [Word] {
        var words: [Word] = []
        var pos = start
        while pos < text.count {
            while pos < text.count && isSeparator(text[pos]) { pos += 1 }
            guard pos < text.count else { break }
            let wordStart = pos
            while pos < text.count && !isSeparator(text[pos]) { pos += 1 }
            words.append(Word(text: string(text[wordStart..<pos]), offset: wordStart))
        }
        return words
    }

    /// The outcome of reading arguments as a JSON array.
    enum JSONArray: Equatable {
        case notJSON
        case strings([String])
        case notAllStrings
    }

    /// BuildKit's `parseJSON`: a JSON array of strings. Anything that is not valid JSON falls back to shell form;
    /// a valid array holding non-strings is an error.
    static func jsonArray(_ text: String) -> JSONArray {
        let trimmed = text.drop { $0.unicodeScalars.allSatisfy(isSpace) }
        guard trimmed.hasPrefix("["),
            let value = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed]),
            let array = value as? [Any]
        else { return .notJSON }
        var strings: [String] = []
        for element in array {
            guard let string = element as? String else { return .notAllStrings }
            strings.append(string)
        }
        return .strings(strings)
    }

    /// Comma-separated fields as Go's `encoding/csv` reads one record; nil for a malformed quote.
    static func csvFields(_ text: String) -> [String]? {
        if text.isEmpty { return [] }
        var fields: [String] = []
        var scalars = Array(text.unicodeScalars)[...]
        while true {
            var field = ""
            if scalars.first == "\"" {
                scalars = scalars.dropFirst()
                var closed = false
                while let char = scalars.first {
                    scalars = scalars.dropFirst()
                    if char == "\"" {
                        if scalars.first == "\"" {
                            field.unicodeScalars.append("\"")
                            scalars = scalars.dropFirst()
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        field.unicodeScalars.append(char)
                    }
                }
                guard closed, scalars.isEmpty || scalars.first == "," else { return nil }
            } else {
                while let char = scalars.first, char != "," {
                    guard char != "\"" else { return nil }
                    field.unicodeScalars.append(char)
                    scalars = scalars.dropFirst()
                }
            }
            fields.append(field)
            guard scalars.first == "," else { break }
            scalars = scalars.dropFirst()
        }
        return fields
    }

    /// A size such as `64m`, `1g`, `512kb` or `100` in bytes (binary units, as Docker's `units.RAMInBytes`).
    static func byteSize(_ text: String) -> Int64? {
        var digits = Substring(text)
        var multiplier: Int64 = 1
        let lower = text.lowercased()
        for (suffixes, factor) in [
            (["kib", "kb", "k"], Int64(1) << 10), (["mib", "mb", "m"], Int64(1) << 20),
            (["gib", "gb", "g"], Int64(1) << 30), (["tib", "tb", "t"], Int64(1) << 40),
            (["pib", "pb", "p"], Int64(1) << 50), (["b"], Int64(1)),
        ] {
            if let suffix = suffixes.first(where: { lower.hasSuffix($0) }) {
                digits = digits.dropLast(suffix.count)
                multiplier = factor
                break
            }
        }
        let number = digits.trimmingCharacters(in: .whitespaces)
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Double(number), value >= 0
        else { return nil }
        let bytes = value * Double(multiplier)
        guard bytes < Double(Int64.max) else { return nil }
        return Int64(bytes)
    }

    /// The candidate closest to `word` (case-insensitive edit distance of at most 2), for "did you mean" hints.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        let target = Array(word.lowercased())
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased()))
            if distance <= 2, distance < target.count, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    private static func editDistance(_ lhs: [Character], _ rhs: [Character]) -> Int {
        if lhs.isEmpty { return rhs.count }
        var previous = Array(0...rhs.count)
        for (i, left) in lhs.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: rhs.count)
            for (j, right) in rhs.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (left == right ? 0 : 1))
            }
            previous = current
        }
        return previous[rhs.count]
    }
}
