/// The `--flag` options an instruction accepts, checked as BuildKit's `BFlags` does.
struct DockerfileFlags {
    enum Kind {
        case bool, string, strings
    }

    /// The flags each instruction accepts.
    static func accepted(by kind: DockerfileInstructionKind) -> [(name: String, kind: Kind)] {
        switch kind {
        case .from: [("platform", .string)]
        case .copy:
            [
                ("from", .string), ("chown", .string), ("chmod", .string), ("link", .bool), ("parents", .bool),
                ("exclude", .strings),
            ]
        case .add:
            [
                ("chown", .string), ("chmod", .string), ("link", .bool), ("keep-git-dir", .bool),
                ("checksum", .string), ("exclude", .strings),
            ]
        case .run: [("mount", .strings), ("network", .string), ("security", .string)]
        case .healthcheck:
            [
                ("interval", .string), ("timeout", .string), ("start-period", .string),
                ("start-interval", .string), ("retries", .string),
            ]
        default: []
        }
    }

    /// A flag's value with the offset of the flag word, for error positions.
    struct Value {
        var text: String
        var offset: Int
    }

    private(set) var bools: [String: Value] = [:]
    private(set) var strings: [String: Value] = [:]
    private(set) var lists: [String: [Value]] = [:]

    func bool(_ name: String) -> Bool {
        bools[name]?.text == "true"
    }

    func string(_ name: String) -> String? {
        strings[name]?.text
    }

    func list(_ name: String) -> [String] {
        (lists[name] ?? []).map(\.text)
    }

    /// The problem with a flag word, and the offset of that word.
    struct Problem: Error {
        var message: String
        var offset: Int
    }

    /// Checks the flag words against what the instruction accepts.
    init(_ words: [DockerfileWords.Word], for kind: DockerfileInstructionKind) throws(Problem) {
        let accepted = Self.accepted(by: kind)
        let instruction = kind.rawValue
        for word in words {
            guard word.text.hasPrefix("--") else {
                throw Problem(message: "flag \"\(word.text)\" should start with --", offset: word.offset)
            }
            var name = String(word.text.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = accepted.first(where: { $0.name == name }) else {
                throw Problem(
                    message: Self.unknown(name, instruction: instruction, accepted: accepted), offset: word.offset)
            }
            let seen = bools[name] != nil || strings[name] != nil
            if seen {
                throw Problem(message: "duplicate flag specified: --\(name) (give it once)", offset: word.offset)
            }
            switch spec.kind {
            case .bool:
                var flag = "true"
                if let value {
                    guard !value.isEmpty else {
                        throw Problem(message: "missing a value on flag: --\(name)", offset: word.offset)
                    }
                    let lower = value.lowercased()
                    guard lower == "true" || lower == "false" else {
                        throw Problem(
                            message: "expecting boolean value for flag --\(name), not: \(value)", offset: word.offset)
                    }
                    flag = lower
                }
                bools[name] = Value(text: flag, offset: word.offset)
            case .string:
                guard let value else {
                    throw Problem(
                        message: "missing a value on flag: --\(name) (write --\(name)=VALUE)", offset: word.offset)
                }
                strings[name] = Value(text: value, offset: word.offset)
            case .strings:
                guard let value else {
                    throw Problem(
                        message: "missing a value on flag: --\(name) (write --\(name)=VALUE)", offset: word.offset)
                }
                lists[name, default: []].append(Value(text: value, offset: word.offset))
            }
        }
    }

    private static func unknown(_ name: String, instruction: String, accepted: [(name: String, kind: Kind)]) -> String {
        let names = accepted.map(\.name)
        if let guess = DockerfileWords.suggestion(for: name, among: names) {
            return "unknown flag: --\(name) for \(instruction) (did you mean --\(guess)?)"
        }
        if names.isEmpty { return "unknown flag: --\(name) (\(instruction) takes no flags)" }
        let list = names.map { "--\($0)" }.joined(separator: ", ")
        return "unknown flag: --\(name) for \(instruction) (it accepts \(list))"
    }
}
