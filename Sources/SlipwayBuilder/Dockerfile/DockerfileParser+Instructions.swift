import Foundation

/// The argument rules of each instruction (BuildKit's `line_parsers.go` and `instructions/parse.go`).
extension DockerfileLineParser {
    func body(_ args: Arguments, reader: inout DockerfileLineReader) throws -> DockerfileInstruction.Body {
        let name = args.kind.rawValue
        switch args.kind {
        case .from: return .from(try from(args))
        case .arg: return .arg(try argument(args))
        case .env: return .env(try keyValues(args))
        case .label: return .label(try keyValues(args))
        case .copy, .add:
            let value = try copy(args)
            return args.kind == .copy ? .copy(value) : .add(value)
        case .run: return .run(try run(args))
        case .cmd: return .cmd(try commandLine(args))
        case .entrypoint: return .entrypoint(try commandLine(args))
        case .shell:
            switch DockerfileWords.jsonArray(args.string) {
            case .strings(let words) where !words.isEmpty: return .shell(words)
            case .notAllStrings: throw notStrings(args)
            case .notJSON where !args.string.isEmpty:
                throw error(
                    "SHELL requires the arguments to be in JSON form, for example SHELL [\"/bin/bash\", \"-c\"]",
                    at: args.start)
            default: throw error("SHELL requires at least one argument", at: args.keywordOffset)
            }
        case .workdir: return .workdir(try single(args))
        case .user: return .user(try single(args))
        case .stopsignal: return .stopsignal(try single(args))
        case .maintainer: return .maintainer(try single(args))
        case .expose: return .expose(try expose(args))
        case .volume: return .volume(try volume(args))
        case .healthcheck: return .healthcheck(try healthcheck(args))
        case .onbuild:
            guard !args.string.isEmpty else {
                throw error("\(name) requires at least one argument", at: args.keywordOffset)
            }
            let trigger = args.string.prefix { !($0.unicodeScalars.first.map(DockerfileWords.isSpace) ?? false) }
            switch trigger.uppercased() {
            case "ONBUILD": throw error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", at: args.start)
            case "FROM", "MAINTAINER":
                throw error("\(trigger.uppercased()) isn't allowed as an ONBUILD trigger", at: args.start)
            default: return .onbuild(try instruction(from: args.start, reader: &reader))
            }
        }
    }

    private func notStrings(_ args: Arguments) -> DockerfileError {
        error("when using JSON array syntax, arrays must be comprised of strings only", at: args.start)
    }

    private func single(_ args: Arguments) throws -> String {
        guard !args.string.isEmpty else {
            throw error("\(args.kind.rawValue) requires exactly one argument", at: args.keywordOffset)
        }
        return args.string
    }

