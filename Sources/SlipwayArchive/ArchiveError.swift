#if canImport(Glibc)
import Glibc
#endif

/// Errors from reading, writing and extracting archives; each names the entry, path or stream at fault.
public enum ArchiveError: Error, CustomStringConvertible, Equatable {
    case io(path: String, operation: String, errno: Int32)
    case truncated(what: String)
    case badHeader(offset: Int64, reason: String)
    case corruptGzip(String)
    case unsupportedEntry(name: String, reason: String)
    case unsafeEntry(name: String, reason: String)
    case fieldTooLarge(name: String, field: String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        case .truncated(let what):
            return "truncated \(what): the stream ended early (an interrupted download or copy?)"
        case .badHeader(let offset, let reason):
            return "bad tar header at byte \(offset): \(reason)"
        case .corruptGzip(let reason):
            return "corrupt gzip stream: \(reason)"
        case .unsupportedEntry(let name, let reason):
            return "tar entry '\(name)': \(reason)"
        case .unsafeEntry(let name, let reason):
            return "refused tar entry '\(name)': \(reason); nothing was written outside the target directory"
        case .fieldTooLarge(let name, let field):
            return "tar entry '\(name)': \(field) does not fit the header"
        }
    }
}
