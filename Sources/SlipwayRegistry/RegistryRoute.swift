import SlipwayOCI

/// The endpoints of the OCI distribution API, parsed from a request path (pure, no I/O).
/// https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#endpoints
public enum RegistryRoute: Equatable, Sendable {
    /// `/v2/`: API version check.
    case base
    /// `/v2/_catalog`
    case catalog
    /// `/v2/<name>/tags/list`
    case tags(name: String)
    /// `/v2/<name>/manifests/<reference>`
    case manifest(name: String, reference: String)
    /// `/v2/<name>/blobs/<digest>`
    case blob(name: String, digest: String)
    /// `/v2/<name>/blobs/uploads/`
    case startUpload(name: String)
    /// `/v2/<name>/blobs/uploads/<id>`
    case upload(name: String, id: String)
    /// `/v2/<name>/referrers/<digest>`
    case referrers(name: String, digest: String)

    /// Parses a path; nil when it is not a registry endpoint. The repository name is returned as written:
    /// `validateName` checks it, so a bad name is a `NAME_INVALID` error rather than a 404.
    public static func parse(path: String) -> RegistryRoute? {
        guard path == "/v2" || path.hasPrefix("/v2/") else { return nil }
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2).map(String.init)
        let trailingSlash = segments.last == ""
        if trailingSlash { segments.removeLast() }
        if segments.isEmpty { return .base }
        if segments == ["_catalog"] { return .catalog }
        let count = segments.count
        func name(dropping suffix: Int) -> String? {
            count > suffix ? segments[0..<(count - suffix)].joined(separator: "/") : nil
        }
        if count >= 3, segments[count - 2] == "tags", segments[count - 1] == "list", let name = name(dropping: 2) {
            return .tags(name: name)
        }
        if count >= 3, segments[count - 2] == "blobs", segments[count - 1] == "uploads", let name = name(dropping: 2) {
            return .startUpload(name: name)
        }
        if count >= 4, segments[count - 3] == "blobs", segments[count - 2] == "uploads", let name = name(dropping: 3) {
            return .upload(name: name, id: segments[count - 1])
        }
        guard count >= 3, !trailingSlash, let name = name(dropping: 2) else { return nil }
        switch segments[count - 2] {
        case "manifests": return .manifest(name: name, reference: segments[count - 1])
        case "blobs": return .blob(name: name, digest: segments[count - 1])
        case "referrers": return .referrers(name: name, digest: segments[count - 1])
        default: return nil
        }
    }

    /// A short name for metrics labels.
    public var label: String {
        switch self {
        case .base: "base"
        case .catalog: "catalog"
        case .tags: "tags"
        case .manifest: "manifest"
        case .blob: "blob"
        case .startUpload, .upload: "upload"
        case .referrers: "referrers"
        }
    }

    /// The repository the route names, if any.
    public var name: String? {
        switch self {
        case .base, .catalog: nil
        case .tags(let name), .manifest(let name, _), .blob(let name, _), .startUpload(let name),
            .upload(let name, _), .referrers(let name, _):
            name
        }
    }

    /// Checks a repository name against the spec's grammar:
    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`, 255 characters at most.
    public static func validateName(_ name: String) throws(RegistryError) {
        guard !name.isEmpty, name.utf8.count <= 255,
              name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(ImageReference.isValidPathComponent)
        else {
            throw RegistryError(.nameInvalid, "invalid repository name '\(name)': lowercase letters and digits in "
                                    + "components separated by '/', 255 characters at most")
        }
    }
}

/// A manifest reference: a tag or a digest.
public enum ManifestReference: Equatable, Sendable {
    case tag(String)
    case digest(Digest)

    public init(parsing text: String) throws(RegistryError) {
        if text.contains(":") {
            do {
                self = .digest(try Digest(parsing: text))
            } catch {
                throw RegistryError(.digestInvalid, error.description)
            }
        } else if ImageReference.isValidTag(text) {
            self = .tag(text)
        } else {
            throw RegistryError(.manifestInvalid, "invalid tag '\(text)': 1 to 128 of A-Z a-z 0-9 _ . - not starting with . or -")
        }
    }
}
