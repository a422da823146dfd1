/// What can go wrong while importing advisories or scanning an image; each case says where and what to do.
public enum ScannerError: Error, CustomStringConvertible, Sendable {
    case database(path: String, reason: String)
    case noDatabase(path: String)
    case unreadable(path: String, reason: String)
    case image(reference: String, reason: String)
    case layer(digest: String, reason: String)

    public var description: String {
        switch self {
        case .database(let path, let reason): "vulnerability database \(path): \(reason)"
        case .noDatabase(let path):
            "no vulnerability database at \(path); import advisories first with `slipway vulndb import PATH`"
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .image(let reference, let reason): "image \(reference): \(reason)"
        case .layer(let digest, let reason): "layer \(digest): \(reason)"
        }
    }
}
