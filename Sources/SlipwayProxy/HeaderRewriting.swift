import NIOCore
import NIOHTTP1

/// Pure header rewriting for both directions. No I/O, no state: unit-tested on its own.
///
/// Framing headers (`Content-Length`, `Transfer-Encoding`) are passed through untouched (apart
/// from the cases below) because the NIO encoders on both sides run with automatic framing off
/// and frame the body exactly as the headers say; the decoders already de-chunked the body.
enum HeaderRewriting {
    /// Hop-by-hop headers of RFC 9110 §7.6.1 plus `Proxy-*`. `Transfer-Encoding` is deliberately
    /// absent: it describes the framing, which the codecs on each side implement.
    static func isHopByHop(_ name: String) -> Bool {
        let utf8 = name.utf8
        switch utf8.count {
        case 2: return equalsIgnoringCase(name, "te")
        case 7: return equalsIgnoringCase(name, "trailer") || equalsIgnoringCase(name, "upgrade")
        case 10: return equalsIgnoringCase(name, "connection") || equalsIgnoringCase(name, "keep-alive")
        default: return utf8.count > 6 && hasPrefixIgnoringCase(name, "proxy-")
        }
    }

    /// The tokens of all `Connection` headers, lowercased (e.g. `["keep-alive", "x-foo"]`).
    static func connectionTokens(_ headers: HTTPHeaders) -> [String] {
        var tokens: [String] = []
        for (name, value) in headers where equalsIgnoringCase(name, "connection") {
            for token in value.split(separator: ",") {
                let trimmed = token.trimmingSpaces()
                if !trimmed.isEmpty { tokens.append(trimmed.lowercased()) }
            }
        }
        return tokens
    }

    /// True for a request that asks to switch protocols (`Connection: upgrade` + `Upgrade: x`).
    static func isUpgradeRequest(_ headers: HTTPHeaders) -> Bool {
        guard headers.contains(name: "upgrade") else { return false }
        return connectionTokens(headers).contains("upgrade")
    }

    /// Removes hop-by-hop headers and whatever `Connection` names. With `keepUpgrade`, the
    /// `Upgrade` header survives and `Connection` is reduced to `upgrade`, so the upstream sees
    /// the protocol switch request. Removal is by name, in place: rebuilding the headers would
    /// re-validate every remaining header. Nothing is copied when nothing matches, which is the
    /// common case for requests on the hot path.
    static func removeHopByHop(_ headers: inout HTTPHeaders, keepUpgrade: Bool = false) {
        var doomed: [String] = []
        for (name, _) in headers where isHopByHop(name) {
            if keepUpgrade && equalsIgnoringCase(name, "upgrade") { continue }
            if !doomed.contains(where: { equalsIgnoringCase(name, $0) }) { doomed.append(name.lowercased()) }
        }
        guard !doomed.isEmpty else { return }
        if doomed.contains("connection") {
            for token in connectionTokens(headers) where !doomed.contains(token) {
                if keepUpgrade && token == "upgrade" { continue }
                doomed.append(token)
            }
        }
        for name in doomed { headers.remove(name: name) }
        if keepUpgrade { headers.add(name: "Connection", value: "upgrade") }
    }

    /// Rewrites a client's request head for the upstream: hop-by-hop removal, `X-Forwarded-*`,
    /// HTTP/1.1 towards the upstream (pooled connections are keep-alive regardless of the client).
    static func rewriteRequest(
        _ head: inout HTTPRequestHead,
        clientAddress: String,
        scheme: String,
        isUpgrade: Bool
    ) {
        removeHopByHop(&head.headers, keepUpgrade: isUpgrade)
        head.version = .http1_1

        // `contains` first: on the hot path the X-Forwarded-* headers are usually absent and a
        // plain `add` avoids the remove-and-rebuild of `replaceOrAdd`.
        if !head.headers.contains(name: "x-forwarded-for") {
            head.headers.add(name: "X-Forwarded-For", value: clientAddress)
        } else {
            var joined = head.headers[canonicalForm: "x-forwarded-for"].joined(separator: ", ")
            joined += ", "
            joined += clientAddress
            head.headers.replaceOrAdd(name: "X-Forwarded-For", value: joined)
        }
        // We are the edge: the client cannot be trusted to tell us the scheme or host it used.
        setOrReplace(&head.headers, "X-Forwarded-Proto", lowercased: "x-forwarded-proto", scheme)
        if let host = head.headers.first(name: "host") {
            setOrReplace(&head.headers, "X-Forwarded-Host", lowercased: "x-forwarded-host", host)
        } else if head.headers.contains(name: "x-forwarded-host") {
            head.headers.remove(name: "X-Forwarded-Host")
        }
    }

