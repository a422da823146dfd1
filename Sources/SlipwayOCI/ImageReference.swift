/// A reference to an image in a registry, normalised as Docker normalises it:
/// `nginx` is `docker.io/library/nginx:latest`, `ghcr.io/acme/app@sha256:…` keeps its digest and has no tag.
///
/// Grammar: https://github.com/distribution/reference/blob/main/reference.go
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// The registry host, with its port if any (`docker.io`, `localhost:5000`, `[::1]:5000`).
    public var registry: String
    /// The repository path inside the registry (`library/nginx`, `acme/app`).
    public var repository: String
    public var tag: String?
    public var digest: Digest?

    public static let defaultRegistry = "docker.io"
    public static let defaultTag = "latest"
    static let maxNameLength = 255
    static let maxTagLength = 128

    public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Parses a reference the way `docker pull` reads it. A reference with neither tag nor digest gets `latest`.
    public init(parsing input: String) throws(OCIError) {
        func fail(_ part: String, _ reason: String) -> OCIError {
            .invalidReference(input, part: part, reason: reason)
        }
        guard !input.isEmpty else { throw fail("reference", "is empty") }

        var rest = Substring(input)
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            let digestText = String(rest[rest.index(after: at)...])
            do {
                digest = try Digest(parsing: digestText)
            } catch {
                throw fail("digest", "'\(digestText)' is not valid: \(error.description)")
            }
            rest = rest[..<at]
        }

        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            let tagText = String(rest[rest.index(after: colon)...])
            guard Self.isValidTag(tagText) else {
                throw fail("tag", "'\(tagText)' must be 1 to 128 of A-Z a-z 0-9 _ . - and not start with . or -")
            }
            tag = tagText
            rest = rest[..<colon]
        }

        let name = String(rest)
        guard !name.isEmpty else { throw fail("repository", "is empty") }
        // Like Docker, refuse only a whole reference that is 64 hex digits: `<hex>:tag` names a repository.
        if input.utf8.count == 64, input.utf8.allSatisfy(Self.isLowerHex) {
            throw fail("repository", "cannot be a 64-character hex string (that is an image ID, not a name)")
        }

        // The first component is a registry host only if it looks like one; otherwise the image is on Docker Hub.
        var registry = Self.defaultRegistry
        var path = name
        if let slash = name.firstIndex(of: "/") {
            let first = String(name[..<slash])
            if first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first {
                registry = first
                path = String(name[name.index(after: slash)...])
            }
        }
        guard Self.isValidRegistry(registry) else {
            throw fail("registry", "'\(registry)' is not a valid host[:port]")
        }
        if registry == "index.docker.io" { registry = Self.defaultRegistry }
        if registry == Self.defaultRegistry, !path.contains("/") { path = "library/" + path }

        guard path.lowercased() == path else { throw fail("repository", "'\(path)' must be lowercase") }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard Self.isValidPathComponent(component) else {
                throw fail("repository", "component '\(component)' must be lowercase letters and digits, "
                                + "separated by '.', '_', '__' or '-'")
            }
        }
        guard registry.utf8.count + 1 + path.utf8.count <= Self.maxNameLength else {
            throw fail("repository", "name is longer than \(Self.maxNameLength) characters")
        }

        self.registry = registry
        self.repository = path
        self.digest = digest
        self.tag = tag ?? (digest == nil ? Self.defaultTag : nil)
    }

    /// `registry/repository`.
    public var name: String { "\(registry)/\(repository)" }

    /// The fully qualified form: `registry/repository[:tag][@digest]`.
    public var description: String {
        var out = name
        if let tag { out += ":\(tag)" }
        if let digest { out += "@\(digest)" }
        return out
    }

    /// What the registry API takes to name this image's manifest: the digest when pinned, else the tag.
    public var manifestReference: String { digest?.description ?? tag ?? Self.defaultTag }

    // MARK: - Grammar

    static func isLowerHex(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) }
    static func isLowerAlnum(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x7a).contains(byte) }
    static func isAlnum(_ byte: UInt8) -> Bool { isLowerAlnum(byte) || (0x41...0x5a).contains(byte) }

    /// `[\w][\w.-]{0,127}`
    public static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard (1...maxTagLength).contains(bytes.count) else { return false }
        let word: (UInt8) -> Bool = { isAlnum($0) || $0 == UInt8(ascii: "_") }
        return word(bytes[0]) && bytes.dropFirst().allSatisfy { word($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
    public static func isValidPathComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else {
            return false
        }
        var index = 0
        while index < bytes.count {
            if isLowerAlnum(bytes[index]) {
                index += 1
                continue
            }
            // A separator run: one '.', one or two '_', or any number of '-'.
            var end = index
            while end < bytes.count, !isLowerAlnum(bytes[end]) { end += 1 }
            let separator = bytes[index..<end]
            let valid = separator.elementsEqual([UInt8(ascii: ".")]) || separator.elementsEqual([UInt8(ascii: "_")])
                || separator.elementsEqual([UInt8(ascii: "_"), UInt8(ascii: "_")])
                || separator.allSatisfy { $0 == UInt8(ascii: "-") }
            guard valid else { return false }
            index = end
        }
        return true
    }

    /// `host[:port]` where host is DNS labels joined by '.', or an IPv6 address in brackets.
    static func isValidRegistry(_ registry: String) -> Bool {
        var host = Substring(registry)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let address = host[host.index(after: host.startIndex)..<close]
            guard !address.isEmpty, address.utf8.allSatisfy({ isLowerHex($0) || (0x41...0x46).contains($0) || $0 == UInt8(ascii: ":") })
            else { return false }
            host = host[host.index(after: close)...]
            if host.isEmpty { return true }
            guard host.hasPrefix(":") else { return false }
            return isValidPort(host.dropFirst())
        }
        if let colon = host.firstIndex(of: ":") {
            guard isValidPort(host[host.index(after: colon)...]) else { return false }
            host = host[..<colon]
        }
        return !host.isEmpty && host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let bytes = Array(label.utf8)
            guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
            return bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    static func isValidPort(_ port: Substring) -> Bool {
        !port.isEmpty && port.utf8.allSatisfy { (0x30...0x39).contains($0) } && (Int(port).map { $0 <= 65535 } ?? false)
    }
}
