/// A logical line: an instruction's physical lines joined, with a map back to physical positions.
struct DockerfileLogicalLine {
    /// A run of the logical text that came from one physical line.
    struct Segment {
        var offset: Int
        var line: Int
        var column: Int
    }

    var text: [Unicode.Scalar]
    var startLine: Int
    var endLine: Int
    var segments: [Segment]

    /// The physical line and column of an offset in `text`.
    func position(of offset: Int) -> (line: Int, column: Int) {
        guard let segment = segments.last(where: { $0.offset <= offset }) else { return (startLine, 1) }
        return (segment.line, segment.column + offset - segment.offset)
    }

    var string: String {
        DockerfileWords.string(text[...])
    }
}

/// Splits a Dockerfile into logical lines the way BuildKit's `parser.Parse` does: parser directives at the top,
/// comments and blank lines dropped, leading whitespace removed from the first physical line only, escape-newline
/// continuations joined (comment and blank lines inside a continuation are skipped), and heredoc bodies read on
/// request.
struct DockerfileLineReader {
    private struct PhysicalLine {
        var text: [Unicode.Scalar]
        var hasNewline: Bool
    }

    let file: String
    private var lines: [PhysicalLine]
    private var index = 0
    private(set) var directives: [DockerfileDirective] = []
    private(set) var escape: Unicode.Scalar = "\\"
    private var directivesDone = false

    init(text: String, file: String) {
        self.file = file
        var scalars = Array(text.unicodeScalars)[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        var lines: [PhysicalLine] = []
        while !scalars.isEmpty {
            if let newline = scalars.firstIndex(of: "\n") {
                lines.append(PhysicalLine(text: Array(scalars[..<newline]), hasNewline: true))
                scalars = scalars[(newline + 1)...]
            } else {
                lines.append(PhysicalLine(text: Array(scalars), hasNewline: false))
                scalars = []
            }
        }
        self.lines = lines
    }

    /// The 1-based number of the last physical line consumed.
    var currentLine: Int { index }

    private static func trimNewline(_ text: [Unicode.Scalar]) -> ArraySlice<Unicode.Scalar> {
        var slice = text[...]
        while let last = slice.last, last == "\r" || last == "\n" { slice = slice.dropLast() }
        return slice
    }

    private static func leadingWhitespace(_ text: ArraySlice<Unicode.Scalar>) -> Int {
        text.prefix(while: DockerfileWords.isSpace).count
    }

    private static func isComment(_ text: ArraySlice<Unicode.Scalar>) -> Bool {
        text.dropFirst(leadingWhitespace(text)).first == "#"
    }

    /// Looks for `# name=value` while directives are still allowed (before any other line).
    private mutating func considerDirective(_ text: ArraySlice<Unicode.Scalar>, line: Int) throws {
        guard !directivesDone else { return }
        guard let (name, value) = Self.directive(text) else {
            directivesDone = true
            return
        }
        guard ["syntax", "escape", "check"].contains(name) else {
            directivesDone = true
            return
        }
        if directives.contains(where: { $0.name == name }) {
            throw DockerfileError(
                file: file, line: line, column: 1,
                message: "only one \(name) parser directive can be used; remove the repeated one")
        }
        if name == "escape" {
            guard value == "\\" || value == "`" else {
                throw DockerfileError(
                    file: file, line: line, column: 1,
                    message: "invalid escape token '\(value)' does not match ` or \\")
            }
            escape = value == "`" ? "`" : "\\"
        }
        directives.append(DockerfileDirective(name: name, value: value, line: line))
    }

    /// Matches `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
    private static func directive(_ text: ArraySlice<Unicode.Scalar>) -> (String, String)? {
        var rest = text
        guard rest.first == "#" else { return nil }
        rest = rest.dropFirst().drop(while: DockerfileWords.isSpace)
        guard let first = rest.first, first.isASCII, first.properties.isAlphabetic else { return nil }
        let name = rest.prefix { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
        rest = rest.dropFirst(name.count).drop(while: DockerfileWords.isSpace)
        guard rest.first == "=" else { return nil }
        rest = rest.dropFirst().drop(while: DockerfileWords.isSpace)
        while let last = rest.last, DockerfileWords.isSpace(last) { rest = rest.dropLast() }
        guard !rest.isEmpty else { return nil }
        return (DockerfileWords.string(name).lowercased(), DockerfileWords.string(rest))
    }

    /// Removes a trailing escape character (and the blanks after it) that continues the line, unless the escape
    /// character is itself escaped. Returns nil when the line does not continue.
    private func continuation(_ text: ArraySlice<Unicode.Scalar>) -> ArraySlice<Unicode.Scalar>? {
        var end = text.endIndex
        while end > text.startIndex, text[end - 1] == " " || text[end - 1] == "\t" { end -= 1 }
        guard end > text.startIndex, text[end - 1] == escape else { return nil }
        if end - 1 > text.startIndex && text[end - 2] == escape { return nil }
        return text[text.startIndex..<(end - 1)]
    }

    /// The next logical line, or nil at the end of the file.
    mutating func nextLogicalLine() throws -> DockerfileLogicalLine? {
        while index < lines.count {
            let raw = Self.trimNewline(lines[index].text)
            index += 1
            let startLine = index
            let indent = Self.leadingWhitespace(raw)
            let token = raw.dropFirst(indent)
            try considerDirective(token, line: startLine)
            let content: ArraySlice<Unicode.Scalar> = Self.isComment(token) ? [] : token
            var segments = [DockerfileLogicalLine.Segment(offset: 0, line: startLine, column: indent + 1)]
            var text: [Unicode.Scalar]
            var ended: Bool
            if let continued = continuation(content) {
                text = Array(continued)
                ended = false
            } else {
                text = Array(content)
                ended = true
            }
            if ended && text.isEmpty { continue }
            while !ended && index < lines.count {
                let next = Self.trimNewline(lines[index].text)
                index += 1
                if Self.isComment(next) || Self.leadingWhitespace(next) == next.count { continue }
                segments.append(.init(offset: text.count, line: index, column: 1))
                if let continued = continuation(next) {
                    text += continued
                } else {
                    text += next
                    ended = true
                }
            }
            return DockerfileLogicalLine(text: text, startLine: startLine, endLine: index, segments: segments)
        }
        return nil
    }

    /// Reads a heredoc body up to its terminator line; nil when the file ends first.
    mutating func heredocBody(terminator: String, stripsLeadingTabs: Bool) -> String? {
        let wanted = Array(terminator.unicodeScalars)
        var content = ""
        while index < lines.count {
            let line = lines[index]
            index += 1
            var candidate = Self.trimNewline(line.text)
            if stripsLeadingTabs { candidate = candidate.drop { $0 == "\t" } }
            if Array(candidate) == wanted { return content }
            var body = line.text[...]
            if stripsLeadingTabs { body = body.drop { $0 == "\t" } }
            content.unicodeScalars.append(contentsOf: body)
            if line.hasNewline { content.unicodeScalars.append("\n") }
        }
        return nil
    }
}
