/// An image configuration: how to run the image, and the ordered list of its layers' uncompressed digests.
/// https://github.com/opencontainers/image-spec/blob/v1.1.0/config.md
public struct ImageConfiguration: Hashable, Sendable, Codable, PreservesUnknownFields {
    /// RFC 3339 time the image was created.
    public var created: String?
    public var author: String?
    public var architecture: String
    public var os: String
    public var osVersion: String?
    public var osFeatures: [String]?
    public var variant: String?
    public var config: ContainerConfig?
    public var rootfs: RootFS
    public var history: [History]?
    public var unknownFields: [String: JSONValue] = [:]

    public init(platform: Platform = .linuxAMD64, config: ContainerConfig? = nil, rootfs: RootFS,
                history: [History]? = nil, created: String? = nil, author: String? = nil) {
        self.architecture = platform.architecture
        self.os = platform.os
        self.variant = platform.variant
        self.config = config
        self.rootfs = rootfs
        self.history = history
        self.created = created
        self.author = author
    }

    public var platform: Platform {
        Platform(os: os, architecture: architecture, variant: variant, osVersion: osVersion, osFeatures: osFeatures)
    }

    public static func decode(_ bytes: [UInt8]) throws(OCIError) -> ImageConfiguration {
        let config = try CanonicalJSON.decode(ImageConfiguration.self, from: bytes, what: "image configuration")
        guard config.rootfs.type == "layers" else {
            throw .invalidJSON(what: "image configuration",
                               reason: "at rootfs.type: must be \"layers\", found \"\(config.rootfs.type)\"")
        }
        return config
    }

    public func encoded() throws -> [UInt8] { try CanonicalJSON.encode(self) }

    /// The layers of an image, as the uncompressed digests of their tars (`diff_ids`).
    public struct RootFS: Hashable, Sendable, Codable {
        public var type: String
        public var diffIDs: [Digest]

        public init(diffIDs: [Digest]) {
            self.type = "layers"
            self.diffIDs = diffIDs
        }

        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    /// One step of the image's build.
    public struct History: Hashable, Sendable, Codable {
        public var created: String?
        public var createdBy: String?
        public var author: String?
        public var comment: String?
        /// True when the step changed only the configuration and added no layer.
        public var emptyLayer: Bool?

        public init(created: String? = nil, createdBy: String? = nil, comment: String? = nil,
                    emptyLayer: Bool? = nil) {
            self.created = created
            self.createdBy = createdBy
            self.comment = comment
            self.emptyLayer = emptyLayer
        }

        enum CodingKeys: String, CodingKey {
            case created, author, comment
            case createdBy = "created_by"
            case emptyLayer = "empty_layer"
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case created, author, architecture, os, variant, config, rootfs, history
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        created = try container.decodeIfPresent(String.self, forKey: .created)
        author = try container.decodeIfPresent(String.self, forKey: .author)
        architecture = try container.decode(String.self, forKey: .architecture)
        os = try container.decode(String.self, forKey: .os)
        osVersion = try container.decodeIfPresent(String.self, forKey: .osVersion)
        osFeatures = try container.decodeIfPresent([String].self, forKey: .osFeatures)
        variant = try container.decodeIfPresent(String.self, forKey: .variant)
        config = try container.decodeIfPresent(ContainerConfig.self, forKey: .config)
        rootfs = try container.decode(RootFS.self, forKey: .rootfs)
        history = try container.decodeIfPresent([History].self, forKey: .history)
        unknownFields = try Self.decodeUnknownFields(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(created, forKey: .created)
        try container.encodeIfPresent(author, forKey: .author)
        try container.encode(architecture, forKey: .architecture)
        try container.encode(os, forKey: .os)
        try container.encodeIfPresent(osVersion, forKey: .osVersion)
        try container.encodeIfPresent(osFeatures, forKey: .osFeatures)
        try container.encodeIfPresent(variant, forKey: .variant)
        try container.encodeIfPresent(config, forKey: .config)
        try container.encode(rootfs, forKey: .rootfs)
        try container.encodeIfPresent(history, forKey: .history)
        try encodeUnknownFields(to: encoder)
    }
}

/// The `config` object of an image configuration: the defaults a container of the image runs with.
public struct ContainerConfig: Hashable, Sendable, Codable, PreservesUnknownFields {
    public var user: String?
    /// Ports as `PORT/PROTOCOL` (`8080/tcp`).
    public var exposedPorts: Set<String>?
    /// `NAME=VALUE` pairs.
    public var env: [String]?
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var volumes: Set<String>?
    public var workingDir: String?
    public var labels: [String: String]?
    public var stopSignal: String?
    public var healthcheck: Healthcheck?
    public var unknownFields: [String: JSONValue] = [:]

