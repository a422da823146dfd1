/// One `RUN --mount=…` option, parsed as BuildKit's `instructions.ParseMount` does.
///
/// The option is a comma-separated list of `key=value` fields (CSV quoting allowed). `type` defaults to `bind`;
/// `readonly` defaults to true for `bind`, `secret` and `ssh` and false for `cache` and `tmpfs`; `sharing`
/// defaults to `shared` for `cache`.
public struct DockerfileRunMount: Equatable, Sendable {
    /// The kind of mount.
    public enum MountType: String, CaseIterable, Equatable, Sendable {
        case bind, cache, tmpfs, secret, ssh
    }

    /// How concurrent builds share a cache mount.
    public enum Sharing: String, CaseIterable, Equatable, Sendable {
        case shared, `private`, locked
    }

    /// The mount type.
    public var type: MountType
    /// `target`/`dst`/`destination`: where it is mounted.
    public var target: String?
    /// `source`/`src`: the path in `from` (bind, cache) or the secret's id.
    public var source: String?
    /// `from`: a stage name, stage index or image for bind and cache mounts.
    public var from: String?
    /// `id`: the cache id, secret id or SSH agent id.
    public var id: String?
    /// `sharing` for cache mounts (nil for other types).
    public var sharing: Sharing?
    /// Whether the mount is read-only (`ro`/`readonly`, `rw`/`readwrite`).
    public var readOnly: Bool
    /// `mode` (octal) for cache, secret and ssh mounts.
    public var mode: UInt32?
    /// `uid` for cache, secret and ssh mounts.
    public var uid: UInt32?
    /// `gid` for cache, secret and ssh mounts.
    public var gid: UInt32?
    /// `required` for secret and ssh mounts: fail when the secret or agent is not provided.
    public var required: Bool
    /// `env` for secret mounts: expose the secret as this environment variable.
    public var env: String?
    /// `size` for tmpfs mounts, in bytes.
    public var size: Int64?

    /// Creates a mount.
    public init(
        type: MountType, target: String? = nil, source: String? = nil, from: String? = nil, id: String? = nil,
        sharing: Sharing? = nil, readOnly: Bool, mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil,
        required: Bool = false, env: String? = nil, size: Int64? = nil
    ) {
        self.type = type
        self.target = target
        self.source = source
        self.from = from
        self.id = id
        self.sharing = sharing
        self.readOnly = readOnly
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.required = required
        self.env = env
        self.size = size
    }

    /// Why a mount option was refused.
    public struct SyntaxError: Error, Equatable, Sendable {
        /// What is wrong and what to write instead.
        public var reason: String
    }

    private static let allKeys = [
        "type", "from", "source", "target", "readonly", "id", "sharing", "required", "size", "mode", "uid", "gid",
        "src", "dst", "destination", "ro", "rw", "readwrite", "env",
    ]

