/// Parses Dockerfile text into typed instructions, following the Dockerfile reference and BuildKit's
/// `frontend/dockerfile/parser` and `instructions` packages.
///
/// The parser is pure: it reads only the text it is given. Values are kept as written; see `Dockerfile`.
public enum DockerfileParser {
    /// Parses a Dockerfile.
    ///
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - file: The name to report in errors, usually the path given to the build.
    /// - Throws: `DockerfileError` for the first problem found, with its line and column.
    public static func parse(_ text: String, file: String = "Dockerfile") throws -> Dockerfile {
        var reader = DockerfileLineReader(text: text, file: file)
        var instructions: [DockerfileInstruction] = []
        var sawFrom = false
        while let line = try reader.nextLogicalLine() {
            let parser = DockerfileLineParser(file: file, escape: reader.escape, line: line)
            let instruction = try parser.instruction(from: 0, reader: &reader)
            if instruction.kind == .from { sawFrom = true }
            if !sawFrom && instruction.kind != .arg {
                throw DockerfileError(
                    file: file, line: instruction.location.line, column: instruction.location.column,
                    message: "\(instruction.kind.rawValue) before the first FROM: no build stage in current context "
                        + "(only ARG may come before FROM)")
            }
            instructions.append(instruction)
        }
        if instructions.isEmpty {
            throw DockerfileError(
                file: file, line: max(reader.currentLine, 1), column: 1,
                message: "file with no instructions (a Dockerfile needs at least a FROM)")
        }
        return Dockerfile(
            file: file, directives: reader.directives, escapeCharacter: Character(reader.escape),
            instructions: instructions)
    }

    /// Whether a word is a heredoc opener (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`), as BuildKit's `ParseHeredoc`.
    /// Returns the heredoc without content, or nil when the word is not one.
    static func heredocOpener(_ word: String) throws -> DockerfileHeredoc? {
        let scalars = Array(word.unicodeScalars)
        var index = 0
        while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
        let digits = DockerfileWords.string(scalars[0..<index])
        guard index + 1 < scalars.count, scalars[index] == "<", scalars[index + 1] == "<" else { return nil }
        index += 2
        let chomp = index < scalars.count && scalars[index] == "-"
        if chomp { index += 1 }
        let rest = DockerfileWords.string(scalars[index...])
        guard !rest.isEmpty, !rest.unicodeScalars.contains("<") else { return nil }
        var lexer = DockerfileShellLexer(escape: "\\")
        lexer.skipUnsetEnv = true
        let words = try lexer.process(rest, environment: [:]).words
        guard words.count == 1 else { return nil }
        lexer.rawQuotes = true
        let rawWords = try lexer.process(rest, environment: [:]).words
        guard rawWords.count == 1 else { return nil }
        func quotes(_ text: String) -> Int { text.filter { $0 == "'" || $0 == "\"" }.count }
        return DockerfileHeredoc(
            name: words[0], content: "", expands: quotes(words[0]) == quotes(rawWords[0]),
            stripsLeadingTabs: chomp, fileDescriptor: Int(digits) ?? 0, line: 0)
    }
}

/// Parses the instruction of one logical line.
struct DockerfileLineParser {
    let file: String
    let escape: Unicode.Scalar
    let line: DockerfileLogicalLine

    var text: [Unicode.Scalar] { line.text }

    func error(_ message: String, at offset: Int) -> DockerfileError {
        let position = line.position(of: offset)
        return DockerfileError(file: file, line: position.line, column: position.column, message: message)
    }

    /// The arguments of an instruction after its keyword and flags.
    struct Arguments {
        var kind: DockerfileInstructionKind
        var keywordOffset: Int
        var flags: DockerfileFlags
        var start: Int
        var end: Int
        var string: String
        var heredocs: [DockerfileHeredoc]
    }

