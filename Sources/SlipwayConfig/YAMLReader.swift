import Yams

/// Reads typed values out of a YAML node tree, strictly: every key must be known, every value of the right
/// kind, and every error names the file, line and dotted key.
struct YAMLReader {
    let file: String

    func error(_ node: Node?, _ key: String, _ reason: String) -> ConfigError {
        ConfigError(file: file, line: node?.mark.map { $0.line }, key: key, reason: reason)
    }

    /// The entries of a mapping, refusing keys not in `allowed`.
    func mapping(_ node: Node, _ key: String, allowed: Set<String>? = nil) throws -> [(String, Node)] {
        guard case .mapping(let mapping) = node else { throw error(node, key, "expected a mapping (key: value lines)") }
        var out: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard let name = keyNode.string else { throw error(keyNode, key, "keys must be strings") }
            let path = key.isEmpty ? name : "\(key).\(name)"
            if let allowed, !allowed.contains(name) {
                throw error(keyNode, path, "unknown key (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
            out.append((name, value))
        }
        return out
    }

    func string(_ node: Node, _ key: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw error(node, key, "expected a string") }
        return scalar.string
    }

    func nonEmptyString(_ node: Node, _ key: String) throws -> String {
        let value = try string(node, key)
        guard !value.isEmpty else { throw error(node, key, "must not be empty") }
        return value
    }

    func int(_ node: Node, _ key: String, range: ClosedRange<Int>) throws -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error(node, key, "expected a whole number")
        }
        guard range.contains(value) else {
            throw error(node, key, "\(value) is out of range (\(range.lowerBound)…\(range.upperBound))")
        }
        return value
    }

    func strings(_ node: Node, _ key: String) throws -> [String] {
        guard case .sequence(let sequence) = node else { throw error(node, key, "expected a list") }
        return try sequence.enumerated().map { index, item in try string(item, "\(key)[\(index)]") }
    }

    func sequence(_ node: Node, _ key: String) throws -> [(String, Node)] {
        guard case .sequence(let sequence) = node else { throw error(node, key, "expected a list") }
        return sequence.enumerated().map { ("\(key)[\($0)]", $1) }
    }

    func stringMap(_ node: Node, _ key: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in try mapping(node, key) { out[name] = try string(value, "\(key).\(name)") }
        return out
    }

    /// `500ms`, `5s`, `2m`, `1h`.
    func duration(_ node: Node, _ key: String) throws -> Duration {
        let text = try string(node, key)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count)), number >= 0 {
                return .milliseconds(Int64((number * scale * 1000).rounded()))
            }
        }
        throw error(node, key, "'\(text)' is not a duration (use e.g. 500ms, 5s, 2m, 1h)")
    }

    /// `512m`, `1g`, `64k`, `1048576`: bytes, in powers of 1024 as Docker reads them.
    func byteSize(_ node: Node, _ key: String) throws -> Int64 {
        let text = try string(node, key).lowercased()
        let units: [(String, Int64)] = [("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30)]
        var scale: Int64 = 1
        var digits = Substring(text)
        if let unit = units.first(where: { text.hasSuffix($0.0) || text.hasSuffix($0.0 + "b") }) {
            scale = unit.1
            digits = digits.dropLast(text.hasSuffix("b") ? 2 : 1)
        }
        guard let number = Int64(digits), number > 0 else {
            throw error(node, key, "'\(text)' is not a size (use e.g. 512m, 1g)")
        }
        return number * scale
    }

    /// A number greater than zero, e.g. `1.5`.
    func positiveNumber(_ node: Node, _ key: String) throws -> Double {
        let text = try string(node, key)
        guard let number = Double(text), number > 0, number.isFinite else {
            throw error(node, key, "'\(text)' is not a number greater than 0")
        }
        return number
    }

    /// `HOST:PORT`.
    func address(_ node: Node, _ key: String) throws -> String {
        let text = try string(node, key)
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
              let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { throw error(node, key, "'\(text)' is not HOST:PORT (e.g. 127.0.0.1:8000)") }
        return text
    }

    /// One of a fixed set of words.
    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ key: String, _ type: T.Type) throws -> T
        where T.RawValue == String
    {
        let text = try string(node, key)
        guard let value = T(rawValue: text) else {
            throw error(node, key, "'\(text)' is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}