    /// Parses the value of one `--mount=` option.
    public static func parse(_ text: String) -> Result<DockerfileRunMount, SyntaxError> {
        func fail(_ reason: String) -> Result<DockerfileRunMount, SyntaxError> { .failure(SyntaxError(reason: reason)) }
        guard let fields = DockerfileWords.csvFields(text) else {
            return fail("unterminated quote in mount option \"\(text)\"")
        }
        var mount = DockerfileRunMount(type: .bind, readOnly: true)
        var readOnlyGiven = false
        var sharing: Sharing?
        for field in fields {
            guard let equals = field.firstIndex(of: "=") else {
                switch field.lowercased() {
                case "readonly", "ro":
                    mount.readOnly = true
                    readOnlyGiven = true
                case "readwrite", "rw":
                    mount.readOnly = false
                    readOnlyGiven = true
                case "required":
                    guard mount.type == .secret || mount.type == .ssh else {
                        return fail("unexpected key 'required' for mount type '\(mount.type.rawValue)'")
                    }
                    mount.required = true
                default:
                    return fail("invalid field '\(field)' must be a key=value pair")
                }
                continue
            }
            let key = field[..<equals].lowercased()
            let value = String(field[field.index(after: equals)...])
            switch key {
            case "type":
                guard let type = MountType(rawValue: value.lowercased()) else {
                    let names = MountType.allCases.map(\.rawValue).joined(separator: ", ")
                    return fail("unsupported mount type \"\(value)\" (use one of \(names))")
                }
                mount.type = type
            case "source", "src": mount.source = value
            case "target", "dst", "destination": mount.target = value
            case "from": mount.from = value
            case "id": mount.id = value
            case "env": mount.env = value
            case "readonly", "ro", "readwrite", "rw":
                guard let flag = goBool(value) else { return fail("invalid value for \(key): \(value)") }
                mount.readOnly = (key == "readonly" || key == "ro") ? flag : !flag
                readOnlyGiven = true
            case "required":
                guard mount.type == .secret || mount.type == .ssh else {
                    return fail("unexpected key 'required' for mount type '\(mount.type.rawValue)'")
                }
                guard let flag = goBool(value) else { return fail("invalid value for required: \(value)") }
                mount.required = flag
            case "sharing":
                guard let parsed = Sharing(rawValue: value.lowercased()) else {
                    return fail("unsupported sharing value \"\(value)\" (use shared, private or locked)")
                }
                sharing = parsed
            case "mode":
                guard let mode = UInt32(value, radix: 8) else { return fail("invalid value \(value) for mode") }
                mount.mode = mode
            case "uid", "gid":
                guard let number = UInt32(value) else { return fail("invalid value \(value) for \(key)") }
                if key == "uid" { mount.uid = number } else { mount.gid = number }
            case "size":
                guard let size = DockerfileWords.byteSize(value) else { return fail("invalid value \(value) for size") }
                mount.size = size
            default:
                let hint = DockerfileWords.suggestion(for: key, among: allKeys).map { " (did you mean \($0)?)" } ?? ""
                return fail("unexpected key '\(key)' in '\(field)'\(hint)")
            }
        }
        return finish(mount, readOnlyGiven: readOnlyGiven, sharing: sharing)
    }

    private static func finish(
        _ parsed: DockerfileRunMount, readOnlyGiven: Bool, sharing: Sharing?
    ) -> Result<DockerfileRunMount, SyntaxError> {
        var mount = parsed
        func fail(_ reason: String) -> Result<DockerfileRunMount, SyntaxError> { .failure(SyntaxError(reason: reason)) }
        let type = mount.type.rawValue
        if ![.secret, .ssh, .cache].contains(mount.type) {
            if mount.mode != nil { return fail("mode not allowed for \"\(type)\" type mounts") }
            if mount.uid != nil { return fail("uid not allowed for \"\(type)\" type mounts") }
            if mount.gid != nil { return fail("gid not allowed for \"\(type)\" type mounts") }
        }
        if mount.size != nil && mount.type != .tmpfs { return fail("size not allowed for \"\(type)\" type mounts") }
        if mount.env != nil && mount.type != .secret { return fail("env not allowed for \"\(type)\" type mounts") }
        if !readOnlyGiven { mount.readOnly = !(mount.type == .cache || mount.type == .tmpfs) }
        if let sharing {
            guard mount.type == .cache else { return fail("invalid cache sharing set for \(type) mount") }
            mount.sharing = sharing
        } else if mount.type == .cache {
            mount.sharing = .shared
        }
        switch mount.type {
        case .secret:
            if mount.from != nil { return fail("secret mount should not have a from") }
            if mount.source == nil && mount.target == nil && mount.id == nil && mount.env == nil {
                return fail("invalid secret mount: give one of id, source, target or env")
            }
            if mount.source != nil && mount.id != nil { return fail("both source and id can't be set") }
        case .bind, .cache, .tmpfs:
            if (mount.target ?? "").isEmpty { return fail("mount type \(type) requires a target (target=/path)") }
        case .ssh:
            break
        }
        return .success(mount)
    }

    private static func goBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }
}