    /// Parses the instruction starting at `start` (0, or after `ONBUILD`).
    func instruction(from start: Int, reader: inout DockerfileLineReader) throws -> DockerfileInstruction {
        var position = start
        while position < text.count && DockerfileWords.isSpace(text[position]) { position += 1 }
        let keywordOffset = position
        while position < text.count && !DockerfileWords.isSeparator(text[position]) { position += 1 }
        let keyword = DockerfileWords.string(text[keywordOffset..<position])
        guard let kind = DockerfileInstructionKind(rawValue: keyword.uppercased()) else {
            let names = DockerfileInstructionKind.allCases.map(\.rawValue)
            let hint = DockerfileWords.suggestion(for: keyword, among: names).map { " (did you mean \($0)?)" } ?? ""
            throw error("unknown instruction \"\(keyword)\"\(hint)", at: keywordOffset)
        }
        let (flagWords, restOffset) = DockerfileWords.builderFlags(text, from: position)
        let flags: DockerfileFlags
        do {
            flags = try DockerfileFlags(flagWords, for: kind)
        } catch {
            throw self.error(error.message, at: error.offset)
        }
        var argsStart = restOffset
        var argsEnd = text.count
        while argsStart < argsEnd && DockerfileWords.isSpace(text[argsStart]) { argsStart += 1 }
        while argsEnd > argsStart && DockerfileWords.isSpace(text[argsEnd - 1]) { argsEnd -= 1 }
        let string = DockerfileWords.string(text[argsStart..<argsEnd])
        var arguments = Arguments(
            kind: kind, keywordOffset: keywordOffset, flags: flags, start: argsStart, end: argsEnd, string: string,
            heredocs: [])
        if DockerfileInstructionKind.heredocKinds.contains(kind), DockerfileWords.jsonArray(string) == .notJSON {
            arguments.heredocs = try readHeredocs(from: keywordOffset, reader: &reader)
        }
        let body = try self.body(arguments, reader: &reader)
        let keywordPosition = line.position(of: keywordOffset)
        return DockerfileInstruction(
            location: DockerfileLocation(
                line: keywordPosition.line, column: keywordPosition.column, endLine: reader.currentLine),
            source: DockerfileWords.string(text[keywordOffset...]), body: body)
    }

    /// Finds the heredoc openers on the line and reads their bodies, in order.
    private func readHeredocs(from start: Int, reader: inout DockerfileLineReader) throws -> [DockerfileHeredoc] {
        let lineText = DockerfileWords.string(text[start...])
        guard lineText.contains("<<") else { return [] }
        var lexer = DockerfileShellLexer(escape: "\\")
        lexer.rawQuotes = true
        lexer.rawEscapes = true
        lexer.skipUnsetEnv = true
        let words = (try? lexer.process(lineText, environment: [:]).words) ?? []
        var heredocs: [DockerfileHeredoc] = []
        var searchFrom = start
        for word in words {
            let opener: DockerfileHeredoc?
            do {
                opener = try DockerfileParser.heredocOpener(word)
            } catch let failure as DockerfileExpansionError {
                throw error("invalid heredoc \(word): \(failure.message)", at: start)
            }
            guard var heredoc = opener else { continue }
            let offset = self.offset(of: word, from: searchFrom) ?? start
            searchFrom = offset + 1
            guard
                let content = reader.heredocBody(terminator: heredoc.name, stripsLeadingTabs: heredoc.stripsLeadingTabs)
            else {
                throw error(
                    "unterminated heredoc \(word): no line \"\(heredoc.name)\" ends it before the end of the file",
                    at: offset)
            }
            heredoc.content = content
            heredoc.line = line.startLine
            heredocs.append(heredoc)
        }
        return heredocs
    }

    /// The offset of the first occurrence of `word` in the line at or after `start`.
    func offset(of word: String, from start: Int) -> Int? {
        let needle = Array(word.unicodeScalars)
        guard !needle.isEmpty, needle.count <= text.count else { return nil }
        var index = start
        while index + needle.count <= text.count {
            if Array(text[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
    }
}
