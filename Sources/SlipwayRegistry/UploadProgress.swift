/// Where a chunked blob upload stands, and whether the next chunk may be appended (pure, no I/O).
///
/// A chunk must start exactly where the upload ends; one that does not is refused with 416 and the session
/// is kept, so the client can ask for the current range and resume.
/// https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-a-blob-in-chunks
public struct UploadProgress: Equatable, Sendable {
    /// Bytes received so far.
    public private(set) var offset: Int64 = 0

    public init(offset: Int64 = 0) { self.offset = offset }

    public enum ChunkCheck: Equatable, Sendable {
        /// Append; the chunk is expected to carry `length` bytes when the client said so.
        case append(expectedLength: Int64?)
        /// Out of order or malformed: answer 416 with the current range.
        case rangeNotSatisfiable
    }

    /// Checks a chunk's `Content-Range` (`start-end`, inclusive) and `Content-Length` against the offset.
    public func check(contentRange: String?, contentLength: Int64?) -> ChunkCheck {
        guard let contentRange else { return .append(expectedLength: contentLength) }
        let parts = contentRange.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]), start <= end,
              start == offset
        else { return .rangeNotSatisfiable }
        let length = end - start + 1
        if let contentLength, contentLength != length { return .rangeNotSatisfiable }
        return .append(expectedLength: length)
    }

    public mutating func received(_ count: Int64) { offset += count }

    /// The `Range` header value: `0-<last byte>`, and `0-0` before any byte (as distribution answers).
    public var rangeHeader: String { "0-\(max(offset - 1, 0))" }
}
