/// A problem in `slipway.yml`, naming the file, the line and the key, and saying what is expected.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var file: String
    /// 1-based line, when the YAML parser reported one.
    public var line: Int?
    /// Dotted path of the key: `environments.staging.health.interval`.
    public var key: String
    public var reason: String

    public init(file: String, line: Int?, key: String, reason: String) {
        self.file = file
        self.line = line
        self.key = key
        self.reason = reason
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(reason)" : "\(place): \(key): \(reason)"
    }
}