    private func from(_ args: Arguments) throws -> DockerfileFrom {
        let words = DockerfileWords.whitespaceDelimited(Array(text[..<args.end]), from: args.start)
        var stageName: String?
        if words.count == 3 && words[1].text.lowercased() == "as" {
            let name = words[2].text.lowercased()
            let scalars = Array(name.unicodeScalars)
            let valid =
                scalars.first.map { ("a"..."z").contains($0) } == true
                && scalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
                }
            guard valid else {
                throw error(
                    "invalid name for build stage: \"\(words[2].text)\", name can't start with a number or contain "
                        + "symbols", at: words[2].offset)
            }
            stageName = name
        } else if words.count != 1 {
            let offset = words.count > 1 ? words[1].offset : args.keywordOffset
            throw error("FROM requires either one or three arguments: FROM <image> [AS <name>]", at: offset)
        }
        return DockerfileFrom(platform: args.flags.string("platform"), image: words[0].text, stageName: stageName)
    }

    private func argument(_ args: Arguments) throws -> [DockerfileArgument] {
        let words = DockerfileWords.parseWords(Array(text[..<args.end]), from: args.start, escape: escape)
        guard !words.isEmpty else { throw error("ARG requires at least one argument", at: args.keywordOffset) }
        return try words.map { word in
            guard let equals = word.text.firstIndex(of: "=") else {
                return DockerfileArgument(name: word.text, defaultValue: nil)
            }
            let name = String(word.text[..<equals])
            guard !name.isEmpty else { throw error("ARG names can not be blank", at: word.offset) }
            return DockerfileArgument(name: name, defaultValue: String(word.text[word.text.index(after: equals)...]))
        }
    }

    private func keyValues(_ args: Arguments) throws -> [DockerfileKeyValue] {
        let name = args.kind.rawValue
        let words = DockerfileWords.parseWords(Array(text[..<args.end]), from: args.start, escape: escape)
        guard let first = words.first else {
            throw error("\(name) requires at least one argument", at: args.keywordOffset)
        }
        if !first.text.contains("=") {
            // The legacy form `ENV key value`: the value is the rest of the line.
            var split = args.start
            while split < args.end && !DockerfileWords.isSeparator(text[split]) { split += 1 }
            var valueStart = split
            while valueStart < args.end && DockerfileWords.isSeparator(text[valueStart]) { valueStart += 1 }
            guard valueStart < args.end else {
                throw error(
                    "\(name) must have two arguments: \(name) <key>=<value> (or \(name) <key> <value>)",
                    at: args.start)
            }
            return [
                DockerfileKeyValue(
                    key: DockerfileWords.string(text[args.start..<split]),
                    value: DockerfileWords.string(text[valueStart..<args.end]))
            ]
        }
        return try words.map { word in
            guard let equals = word.text.firstIndex(of: "=") else {
                throw error(
                    "Syntax error - can't find = in \"\(word.text)\". Must be of the form: name=value",
                    at: word.offset)
            }
            let key = String(word.text[..<equals])
            guard !key.isEmpty else { throw error("\(name) names can not be blank", at: word.offset) }
            return DockerfileKeyValue(key: key, value: String(word.text[word.text.index(after: equals)...]))
        }
    }

    /// The arguments as a JSON array or, failing that, words split on whitespace.
    private func list(_ args: Arguments) throws -> (words: [DockerfileWords.Word], isJSON: Bool) {
        switch DockerfileWords.jsonArray(args.string) {
        case .strings(let strings): return (strings.map { .init(text: $0, offset: args.start) }, true)
        case .notAllStrings: throw notStrings(args)
        case .notJSON: return (DockerfileWords.whitespaceDelimited(Array(text[..<args.end]), from: args.start), false)
        }
    }

    private func copy(_ args: Arguments) throws -> DockerfileCopy {
        let name = args.kind.rawValue
        let (words, isJSON) = try list(args)
        guard words.count >= 2 else {
            throw error(
                "\(name) requires at least two arguments, but \(words.count == 1 ? "only one was" : "none were") "
                    + "provided. Destination could not be determined.", at: words.first?.offset ?? args.keywordOffset)
        }
        let destination = words[words.count - 1]
        if !isJSON, (try? DockerfileParser.heredocOpener(destination.text)) ?? nil != nil {
            throw error("\(name) cannot accept a heredoc as a destination", at: destination.offset)
        }
        var sources: [DockerfileCopy.Source] = []
        for word in words.dropLast() {
            if !isJSON, let opener = (try? DockerfileParser.heredocOpener(word.text)) ?? nil {
                let body = args.heredocs.first { $0.name == opener.name } ?? opener
                sources.append(.heredoc(body))
            } else {
                sources.append(.path(word.text))
            }
        }
        let flags = args.flags
        return DockerfileCopy(
            sources: sources, destination: destination.text, isJSONForm: isJSON, from: flags.string("from"),
            chown: flags.string("chown"), chmod: flags.string("chmod"), link: flags.bool("link"),
            parents: flags.bool("parents"), excludes: flags.list("exclude"), keepGitDir: flags.bool("keep-git-dir"),
            checksum: flags.string("checksum"))
    }

    private func commandLine(_ args: Arguments) throws -> DockerfileCommandLine {
        switch DockerfileWords.jsonArray(args.string) {
        case .strings(let words): return .exec(words)
        case .notAllStrings: throw notStrings(args)
        case .notJSON: return .shell(args.string)
        }
    }

    private func run(_ args: Arguments) throws -> DockerfileRun {
        var run = DockerfileRun(command: try commandLine(args), heredocs: args.heredocs)
        for value in args.flags.lists["mount"] ?? [] {
            switch DockerfileRunMount.parse(value.text) {
            case .success(let mount): run.mounts.append(mount)
            case .failure(let failure):
                throw error("invalid --mount=\(value.text): \(failure.reason)", at: value.offset)
            }
        }
        if let value = args.flags.strings["network"] {
            guard let network = DockerfileRun.Network(rawValue: value.text) else {
                throw error("unsupported network mode \"\(value.text)\" (use default, none or host)", at: value.offset)
            }
            run.network = network
        }
        if let value = args.flags.strings["security"] {
            guard let security = DockerfileRun.Security(rawValue: value.text) else {
                throw error("unsupported security mode \"\(value.text)\" (use sandbox or insecure)", at: value.offset)
            }
            run.security = security
        }
        return run
    }

    private func expose(_ args: Arguments) throws -> [String] {
        let words = DockerfileWords.whitespaceDelimited(Array(text[..<args.end]), from: args.start)
        guard !words.isEmpty else { throw error("EXPOSE requires at least one argument", at: args.keywordOffset) }
        for word in words where !word.text.contains("$") {
            if case .failure(let failure) = DockerfileExposedPort.parse(word.text) {
                throw error("EXPOSE \(word.text): \(failure.reason)", at: word.offset)
            }
        }
        return words.map(\.text)
    }

    private func volume(_ args: Arguments) throws -> [String] {
        let (words, _) = try list(args)
        guard !words.isEmpty else { throw error("VOLUME requires at least one argument", at: args.keywordOffset) }
        return try words.map { word in
            let trimmed = word.text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { throw error("VOLUME specified can not be an empty string", at: word.offset) }
            return trimmed
        }
    }
}
