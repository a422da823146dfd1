import NIOCore

/// Finds the end of one message body in a connection's inbound bytes.
///
/// `forward` keeps the body as it was framed on the wire: a chunked body keeps its chunk lines
/// and trailers, so the proxy relays it byte for byte and the receiver sees exactly what the
/// sender framed. `payload` strips chunk framing and drops trailers (for HTTP/1.0 clients, who
/// cannot read chunked bodies). Chunk lines must end in CRLF: a lenient chunk parser is where
/// smuggling between a proxy and its upstream begins.
struct BodyDecoder {
    enum Output { case forward, payload }

    private enum State {
        case length(remaining: Int)
        case untilClose
        /// Before a chunk-size line.
        case chunkSize
        case chunkData(remaining: Int)
        /// The CRLF after a chunk's data.
        case chunkDataEnd
        /// After the last chunk: trailer lines until an empty one.
        case trailers(bytesSoFar: Int)
        case done
    }

    static let maxChunkLineBytes = 4096
    static let maxTrailerBytes = 64 * 1024

    private var state: State
    private let output: Output
    /// How much of an incomplete chunk or trailer line has been searched for its CRLF already, so
    /// a line that arrives a byte at a time is scanned once.
    private var lineSearched = 0

    /// nil for `.none` framing: there is no body to read.
    init?(framing: BodyFraming, output: Output = .forward) {
        switch framing {
        case .none: return nil
        case .length(let length): state = .length(remaining: length)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
        self.output = output
    }

    var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// Whether the body ends only when the sender closes.
    var endsAtClose: Bool {
        if case .untilClose = state { return true }
        return false
    }

    /// The next piece of body in `buffer` (consumed from it), and whether the body is now complete.
    /// Returns `(nil, false)` when more bytes are needed. Call again until it returns that or `ended`.
    mutating func next(_ buffer: inout ByteBuffer) throws(HTTPWireError) -> (ByteBuffer?, ended: Bool) {
        switch state {
        case .done:
            return (nil, true)
        case .untilClose:
            guard buffer.readableBytes > 0 else { return (nil, false) }
            return (buffer.readSlice(length: buffer.readableBytes), false)
        case .length(let remaining):
            let take = min(remaining, buffer.readableBytes)
            guard take > 0 else { return (nil, false) }
            let slice = buffer.readSlice(length: take)
            if take == remaining {
                state = .done
                return (slice, true)
            }
            state = .length(remaining: remaining - take)
            return (slice, false)
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            return output == .forward ? try nextForwarded(&buffer) : try nextPayload(&buffer)
        }
    }

    /// Walks as far through the chunk framing as the bytes allow and hands back everything walked over.
    private mutating func nextForwarded(_ buffer: inout ByteBuffer) throws(HTTPWireError) -> (ByteBuffer?, ended: Bool) {
        var walked = 0
        let total = buffer.readableBytes
        walking: while walked < total {
            switch state {
            case .chunkSize:
                guard let (size, lineLength) = try chunkLine(buffer, at: walked) else { break walking }
                walked += lineLength
                state = size == 0 ? .trailers(bytesSoFar: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let take = min(remaining, total - walked)
                walked += take
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .chunkDataEnd:
                guard total - walked >= 2 else { break walking }
                try expectCRLF(buffer, at: walked)
                walked += 2
                state = .chunkSize
            case .trailers(let soFar):
                guard let lineLength = try trailerLine(buffer, at: walked, soFar: soFar) else { break walking }
                walked += lineLength
                state = lineLength == 2 ? .done : .trailers(bytesSoFar: soFar + lineLength)
                if lineLength == 2 { break walking }
            case .length, .untilClose, .done:
                break walking
            }
        }
        let slice = walked > 0 ? buffer.readSlice(length: walked) : nil
        return (slice, isDone)
    }

    /// The next run of chunk data, framing consumed along the way.
    private mutating func nextPayload(_ buffer: inout ByteBuffer) throws(HTTPWireError) -> (ByteBuffer?, ended: Bool) {
        while true {
            switch state {
            case .chunkSize:
                guard let (size, lineLength) = try chunkLine(buffer, at: 0) else { return (nil, false) }
                buffer.moveReaderIndex(forwardBy: lineLength)
                state = size == 0 ? .trailers(bytesSoFar: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let take = min(remaining, buffer.readableBytes)
                guard take > 0 else { return (nil, false) }
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
                return (buffer.readSlice(length: take), false)
            case .chunkDataEnd:
                guard buffer.readableBytes >= 2 else { return (nil, false) }
                try expectCRLF(buffer, at: 0)
                buffer.moveReaderIndex(forwardBy: 2)
                state = .chunkSize
            case .trailers(let soFar):
                guard let lineLength = try trailerLine(buffer, at: 0, soFar: soFar) else { return (nil, false) }
                buffer.moveReaderIndex(forwardBy: lineLength)
                if lineLength == 2 {
                    state = .done
                    return (nil, true)
                }
                state = .trailers(bytesSoFar: soFar + lineLength)
            case .length, .untilClose, .done:
                return (nil, isDone)
            }
        }
    }

    /// `chunk-size [ chunk-ext ] CRLF`: the size and the line's length, or nil if incomplete.
    private mutating func chunkLine(_ buffer: ByteBuffer, at offset: Int) throws(HTTPWireError) -> (Int, Int)? {
        let start = buffer.readerIndex + offset
        let available = buffer.readableBytes - offset
        guard let lineEnd = try crlf(buffer, from: start, available: available, limit: Self.maxChunkLineBytes, what: "chunk size line") else {
            return nil
        }
        var size = 0
        var digits = 0
        var index = start
        while index < lineEnd, let value = hexValue(buffer.getInteger(at: index, as: UInt8.self)!) {
            guard digits < 15 else { throw .malformed("chunk size too large") }
            size = size << 4 | value
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw .malformed("invalid chunk size") }
        // Whatever follows the digits must be an extension: optional whitespace, then `;`.
        while index < lineEnd, let byte = buffer.getInteger(at: index, as: UInt8.self), byte == 0x20 || byte == 0x09 { index += 1 }
        if index < lineEnd && buffer.getInteger(at: index, as: UInt8.self) != UInt8(ascii: ";") {
            throw .malformed("invalid chunk size")
        }
        return (size, lineEnd + 2 - start)
    }

    /// One trailer line's length including its CRLF (2 for the final empty line), or nil if incomplete.
    private mutating func trailerLine(_ buffer: ByteBuffer, at offset: Int, soFar: Int) throws(HTTPWireError) -> Int? {
        let start = buffer.readerIndex + offset
        let limit = Self.maxTrailerBytes - soFar
        guard let lineEnd = try crlf(buffer, from: start, available: buffer.readableBytes - offset, limit: limit, what: "trailer section")
        else { return nil }
        return lineEnd + 2 - start
    }

    /// The index of the CR of the first CRLF at or after `from`; a bare CR or LF is an error.
    private mutating func crlf(_ buffer: ByteBuffer, from: Int, available: Int, limit: Int, what: String) throws(HTTPWireError) -> Int? {
        let end = from + min(available, limit + 2)
        var index = from + lineSearched
        while index < end {
            let byte = buffer.getInteger(at: index, as: UInt8.self)!
            if byte == UInt8(ascii: "\n") { throw .malformed("bare LF in \(what)") }
            if byte == UInt8(ascii: "\r") {
                guard index + 1 < from + available else {
                    lineSearched = index - from
                    return nil
                }
                guard buffer.getInteger(at: index + 1, as: UInt8.self) == UInt8(ascii: "\n") else { throw .malformed("bare CR in \(what)") }
                lineSearched = 0
                return index
            }
            index += 1
        }
        if available > limit { throw .malformed("\(what) longer than \(limit) bytes") }
        lineSearched = index - from
        return nil
    }

    private func expectCRLF(_ buffer: ByteBuffer, at offset: Int) throws(HTTPWireError) {
        let index = buffer.readerIndex + offset
        guard buffer.getInteger(at: index, as: UInt8.self) == UInt8(ascii: "\r"),
            buffer.getInteger(at: index + 1, as: UInt8.self) == UInt8(ascii: "\n")
        else { throw .malformed("chunk data not followed by CRLF") }
    }

    private func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
