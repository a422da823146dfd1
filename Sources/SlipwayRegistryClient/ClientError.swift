import SlipwayOCI

/// Errors from talking to a registry; each names the reference, digest or URL and says what to do.
public enum ClientError: Error, CustomStringConvertible {
    case http(url: String, status: Int, code: String?, message: String)
    case unauthorized(registry: String, message: String)
    case denied(reference: String, message: String)
    case notFound(reference: String, what: String)
    case digestMismatch(reference: String, expected: Digest, actual: Digest)
    case sizeMismatch(reference: String, digest: Digest, expected: Int64, actual: Int64)
    case notARegistry(url: String, contentType: String)
    case unsupportedMediaType(reference: String, mediaType: String)
    case noPlatform(reference: String, wanted: String, available: [String])
    case transport(url: String, reason: String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .http(let url, let status, let code, let message):
            return "\(url): HTTP \(status)\(code.map { " \($0)" } ?? "")\(message.isEmpty ? "" : ": \(message)")"
        case .unauthorized(let registry, let message):
            return "\(registry): authentication failed (\(message)); log in with `slipway login \(registry)`"
        case .denied(let reference, let message):
            return "\(reference): access denied (\(message))"
        case .notFound(let reference, let what):
            return "\(reference): \(what) not found"
        case .digestMismatch(let reference, let expected, let actual):
            return "\(reference): content has digest \(actual), expected \(expected); nothing was kept"
        case .sizeMismatch(let reference, let digest, let expected, let actual):
            return "\(reference): blob \(digest) is \(actual) bytes, its descriptor says \(expected)"
        case .notARegistry(let url, let contentType):
            return "\(url) answered \(contentType), not a registry API response; check the registry address"
        case .unsupportedMediaType(let reference, let mediaType):
            return "\(reference): unsupported media type \(mediaType)"
        case .noPlatform(let reference, let wanted, let available):
            return "\(reference) has no image for \(wanted) (it has: \(available.joined(separator: ", ")))"
        case .transport(let url, let reason):
            return "\(url): \(reason)"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
