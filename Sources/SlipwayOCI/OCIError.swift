/// Errors from parsing and validating OCI values; each names the value and says what is wrong.
public enum OCIError: Error, CustomStringConvertible, Equatable {
    case invalidDigest(String, reason: String)
    case invalidReference(String, part: String, reason: String)
    case invalidJSON(what: String, reason: String)
    case unsupportedMediaType(String, expected: [String])
    case invalidPlatform(String)

    public var description: String {
        switch self {
        case .invalidDigest(let value, let reason):
            return "invalid digest '\(value)': \(reason)"
        case .invalidReference(let value, let part, let reason):
            return "invalid image reference '\(value)': \(part) \(reason)"
        case .invalidJSON(let what, let reason):
            return "malformed \(what): \(reason)"
        case .unsupportedMediaType(let value, let expected):
            return "unsupported media type '\(value)' (expected one of: \(expected.joined(separator: ", ")))"
        case .invalidPlatform(let value):
            return "invalid platform '\(value)': expected OS/ARCH[/VARIANT], e.g. linux/amd64"
        }
    }
}
