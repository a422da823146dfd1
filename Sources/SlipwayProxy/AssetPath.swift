#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Pure helpers of the asset route: URL → relative path, content types, validators.
enum AssetPath {
    /// Maps a request target to path segments below an asset root, or nil when the target is not
    /// servable. Percent-decoding happens *before* the segment check so `%2e%2e` is a `..` too.
    /// Anything that could leave the root (`..`, NUL, backslashes) or reach hidden files (`.git`,
    /// `.env`) is refused rather than cleaned up: a client that sends that is not a browser
    /// following a link. Symlinks are checked later, against the real file system.
    static func segments(uri: String, prefix: String) -> [String]? {
        var path = Substring(uri)
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<cut] }
        guard path.hasPrefix(prefix) else { return nil }
        guard let decoded = percentDecode(path.dropFirst(prefix.count)) else { return nil }
        var result: [String] = []
        for raw in decoded.split(separator: "/", omittingEmptySubsequences: true) {
            if raw == "." { continue }
            if raw.hasPrefix(".") || raw.contains("\\") || raw.contains("\0") { return nil }
            result.append(String(raw))
        }
        return result.isEmpty ? nil : result
    }

    /// Whether a request path is under the asset prefix (cheap check on the hot path).
    static func matches(uri: String, prefix: String) -> Bool {
        uri.utf8.starts(with: prefix.utf8)
    }

    static func percentDecode(_ s: Substring) -> String? {
        guard s.utf8.contains(UInt8(ascii: "%")) else { return String(s) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let b = it.next() {
            if b == UInt8(ascii: "%") {
                guard let h = it.next().flatMap(hexValue), let l = it.next().flatMap(hexValue) else { return nil }
                bytes.append(h << 4 | l)
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func contentType(forPath path: String) -> String {
        let ext: Substring
        if let dot = path.lastIndex(of: "."), !path[dot...].contains("/") {
            ext = path[path.index(after: dot)...]
        } else {
            ext = ""
        }
        switch ext.lowercased() {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json", "map": return "application/json"
        case "txt": return "text/plain; charset=utf-8"
        case "xml": return "application/xml"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "avif": return "image/avif"
        case "ico": return "image/x-icon"
        case "woff": return "font/woff"
        case "woff2": return "font/woff2"
        case "ttf": return "font/ttf"
        case "otf": return "font/otf"
        case "wasm": return "application/wasm"
        case "pdf": return "application/pdf"
        case "mp4": return "video/mp4"
        case "webm": return "video/webm"
        case "mp3": return "audio/mpeg"
        case "webmanifest": return "application/manifest+json"
        default: return "application/octet-stream"
        }
    }

    /// Strong validator from size and modification time: changes whenever a deploy replaces the file.
    static func etag(size: Int64, modifiedNanos: Int64) -> String {
        "\"\(String(size, radix: 16))-\(String(modifiedNanos, radix: 16))\""
    }

    /// `If-None-Match` uses weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored.
    static func ifNoneMatch(_ header: String, matches etag: String) -> Bool {
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmingSpaces()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            var own = Substring(etag)
            if own.hasPrefix("W/") { own = own.dropFirst(2) }
            if tag == own { return true }
        }
        return false
    }

    /// IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(epochSeconds: Int) -> String {
        var t = time_t(epochSeconds)
        var parts = tm()
        _ = gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
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
