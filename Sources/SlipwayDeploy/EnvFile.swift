import Foundation

/// `KEY=VALUE` files for secrets (`env_files:`), as Docker's `--env-file` reads them, plus optional quotes:
/// blank lines and `#` comments are skipped, `export ` is allowed, a value in matching quotes loses them.
/// Values are never printed; errors name the file and line only.
public enum EnvFile {
    public static func load(_ path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DeployError("cannot read env file \(path): \(String(cString: strerror(errno)))")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                throw DeployError("\(file):\(number + 1): expected KEY=VALUE")
            }
            let key = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            guard let first = key.first, first == "_" || first.isLetter,
                  key.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber }), key.allSatisfy(\.isASCII) else {
                throw DeployError("\(file):\(number + 1): '\(key)' is not a variable name")
            }
            var value = String(line[line.index(after: equals)...])
            if value.count >= 2, let quote = value.first, quote == "\"" || quote == "'", value.last == quote {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }
}
