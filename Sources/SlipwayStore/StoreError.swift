#if canImport(Glibc)
import Glibc
#endif
import SlipwayOCI

/// Errors from the blob store, image layouts and the state database; each names the digest, path or table.
public enum StoreError: Error, CustomStringConvertible {
    case blobUnknown(Digest)
    case digestMismatch(expected: Digest, actual: Digest)
    case sizeMismatch(Digest, expected: Int64, actual: Int64)
    case io(path: String, operation: String, errno: Int32)
    case invalidLayout(path: String, reason: String)
    case tagUnknown(layout: String, tag: String, available: [String])
    case invalidImage(String)
    case database(path: String, reason: String)
    case unsupportedAlgorithm(Digest, hashedWith: Digest.Algorithm)

    public var description: String {
        switch self {
        case .blobUnknown(let digest):
            return "blob \(digest) is not in the store"
        case .digestMismatch(let expected, let actual):
            return "content does not match its digest: expected \(expected), got \(actual); nothing was stored"
        case .sizeMismatch(let digest, let expected, let actual):
            return "blob \(digest) has \(actual) bytes but its descriptor says \(expected)"
        case .io(let path, let operation, let code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        case .invalidLayout(let path, let reason):
            return "\(path) is not a usable OCI image layout: \(reason)"
        case .tagUnknown(let layout, let tag, let available):
            let names = available.isEmpty ? "it has no tagged images" : "it has: \(available.joined(separator: ", "))"
            return "no image tagged '\(tag)' in \(layout) (\(names))"
        case .invalidImage(let reason):
            return reason
        case .unsupportedAlgorithm(let digest, let algorithm):
            return "cannot verify \(digest): the content was hashed with \(algorithm.rawValue) as it arrived"
        case .database(let path, let reason):
            return "state database \(path): \(reason)"
        }
    }
}
