import NIOHTTP1

/// How a message's body is delimited on the wire (RFC 9112 §6.3).
enum BodyFraming: Equatable {
    /// No body (no length given on a request; HEAD, 1xx, 204 and 304 responses).
    case none
    case length(Int)
    case chunked
    /// Read until the sender closes (responses only).
    case untilClose
}

/// Why bytes could not be read as HTTP/1.1, with the status a request gets for it.
struct HTTPWireError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        case malformed
        case headTooLarge
        case unsupportedVersion
    }

    let kind: Kind
    let reason: String

    static func malformed(_ reason: String) -> HTTPWireError { HTTPWireError(kind: .malformed, reason: reason) }

    /// The answer a client gets when its request is the one at fault.
    var status: HTTPResponseStatus {
        switch kind {
        case .malformed: .badRequest
        case .headTooLarge: .requestHeaderFieldsTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        }
    }

    var description: String { reason }
}

/// One header line, as offsets into its head's bytes; the value has its surrounding whitespace trimmed.
struct HeaderField {
    let name: Range<Int>
    let value: Range<Int>
}

/// The header section of a parsed head: the head's raw bytes and where each field lies in them.
/// Nothing is copied into `String`s unless asked for; the proxy forwards fields byte for byte.
struct HeaderFields {
    let bytes: [UInt8]
    let fields: [HeaderField]
    /// Offsets of the tokens of every `Connection` field (lowercase comparison happens on use).
    let connectionTokens: [Range<Int>]

    func isNamed(_ field: HeaderField, _ lowercasedName: StaticString) -> Bool {
        ASCII.equalsIgnoringCase(bytes[field.name], lowercasedName)
    }

    func contains(_ lowercasedName: StaticString) -> Bool {
        fields.contains { isNamed($0, lowercasedName) }
    }

    func value(_ field: HeaderField) -> String { String(decoding: bytes[field.value], as: UTF8.self) }

    /// The value of the first field called `lowercasedName`.
    func first(_ lowercasedName: StaticString) -> String? {
        fields.first { isNamed($0, lowercasedName) }.map(value)
    }

    /// Whether the `Connection` field lists `lowercasedToken`.
    func connectionLists(_ lowercasedToken: StaticString) -> Bool {
        connectionTokens.contains { ASCII.equalsIgnoringCase(bytes[$0], lowercasedToken) }
    }

    /// Whether a field must not be forwarded: RFC 9110 §7.6.1's hop-by-hop fields, `Proxy-*`, and
    /// any field the `Connection` field names (never a framing field or `Host`; see the parser).
    /// `Transfer-Encoding` is not among them: framing is decided separately. `Trailer` is not
    /// either: trailers are relayed with the chunked body they end.
    func isHopByHop(_ field: HeaderField) -> Bool {
        let name = bytes[field.name]
        let hopByHop: Bool
        switch name.count {
        case 2: hopByHop = ASCII.equalsIgnoringCase(name, "te")
        case 7: hopByHop = ASCII.equalsIgnoringCase(name, "upgrade")
        case 10: hopByHop = ASCII.equalsIgnoringCase(name, "connection") || ASCII.equalsIgnoringCase(name, "keep-alive")
        default: hopByHop = name.count > 6 && ASCII.hasPrefixIgnoringCase(name, "proxy-")
        }
        if hopByHop { return true }
        return connectionTokens.contains { ASCII.equalsIgnoringCase(name, bytes[$0]) }
    }
}

/// A parsed request head.
struct RequestHead {
    let method: HTTPMethod
    let methodBytes: Range<Int>
    let target: Range<Int>
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    let minorVersion: Int
    let headers: HeaderFields
    let framing: BodyFraming
    /// Whether the client wants the connection kept open after this exchange.
    let keepAlive: Bool
    /// `Connection: upgrade` together with an `Upgrade` field.
    let isUpgrade: Bool

    var targetString: String { String(decoding: headers.bytes[target], as: UTF8.self) }
}

/// A parsed response head; its framing already accounts for the request it answers.
struct ResponseHead {
    let status: Int
    /// The status code and reason phrase as sent, e.g. `200 OK`.
    let statusLine: Range<Int>
    let minorVersion: Int
    let headers: HeaderFields
    let framing: BodyFraming
    /// Whether the upstream connection can carry another request after this response.
    let keepAlive: Bool

    var isInterim: Bool { status >= 100 && status < 200 && status != 101 }
}

/// Byte-level ASCII helpers: header names are ASCII, so no Unicode-aware case folding is needed.
enum ASCII {
    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercased: StaticString) -> Bool {
        guard bytes.count == lowercased.utf8CodeUnitCount else { return false }
        let other = lowercased.utf8Start
        var offset = 0
        for byte in bytes {
            if lower(byte) != other[offset] { return false }
            offset += 1
        }
        return true
    }

    static func equalsIgnoringCase(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { lower($0) == lower($1) }
    }

    static func hasPrefixIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercasedPrefix: StaticString) -> Bool {
        guard bytes.count >= lowercasedPrefix.utf8CodeUnitCount else { return false }
        return equalsIgnoringCase(bytes.prefix(lowercasedPrefix.utf8CodeUnitCount), lowercasedPrefix)
    }

    /// RFC 9110 `tchar`.
    @inline(__always) static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