    public init(user: String? = nil, exposedPorts: Set<String>? = nil, env: [String]? = nil,
                entrypoint: [String]? = nil, cmd: [String]? = nil, volumes: Set<String>? = nil,
                workingDir: String? = nil, labels: [String: String]? = nil, stopSignal: String? = nil,
                healthcheck: Healthcheck? = nil) {
        self.user = user
        self.exposedPorts = exposedPorts
        self.env = env
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.volumes = volumes
        self.workingDir = workingDir
        self.labels = labels
        self.stopSignal = stopSignal
        self.healthcheck = healthcheck
    }

    /// Docker's health check: the test command and its timings in nanoseconds.
    public struct Healthcheck: Hashable, Sendable, Codable {
        /// `["NONE"]`, `["CMD", args…]` or `["CMD-SHELL", command]`.
        public var test: [String]?
        public var interval: Int64?
        public var timeout: Int64?
        public var startPeriod: Int64?
        public var startInterval: Int64?
        public var retries: Int?

        public init(test: [String]?, interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil,
                    startInterval: Int64? = nil, retries: Int? = nil) {
            self.test = test
            self.interval = interval
            self.timeout = timeout
            self.startPeriod = startPeriod
            self.startInterval = startInterval
            self.retries = retries
        }

        enum CodingKeys: String, CodingKey {
            case test = "Test", interval = "Interval", timeout = "Timeout", startPeriod = "StartPeriod"
            case startInterval = "StartInterval", retries = "Retries"
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case user = "User", exposedPorts = "ExposedPorts", env = "Env", entrypoint = "Entrypoint", cmd = "Cmd"
        case volumes = "Volumes", workingDir = "WorkingDir", labels = "Labels", stopSignal = "StopSignal"
        case healthcheck = "Healthcheck"
    }

    /// `{"80/tcp": {}}`: the spec encodes sets as objects whose values are empty objects.
    private struct Empty: Codable {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        exposedPorts = try container.decodeIfPresent([String: Empty].self, forKey: .exposedPorts).map { Set($0.keys) }
        env = try container.decodeIfPresent([String].self, forKey: .env)
        entrypoint = try container.decodeIfPresent([String].self, forKey: .entrypoint)
        cmd = try container.decodeIfPresent([String].self, forKey: .cmd)
        volumes = try container.decodeIfPresent([String: Empty].self, forKey: .volumes).map { Set($0.keys) }
        workingDir = try container.decodeIfPresent(String.self, forKey: .workingDir)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels)
        stopSignal = try container.decodeIfPresent(String.self, forKey: .stopSignal)
        healthcheck = try container.decodeIfPresent(Healthcheck.self, forKey: .healthcheck)
        unknownFields = try Self.decodeUnknownFields(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(user, forKey: .user)
        try container.encodeIfPresent(exposedPorts.map { Dictionary(uniqueKeysWithValues: $0.map { ($0, Empty()) }) },
                                      forKey: .exposedPorts)
        try container.encodeIfPresent(env, forKey: .env)
        try container.encodeIfPresent(entrypoint, forKey: .entrypoint)
        try container.encodeIfPresent(cmd, forKey: .cmd)
        try container.encodeIfPresent(volumes.map { Dictionary(uniqueKeysWithValues: $0.map { ($0, Empty()) }) },
                                      forKey: .volumes)
        try container.encodeIfPresent(workingDir, forKey: .workingDir)
        try container.encodeIfPresent(labels, forKey: .labels)
        try container.encodeIfPresent(stopSignal, forKey: .stopSignal)
        try container.encodeIfPresent(healthcheck, forKey: .healthcheck)
        try encodeUnknownFields(to: encoder)
    }
}
