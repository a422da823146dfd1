import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// Reads request and response heads out of a connection's inbound bytes (RFC 9112 §2–§6).
///
/// Strict where leniency lets a proxy and its upstream disagree about where a message ends
/// (request smuggling): whitespace before a colon, obsolete line folding, control characters,
/// `Transfer-Encoding` with `Content-Length`, conflicting lengths and `Transfer-Encoding` on
/// HTTP/1.0 are all errors. A single LF is accepted as a line end in heads, which the proxy
/// re-serialises with CRLF anyway.
///
/// It keeps how far it has already searched, so a head that arrives a byte at a time is scanned
/// once, not once per byte. The arrays a head is parsed into are reused for the next head once
/// the previous one has been let go of, so a keep-alive connection parses without allocating.
struct HeadReader {
    static let maxHeadBytes = 64 * 1024

    private var searched = 0
    private var bytes: [UInt8] = []
    private var fields: [HeaderField] = []

    /// The next request head, or nil until all of it has arrived. Consumes the head's bytes.
    mutating func readRequest(_ buffer: inout ByteBuffer) throws(HTTPWireError) -> RequestHead? {
        if searched == 0 { Self.skipEmptyLines(&buffer) }
        guard try takeHead(&buffer) else { return nil }
        return try HeadParser.request(bytes, fields: &fields)
    }

    /// The next response head, or nil until all of it has arrived. Consumes the head's bytes.
    mutating func readResponse(_ buffer: inout ByteBuffer, requestMethod: HTTPMethod) throws(HTTPWireError) -> ResponseHead? {
        guard try takeHead(&buffer) else { return nil }
        return try HeadParser.response(bytes, fields: &fields, requestMethod: requestMethod)
    }

    /// Moves a complete head from `buffer` into `bytes`; false while it is incomplete.
    private mutating func takeHead(_ buffer: inout ByteBuffer) throws(HTTPWireError) -> Bool {
        let from = searched
        let end = buffer.withUnsafeReadableBytes { HeadParser.headEnd($0, from: from) }
        guard let end else {
            guard buffer.readableBytes <= Self.maxHeadBytes else {
                throw HTTPWireError(kind: .headTooLarge, reason: "head larger than \(Self.maxHeadBytes / 1024) KiB")
            }
            searched = max(0, buffer.readableBytes - 2)
            return false
        }
        guard end <= Self.maxHeadBytes else {
            throw HTTPWireError(kind: .headTooLarge, reason: "head larger than \(Self.maxHeadBytes / 1024) KiB")
        }
        searched = 0
        bytes.removeAll(keepingCapacity: true)
        buffer.withUnsafeReadableBytes { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        buffer.moveReaderIndex(forwardBy: end)
        return true
    }

    /// RFC 9112 §2.2: a server should ignore empty lines before a request line (some clients
    /// send an extra CRLF after a body).
    private static func skipEmptyLines(_ buffer: inout ByteBuffer) {
        while let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            if byte == UInt8(ascii: "\n") {
                buffer.moveReaderIndex(forwardBy: 1)
            } else if byte == UInt8(ascii: "\r"), buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) == UInt8(ascii: "\n") {
                buffer.moveReaderIndex(forwardBy: 2)
            } else {
                return
            }
        }
    }
}

/// The pure parsing of one complete head.
enum HeadParser {
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    /// Limits that keep the per-field hop-by-hop check (fields × options) cheap.
    static let maxFields = 256
    static let maxConnectionTokens = 32

    private static func isFramingOrHost(_ name: ArraySlice<UInt8>) -> Bool {
        ASCII.equalsIgnoringCase(name, "content-length") || ASCII.equalsIgnoringCase(name, "transfer-encoding")
            || ASCII.equalsIgnoringCase(name, "host")
    }

