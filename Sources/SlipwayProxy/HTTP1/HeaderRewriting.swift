import NIOCore
import NIOHTTP1

/// Writes heads for the other side of the proxy: the client's request for the upstream, the
/// upstream's response for the client, and the proxy's own responses. Pure: bytes in, bytes out.
///
/// Fields are copied byte for byte in their order, minus hop-by-hop ones. Framing is kept
/// whenever both sides can use it, so bodies pass through untouched; the exceptions are in
/// `ResponsePlan`.
enum HeaderRewriting {
    private static let crlf: StaticString = "\r\n"

    /// The request as the upstream gets it: HTTP/1.1 (pooled connections stay open whatever the
    /// client asked), no hop-by-hop fields, and `X-Forwarded-For` / `-Proto` / `-Host` set by us,
    /// since the edge cannot trust a client to say which scheme or host it used.
    ///
    /// An absolute-form target (`GET http://host/path`) becomes origin-form with `Host` taken from
    /// it (RFC 9112 §3.2.2); a request without `Host` (HTTP/1.0) gets an empty one, which is what
    /// HTTP/1.1 asks for when there is no authority (§3.2).
    static func writeRequest(_ head: RequestHead, clientAddress: String, scheme: String, into buffer: inout ByteBuffer) {
        let headers = head.headers
        buffer.reserveCapacity(minimumWritableBytes: headers.bytes.count + 96 + clientAddress.utf8.count)
        headers.bytes.withUnsafeBytes { bytes in
            let absolute = absoluteForm(headers.bytes, head.target)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[head.methodBytes]))
            buffer.writeInteger(UInt8(ascii: " "))
            if let absolute {
                if absolute.path.isEmpty || headers.bytes[absolute.path.lowerBound] == UInt8(ascii: "?") {
                    buffer.writeInteger(UInt8(ascii: "/"))
                }
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[absolute.path]))
            } else {
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[head.target]))
            }
            buffer.writeStaticString(" HTTP/1.1\r\n")
            var forwardedFor: [Range<Int>] = []
            var host: Range<Int>? = absolute?.authority
            var sawHost = false
            for field in headers.fields {
                if headers.isHopByHop(field) {
                    guard head.isUpgrade && headers.isNamed(field, "upgrade") else { continue }
                } else if headers.isNamed(field, "x-forwarded-for") {
                    if !field.value.isEmpty { forwardedFor.append(field.value) }
                    continue
                } else if headers.isNamed(field, "x-forwarded-proto") || headers.isNamed(field, "x-forwarded-host") {
                    continue
                } else if headers.isNamed(field, "host") {
                    sawHost = true
                    if absolute != nil { continue }
                    host = field.value
                }
                writeField(bytes, field, into: &buffer)
            }
            if let authority = absolute?.authority {
                buffer.writeStaticString("Host: ")
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[authority]))
                buffer.writeStaticString(crlf)
            } else if !sawHost {
                buffer.writeStaticString("Host: \r\n")
            }
            buffer.writeStaticString("X-Forwarded-For: ")
            for value in forwardedFor {
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[value]))
                buffer.writeStaticString(", ")
            }
            buffer.writeString(clientAddress)
            buffer.writeStaticString("\r\nX-Forwarded-Proto: ")
            buffer.writeString(scheme)
            buffer.writeStaticString(crlf)
            if let host, !host.isEmpty {
                buffer.writeStaticString("X-Forwarded-Host: ")
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[host]))
                buffer.writeStaticString(crlf)
            }
        }
        if head.isUpgrade { buffer.writeStaticString("Connection: upgrade\r\n") }
        buffer.writeStaticString(crlf)
    }

    /// The authority and path of an absolute-form target (`http://user@host:port/path?q`), user
    /// information dropped; nil for origin-form and the other forms.
    static func absoluteForm(_ bytes: [UInt8], _ target: Range<Int>) -> (authority: Range<Int>, path: Range<Int>)? {
        let slice = bytes[target]
        let schemeLength: Int
        if ASCII.hasPrefixIgnoringCase(slice, "http://") {
            schemeLength = 7
        } else if ASCII.hasPrefixIgnoringCase(slice, "https://") {
            schemeLength = 8
        } else {
            return nil
        }
        let start = target.lowerBound + schemeLength
        let end = bytes[start..<target.upperBound].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? target.upperBound
        var authorityStart = start
        if let at = bytes[start..<end].lastIndex(of: UInt8(ascii: "@")) { authorityStart = at + 1 }
        return (authorityStart..<end, end..<target.upperBound)
    }

    /// What happens to a response body on its way to the client.
    enum BodyHandling: Equatable {
        /// Relayed byte for byte (length-delimited, chunked to an HTTP/1.1 client, or none).
        case forward
        /// Chunked from the upstream, but the client speaks HTTP/1.0: chunk framing stripped,
        /// the body ends when the connection closes.
        case dechunk
        /// Delimited by the upstream closing, but the client keeps its connection: chunked by us.
        case rechunk
    }

    struct ResponsePlan: Equatable {
        var body: BodyHandling
        /// The body's end is signalled by closing the client connection.
        var closeDelimited: Bool
        /// The client connection closes after this response.
        var close: Bool
    }

    /// The upstream's final response as the client gets it: in the client's HTTP version, without
    /// hop-by-hop fields, framed so the client can find its end, and saying whether the
    /// connection stays open (`keepAlive`).
    static func writeResponse(
        _ head: ResponseHead,
        requestMethod: HTTPMethod,
        clientMinorVersion: Int,
        keepAlive: Bool,
        into buffer: inout ByteBuffer
    ) -> ResponsePlan {
        let headers = head.headers
        let http10 = clientMinorVersion == 0
        let bodiless = requestMethod == .HEAD || head.status < 200 || head.status == 204 || head.status == 304
        var body = BodyHandling.forward
        var closeDelimited = false
        switch head.framing {
        case .chunked where http10:
            body = .dechunk
            closeDelimited = true
        case .untilClose where http10:
            closeDelimited = true
        case .untilClose:
            body = .rechunk
        case .chunked, .length, .none:
            break
        }
        // Transfer-Encoding goes where the client cannot use it; Content-Length goes when a
        // Transfer-Encoding (which overrides it) framed the body (RFC 9112 §6.3).
        let dropTransferEncoding = bodiless || http10 || body == .rechunk
        let dropContentLength = !bodiless && (head.framing == .chunked || head.framing == .untilClose) && headers.contains("transfer-encoding")
        let close = !keepAlive || closeDelimited

        buffer.reserveCapacity(minimumWritableBytes: headers.bytes.count + 64)
        buffer.writeStaticString(http10 ? "HTTP/1.0 " : "HTTP/1.1 ")
        headers.bytes.withUnsafeBytes { bytes in
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[head.statusLine]))
            buffer.writeStaticString(crlf)
            for field in headers.fields {
                if headers.isHopByHop(field) { continue }
                if dropTransferEncoding && headers.isNamed(field, "transfer-encoding") { continue }
                if dropContentLength && headers.isNamed(field, "content-length") { continue }
                writeField(bytes, field, into: &buffer)
            }
        }
        if body == .rechunk { buffer.writeStaticString("Transfer-Encoding: chunked\r\n") }
        if close {
            buffer.writeStaticString("Connection: close\r\n")
        } else if http10 {
            buffer.writeStaticString("Connection: keep-alive\r\n")
        }
        buffer.writeStaticString(crlf)
        return ResponsePlan(body: body, closeDelimited: closeDelimited, close: close)
    }

    /// An interim response (100 Continue, 103 Early Hints) for an HTTP/1.1 client.
    static func writeInterim(_ head: ResponseHead, into buffer: inout ByteBuffer) {
        writeStatusAndFields(head, keepingUpgrade: false, into: &buffer)
        buffer.writeStaticString(crlf)
    }

    /// The 101 of a protocol switch: `Upgrade` kept, `Connection: upgrade`, nothing else touched.
    static func writeSwitchingProtocols(_ head: ResponseHead, into buffer: inout ByteBuffer) {
        writeStatusAndFields(head, keepingUpgrade: true, into: &buffer)
        buffer.writeStaticString("Connection: upgrade\r\n\r\n")
    }

    /// A response made by the proxy itself (errors, assets).
    static func writeLocal(
        _ status: HTTPResponseStatus,
        clientMinorVersion: Int,
        fields: [(String, String)],
        into buffer: inout ByteBuffer
    ) {
        buffer.writeStaticString(clientMinorVersion == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(status.code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString(crlf)
        for (name, value) in fields {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString(crlf)
        }
        buffer.writeStaticString(crlf)
    }

    private static func writeStatusAndFields(_ head: ResponseHead, keepingUpgrade: Bool, into buffer: inout ByteBuffer) {
        let headers = head.headers
        buffer.writeStaticString("HTTP/1.1 ")
        headers.bytes.withUnsafeBytes { bytes in
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[head.statusLine]))
            buffer.writeStaticString(crlf)
            for field in headers.fields {
                if headers.isHopByHop(field) && !(keepingUpgrade && headers.isNamed(field, "upgrade")) { continue }
                writeField(bytes, field, into: &buffer)
            }
        }
    }

    @inline(__always) private static func writeField(_ bytes: UnsafeRawBufferPointer, _ field: HeaderField, into buffer: inout ByteBuffer) {
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[field.name]))
        buffer.writeStaticString(": ")
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[field.value]))
        buffer.writeStaticString(crlf)
    }
}
