import Foundation

/// Git repository addresses: the forms a source's `git` takes (`https://host/owner/name.git`,
/// `git@host:owner/name.git`, `ssh://git@host:22/owner/name`, a local path) and what webhooks name.
public enum RepositoryURL {
    /// One spelling for every address of the same repository: host (lower case, without user or default port) and
    /// path without `.git` or slashes at the ends, lower case. Local paths become `file:` and the absolute path.
    public static func identity(_ text: String) -> String {
        var address = text.trimmingCharacters(in: .whitespaces)
        if address.hasPrefix("/") || address.hasPrefix("file://") {
            if address.hasPrefix("file://") { address.removeFirst("file://".count) }
            return "file:" + trimmed((address as NSString).standardizingPath)
        }
        var host: Substring
        var path: Substring
        if let scheme = address.range(of: "://") {
            let schemeName = address[..<scheme.lowerBound].lowercased()
            let rest = address[scheme.upperBound...]
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            host = rest[..<slash]
            path = rest[slash...]
            if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
            let defaults = ["http": ":80", "https": ":443", "ssh": ":22", "git": ":9418"]
            if let port = defaults[schemeName], host.hasSuffix(port) { host = host.dropLast(port.count) }
        } else if let colon = address.firstIndex(of: ":") {
            // scp-like: [user@]host:path
            host = address[..<colon]
            path = address[address.index(after: colon)...]
            if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        } else {
            return "file:" + trimmed((address as NSString).standardizingPath)
        }
        return host.lowercased() + "/" + trimmed(String(path)).lowercased()
    }

    private static func trimmed(_ path: String) -> String {
        var path = Substring(path)
        while path.hasSuffix("/") { path = path.dropLast() }
        if path.hasSuffix(".git") { path = path.dropLast(4) }
        while path.hasPrefix("/") { path = path.dropFirst() }
        return String(path)
    }

    /// The address with any password or token in it replaced, for logs and messages.
    public static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<hostEnd].lastIndex(of: "@") else { return text }
        // user:password keeps the user; a lone user part may be a token itself (https://TOKEN@host/…).
        let userinfo = rest[..<at]
        let user = userinfo.contains(":") ? String(userinfo.prefix { $0 != ":" }) + ":" : ""
        return String(text[..<scheme.upperBound]) + user + "***@" + rest[rest.index(after: at)...]
    }

    /// Every `scheme://user:password@` in free text (git's own messages) with the password hidden.
    public static func redactAll(in text: String) -> String {
        guard text.contains("://") else { return text }
        return text.split(separator: " ", omittingEmptySubsequences: false).map { redacted(String($0)) }.joined(separator: " ")
    }

    /// The user name a host expects with an access token over HTTPS.
    public static func tokenUser(for address: String) -> String {
        let host = identity(address).split(separator: "/").first.map(String.init) ?? ""
        if host == "github.com" || host.hasSuffix(".github.com") { return "x-access-token" }
        if host.contains("gitlab") { return "oauth2" }
        if host == "bitbucket.org" { return "x-token-auth" }
        return "slipway"
    }
}

/// A source's `branches` patterns: shell globs, where `*` also matches `/` (`release/*`, `*`).
public struct BranchPatterns: Sendable {
    public let patterns: [String]
    public init(_ patterns: [String]) { self.patterns = patterns }

    public func matches(_ branch: String) -> Bool {
        patterns.contains { fnmatch($0, branch, 0) == 0 }
    }
}