    /// The length of the head at the start of `bytes` (through its blank line), searching for the
    /// blank line from `from`, or nil when it has not arrived yet.
    static func headEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        var index = from
        let count = bytes.count
        while index < count {
            guard let base = bytes.baseAddress,
                let found = memchr(base + index, Int32(lf), count - index)
            else { return nil }
            let newline = base.distance(to: UnsafeRawPointer(found))
            if newline + 1 < count && bytes[newline + 1] == lf { return newline + 2 }
            if newline + 2 < count && bytes[newline + 1] == cr && bytes[newline + 2] == lf { return newline + 3 }
            if newline + 2 >= count { return nil }
            index = newline + 1
        }
        return nil
    }

    static func request(_ bytes: [UInt8], fields: inout [HeaderField]) throws(HTTPWireError) -> RequestHead {
        let (startLine, headers) = try lines(bytes, into: &fields)
        // method SP request-target SP HTTP-version
        guard let firstSpace = bytes[startLine].firstIndex(of: space), firstSpace > startLine.lowerBound else {
            throw .malformed("request line is not METHOD TARGET HTTP/1.1")
        }
        let methodBytes = startLine.lowerBound..<firstSpace
        guard bytes[methodBytes].allSatisfy(ASCII.isTokenCharacter) else { throw .malformed("invalid method") }
        guard let secondSpace = bytes[(firstSpace + 1)..<startLine.upperBound].firstIndex(of: space), secondSpace > firstSpace + 1 else {
            throw .malformed("request line is not METHOD TARGET HTTP/1.1")
        }
        let target = (firstSpace + 1)..<secondSpace
        guard bytes[target].allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { throw .malformed("invalid request target") }
        let minorVersion = try version(bytes[(secondSpace + 1)..<startLine.upperBound])
        let method = self.method(bytes[methodBytes])

        var lengths = Lengths()
        var hosts = 0
        for field in headers.fields {
            try lengths.note(field, in: headers)
            if headers.isNamed(field, "host") { hosts += 1 }
        }
        if minorVersion == 1 && hosts == 0 { throw .malformed("HTTP/1.1 request without a Host field") }
        if hosts > 1 { throw .malformed("more than one Host field") }

        let framing: BodyFraming
        if lengths.sawTransferEncoding {
            if minorVersion == 0 { throw .malformed("Transfer-Encoding in an HTTP/1.0 request") }
            if lengths.contentLength != nil { throw .malformed("both Transfer-Encoding and Content-Length") }
            guard lengths.chunkedIsFinal else { throw .malformed("Transfer-Encoding does not end with chunked") }
            framing = .chunked
        } else if let length = lengths.contentLength, length > 0 {
            framing = .length(length)
        } else {
            framing = .none
        }

        let keepAlive =
            !headers.connectionLists("close") && (minorVersion == 1 || headers.connectionLists("keep-alive"))
        // An HTTP/1.0 request's Upgrade is ignored (RFC 9110 §7.8).
        let isUpgrade = minorVersion == 1 && headers.connectionLists("upgrade") && headers.contains("upgrade")
        return RequestHead(
            method: method, methodBytes: methodBytes, target: target, minorVersion: minorVersion, headers: headers,
            framing: framing, keepAlive: keepAlive, isUpgrade: isUpgrade)
    }

    static func response(_ bytes: [UInt8], fields: inout [HeaderField], requestMethod: HTTPMethod) throws(HTTPWireError) -> ResponseHead {
        let (startLine, headers) = try lines(bytes, into: &fields)
        // HTTP-version SP 3DIGIT SP [reason-phrase]; the space before an empty reason is optional in practice.
        let line = bytes[startLine]
        guard line.count >= 12, line[line.startIndex + 8] == space else { throw .malformed("status line is not HTTP/1.1 NNN REASON") }
        let minorVersion = try version(line.prefix(8))
        let codeStart = startLine.lowerBound + 9
        var status = 0
        for byte in bytes[codeStart..<(codeStart + 3)] {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { throw .malformed("invalid status code") }
            status = status * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard status >= 100, line.count == 12 || bytes[codeStart + 3] == space else { throw .malformed("invalid status code") }

        var lengths = Lengths()
        for field in headers.fields { try lengths.note(field, in: headers) }

        let framing: BodyFraming
        if requestMethod == .HEAD || status < 200 || status == 204 || status == 304 {
            framing = .none
        } else if lengths.sawTransferEncoding {
            framing = lengths.chunkedIsFinal && minorVersion == 1 ? .chunked : .untilClose
        } else if let length = lengths.contentLength {
            framing = length > 0 ? .length(length) : .none
        } else {
            framing = .untilClose
        }
        let keepAlive =
            !headers.connectionLists("close") && (minorVersion == 1 || headers.connectionLists("keep-alive"))
            && framing != .untilClose && !(lengths.sawTransferEncoding && lengths.contentLength != nil)
        return ResponseHead(
            status: status, statusLine: codeStart..<startLine.upperBound, minorVersion: minorVersion, headers: headers,
            framing: framing, keepAlive: keepAlive)
    }

    /// The framing fields of one message.
    private struct Lengths {
        var contentLength: Int?
        var sawTransferEncoding = false
        var chunkedIsFinal = false

        mutating func note(_ field: HeaderField, in headers: HeaderFields) throws(HTTPWireError) {
            if headers.isNamed(field, "content-length") {
                // A list of identical values ("5, 5") is one length (RFC 9110 §8.6).
                for item in listItems(headers.bytes, field.value, keepingEmpty: true) {
                    let digits = headers.bytes[item]
                    guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                        throw .malformed("invalid Content-Length \(headers.value(field))")
                    }
                    let value = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
                    if let contentLength, contentLength != value { throw .malformed("conflicting Content-Length values") }
                    contentLength = value
                }
            } else if headers.isNamed(field, "transfer-encoding") {
                // Present but naming no coding is not "absent": refuse rather than guess.
                guard headers.bytes[field.value].contains(where: { $0 != space && $0 != tab && $0 != UInt8(ascii: ",") }) else {
                    throw .malformed("empty Transfer-Encoding")
                }
                for coding in listItems(headers.bytes, field.value) {
                    // chunked anywhere but last cannot be framed (RFC 9112 §6.1).
                    if sawTransferEncoding && chunkedIsFinal { throw .malformed("Transfer-Encoding has a coding after chunked") }
                    sawTransferEncoding = true
                    chunkedIsFinal = ASCII.equalsIgnoringCase(headers.bytes[coding], "chunked")
                }
            }
        }
    }

    /// Splits a complete head into its start line and header fields (`fields` is scratch space).
    private static func lines(_ bytes: [UInt8], into fields: inout [HeaderField]) throws(HTTPWireError) -> (Range<Int>, HeaderFields) {
        fields.removeAll(keepingCapacity: true)
        var connectionTokens: [Range<Int>] = []
        var startLine: Range<Int>?
        var position = 0
        while position < bytes.count {
            guard let newline = bytes[position...].firstIndex(of: lf) else { throw .malformed("unterminated line") }
            let end = newline > position && bytes[newline - 1] == cr ? newline - 1 : newline
            let line = position..<end
            position = newline + 1
            if startLine == nil {
                guard !line.isEmpty else { throw .malformed("empty start line") }
                guard !bytes[line].contains(where: { $0 < 0x20 || $0 == 0x7F }) else { throw .malformed("control character in start line") }
                startLine = line
                continue
            }
            if line.isEmpty { break }
            let field = try self.field(bytes, line)
            if ASCII.equalsIgnoringCase(bytes[field.name], "connection") {
                for range in listItems(bytes, field.value) {
                    // `Connection` may not take away the fields that frame the message or name
                    // its target: dropping them while relaying the body as framed would let the
                    // upstream read the body as another request (smuggling).
                    if isFramingOrHost(bytes[range]) { continue }
                    guard connectionTokens.count < maxConnectionTokens else { throw .malformed("more than \(maxConnectionTokens) Connection options") }
                    connectionTokens.append(range)
                }
            }
            guard fields.count < maxFields else {
                throw HTTPWireError(kind: .headTooLarge, reason: "more than \(maxFields) header fields")
            }
            fields.append(field)
        }
        guard let startLine else { throw .malformed("empty head") }
        return (startLine, HeaderFields(bytes: bytes, fields: fields, connectionTokens: connectionTokens))
    }

    private static func field(_ bytes: [UInt8], _ line: Range<Int>) throws(HTTPWireError) -> HeaderField {
        if bytes[line.lowerBound] == space || bytes[line.lowerBound] == tab {
            throw .malformed("obsolete line folding in a header field")
        }
        var colon = line.lowerBound
        while colon < line.upperBound && ASCII.isTokenCharacter(bytes[colon]) { colon += 1 }
        guard colon < line.upperBound, bytes[colon] == UInt8(ascii: ":") else {
            let shown = String(decoding: bytes[line].prefix(40), as: UTF8.self)
            throw .malformed("invalid header field name in \"\(shown)\"")
        }
        guard colon > line.lowerBound else { throw .malformed("empty header field name") }
        let value = trimmingWhitespace(bytes, (colon + 1)..<line.upperBound)
        for byte in bytes[value] where byte < 0x20 && byte != tab || byte == 0x7F {
            throw .malformed("control character in header field \(String(decoding: bytes[line.lowerBound..<colon], as: UTF8.self))")
        }
        return HeaderField(name: line.lowerBound..<colon, value: value)
    }

    /// The elements of a comma-separated field value (RFC 9110 §5.6.1), each without its
    /// surrounding whitespace; empty elements are dropped unless `keepingEmpty`.
    private static func listItems(_ bytes: [UInt8], _ value: Range<Int>, keepingEmpty: Bool = false) -> [Range<Int>] {
        var items: [Range<Int>] = []
        var start = value.lowerBound
        for index in value.lowerBound...value.upperBound where index == value.upperBound || bytes[index] == UInt8(ascii: ",") {
            let item = trimmingWhitespace(bytes, start..<index)
            if keepingEmpty || !item.isEmpty { items.append(item) }
            start = index + 1
        }
        return items
    }

    /// `range` without leading and trailing spaces and tabs (OWS).
    private static func trimmingWhitespace(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end && (bytes[start] == space || bytes[start] == tab) { start += 1 }
        while end > start && (bytes[end - 1] == space || bytes[end - 1] == tab) { end -= 1 }
        return start..<end
    }

    /// The minor version of `HTTP/1.x`; later 1.x minors are treated as 1.1 (RFC 9110 §6.2).
    private static func version(_ bytes: ArraySlice<UInt8>) throws(HTTPWireError) -> Int {
        let expected: [UInt8] = Array("HTTP/".utf8)
        guard bytes.count == 8, bytes.prefix(5).elementsEqual(expected), bytes[bytes.startIndex + 6] == UInt8(ascii: "."),
            let major = digit(bytes[bytes.startIndex + 5]), let minor = digit(bytes[bytes.startIndex + 7])
        else { throw .malformed("invalid HTTP version") }
        guard major == 1 else {
            throw HTTPWireError(kind: .unsupportedVersion, reason: "HTTP/\(major).\(minor) is not supported; use HTTP/1.1")
        }
        return min(minor, 1)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func method(_ bytes: ArraySlice<UInt8>) -> HTTPMethod {
        switch bytes.count {
        case 3:
            if bytes.elementsEqual("GET".utf8) { return .GET }
            if bytes.elementsEqual("PUT".utf8) { return .PUT }
        case 4:
            if bytes.elementsEqual("POST".utf8) { return .POST }
            if bytes.elementsEqual("HEAD".utf8) { return .HEAD }
        case 5:
            if bytes.elementsEqual("PATCH".utf8) { return .PATCH }
        case 6:
            if bytes.elementsEqual("DELETE".utf8) { return .DELETE }
        case 7:
            if bytes.elementsEqual("OPTIONS".utf8) { return .OPTIONS }
            if bytes.elementsEqual("CONNECT".utf8) { return .CONNECT }
        default:
            break
        }
        return HTTPMethod(rawValue: String(decoding: bytes, as: UTF8.self))
    }
}
