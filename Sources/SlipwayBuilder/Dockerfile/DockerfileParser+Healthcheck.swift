/// HEALTHCHECK: `NONE`, or options and `CMD <command>`.
extension DockerfileLineParser {
    /// Docker's minimum for the healthcheck durations.
    static let minimumHealthcheckDuration = Duration.milliseconds(1)

    func healthcheck(_ args: Arguments) throws -> DockerfileHealthcheck {
        guard !args.string.isEmpty else {
            throw error("HEALTHCHECK requires at least one argument", at: args.keywordOffset)
        }
        var split = args.start
        while split < args.end && !DockerfileWords.isSpace(text[split]) { split += 1 }
        var rest = split
        while rest < args.end && DockerfileWords.isSpace(text[rest]) { rest += 1 }
        let type = DockerfileWords.string(text[args.start..<split]).uppercased()
        let command = DockerfileWords.string(text[rest..<args.end])
        let flags = args.flags
        switch type {
        case "NONE":
            guard command.isEmpty else { throw error("HEALTHCHECK NONE takes no arguments", at: rest) }
            let given = flags.strings.values.map(\.offset).min()
            if let given { throw error("HEALTHCHECK NONE takes no flags", at: given) }
            return .none
        case "CMD":
            let line: DockerfileCommandLine
            switch DockerfileWords.jsonArray(command) {
            case .strings(let words): line = .exec(words)
            case .notAllStrings:
                throw error("when using JSON array syntax, arrays must be comprised of strings only", at: rest)
            case .notJSON: line = .shell(command)
            }
            if line == .exec([]) || line == .shell("") {
                throw error("Missing command after HEALTHCHECK CMD", at: args.start)
            }
            var check = DockerfileHealthcheck.Check(command: line)
            check.interval = try duration("interval", flags)
            check.timeout = try duration("timeout", flags)
            check.startPeriod = try duration("start-period", flags)
            check.startInterval = try duration("start-interval", flags)
            if let retries = flags.strings["retries"] {
                guard let count = Int32(retries.text) else {
                    throw error("invalid --retries=\(retries.text): not a whole number", at: retries.offset)
                }
                guard count >= 1 else {
                    throw error("--retries must be at least 1 (not \(count))", at: retries.offset)
                }
                check.retries = Int(count)
            }
            return .check(check)
        default:
            let shown = DockerfileWords.string(text[args.start..<split])
            throw error("Unknown type \"\(shown)\" in HEALTHCHECK (try CMD)", at: args.start)
        }
    }

    private func duration(_ name: String, _ flags: DockerfileFlags) throws -> Duration? {
        guard let value = flags.strings[name] else { return nil }
        switch DockerfileDuration.parse(value.text) {
        case .failure(let failure):
            throw error("invalid --\(name)=\(value.text): \(failure.reason) (write e.g. 30s, 1m30s)", at: value.offset)
        case .success(let duration):
            guard duration >= Self.minimumHealthcheckDuration else {
                throw error("Interval \"\(name)\" cannot be less than 1ms", at: value.offset)
            }
            return duration
        }
    }
}