    private static func setOrReplace(_ headers: inout HTTPHeaders, _ name: String, lowercased: String, _ value: String) {
        if headers.contains(name: lowercased) {
            headers.replaceOrAdd(name: name, value: value)
        } else {
            headers.add(name: name, value: value)
        }
    }

    /// What the proxy must do with the downstream connection after a response.
    struct ResponsePlan: Equatable {
        /// The response has no length-delimited framing the client can use (HTTP/1.0 client,
        /// no Content-Length): the end of the body is signalled by closing the connection.
        var closeDelimited: Bool
    }

    /// Rewrites the upstream's response head for the client.
    ///
    /// - `requestMethod`: a HEAD response carries no body, so a `Transfer-Encoding: chunked`
    ///   header must go (the encoder would otherwise write a terminating chunk).
    /// - `clientVersion`: HTTP/1.0 clients cannot receive chunked bodies; they get a
    ///   close-delimited one instead.
    /// - `keepAlive`: whether the downstream connection stays open after this response.
    static func rewriteResponse(
        _ head: inout HTTPResponseHead,
        requestMethod: HTTPMethod,
        clientVersion: HTTPVersion,
        keepAlive: Bool
    ) -> ResponsePlan {
        removeHopByHop(&head.headers)
        head.version = clientVersion.minor == 0 && clientVersion.major == 1 ? .http1_0 : .http1_1

        let code = head.status.code
        let bodiless = requestMethod == .HEAD || code == 204 || code == 304 || (code >= 100 && code < 200)
        var closeDelimited = false
        if bodiless {
            if head.headers.contains(name: "transfer-encoding") { head.headers.remove(name: "transfer-encoding") }
        } else if !head.headers.contains(name: "content-length") {
            let chunked = head.headers.contains(name: "transfer-encoding")
            if head.version == .http1_0 {
                // No chunked framing for 1.0: strip it and close after the body.
                if chunked { head.headers.remove(name: "transfer-encoding") }
                closeDelimited = true
            } else if !chunked {
                // The upstream delimited by close (or HTTP/1.0 upstream); re-frame as chunked.
                head.headers.add(name: "Transfer-Encoding", value: "chunked")
            }
        }

        let close = !keepAlive || closeDelimited
        if close {
            head.headers.add(name: "Connection", value: "close")
        } else if head.version == .http1_0 {
            head.headers.add(name: "Connection", value: "keep-alive")
        }
        return ResponsePlan(closeDelimited: closeDelimited)
    }

    /// Response head of a 101 switch: forwarded with `Connection`/`Upgrade`, nothing else touched.
    static func rewriteUpgradeResponse(_ head: inout HTTPResponseHead) {
        removeHopByHop(&head.headers, keepUpgrade: true)
    }

    // MARK: ASCII helpers (header names are ASCII; avoid Unicode-aware lowercasing on the hot path)

    static func equalsIgnoringCase(_ a: String, _ lowercased: String) -> Bool {
        let x = a.utf8, y = lowercased.utf8
        guard x.count == y.count else { return false }
        var i = x.startIndex, j = y.startIndex
        while i != x.endIndex {
            if asciiLower(x[i]) != asciiLower(y[j]) { return false }
            i = x.index(after: i)
            j = y.index(after: j)
        }
        return true
    }

    @inline(__always) static func asciiLower(_ b: UInt8) -> UInt8 {
        b >= 0x41 && b <= 0x5A ? b | 0x20 : b
    }

    static func hasPrefixIgnoringCase(_ a: String, _ lowercasedPrefix: String) -> Bool {
        let x = a.utf8, y = lowercasedPrefix.utf8
        guard x.count >= y.count else { return false }
        var i = x.startIndex
        for byte in y {
            if asciiLower(x[i]) != asciiLower(byte) { return false }
            i = x.index(after: i)
        }
        return true
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}
