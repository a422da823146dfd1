/// An image manifest: one image's configuration and layers (OCI image manifest or Docker schema 2).
/// https://github.com/opencontainers/image-spec/blob/v1.1.0/manifest.md
public struct ImageManifest: Hashable, Sendable, Codable, PreservesUnknownFields {
    public var schemaVersion: Int
    /// `application/vnd.oci.image.manifest.v1+json` or Docker's schema 2 type; optional in OCI, so may be nil.
    public var mediaType: String?
    public var artifactType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    /// The manifest this one refers to (for signatures, SBOMs and other referrers).
    public var subject: Descriptor?
    public var annotations: [String: String]?
    public var unknownFields: [String: JSONValue] = [:]

    public init(mediaType: String? = MediaType.ociManifest, config: Descriptor, layers: [Descriptor],
                annotations: [String: String]? = nil, subject: Descriptor? = nil, artifactType: String? = nil) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.config = config
        self.layers = layers
        self.annotations = annotations
        self.subject = subject
        self.artifactType = artifactType
    }

    /// Decodes and validates a manifest; errors name the offending field.
    public static func decode(_ bytes: [UInt8]) throws(OCIError) -> ImageManifest {
        let manifest = try CanonicalJSON.decode(ImageManifest.self, from: bytes, what: "image manifest")
        try checkHeader(manifest.schemaVersion, manifest.mediaType, allowed: MediaType.manifests, what: "image manifest")
        return manifest
    }

    /// The manifest's canonical bytes, as they are hashed and stored.
    public func encoded() throws -> [UInt8] { try CanonicalJSON.encode(self) }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case schemaVersion, mediaType, artifactType, config, layers, subject, annotations
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        mediaType = try container.decodeIfPresent(String.self, forKey: .mediaType)
        artifactType = try container.decodeIfPresent(String.self, forKey: .artifactType)
        config = try container.decode(Descriptor.self, forKey: .config)
        layers = try container.decode([Descriptor].self, forKey: .layers)
        subject = try container.decodeIfPresent(Descriptor.self, forKey: .subject)
        annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations)
        unknownFields = try Self.decodeUnknownFields(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try container.encodeIfPresent(mediaType, forKey: .mediaType)
        try container.encodeIfPresent(artifactType, forKey: .artifactType)
        try container.encode(config, forKey: .config)
        try container.encode(layers, forKey: .layers)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encodeIfPresent(annotations, forKey: .annotations)
        try encodeUnknownFields(to: encoder)
    }
}

/// An image index: a list of manifests, usually one per platform (OCI index or Docker manifest list).
/// https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md
public struct ImageIndex: Hashable, Sendable, Codable, PreservesUnknownFields {
    public var schemaVersion: Int
    public var mediaType: String?
    public var artifactType: String?
    public var manifests: [Descriptor]
    public var subject: Descriptor?
    public var annotations: [String: String]?
    public var unknownFields: [String: JSONValue] = [:]

    public init(mediaType: String? = MediaType.ociIndex, manifests: [Descriptor],
                annotations: [String: String]? = nil) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.manifests = manifests
        self.annotations = annotations
    }

    /// Decodes and validates an index; errors name the offending field.
    public static func decode(_ bytes: [UInt8]) throws(OCIError) -> ImageIndex {
        let index = try CanonicalJSON.decode(ImageIndex.self, from: bytes, what: "image index")
        try checkHeader(index.schemaVersion, index.mediaType, allowed: MediaType.indexes, what: "image index")
        return index
    }

    public func encoded() throws -> [UInt8] { try CanonicalJSON.encode(self) }

    /// The first entry whose platform satisfies `platform` (see `Platform.satisfies`).
    public func manifest(for platform: Platform) -> Descriptor? {
        manifests.first { $0.platform?.satisfies(platform) == true }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case schemaVersion, mediaType, artifactType, manifests, subject, annotations
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        mediaType = try container.decodeIfPresent(String.self, forKey: .mediaType)
        artifactType = try container.decodeIfPresent(String.self, forKey: .artifactType)
        manifests = try container.decode([Descriptor].self, forKey: .manifests)
        subject = try container.decodeIfPresent(Descriptor.self, forKey: .subject)
        annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations)
        unknownFields = try Self.decodeUnknownFields(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try container.encodeIfPresent(mediaType, forKey: .mediaType)
        try container.encodeIfPresent(artifactType, forKey: .artifactType)
        try container.encode(manifests, forKey: .manifests)
        try container.encodeIfPresent(subject, forKey: .subject)
        try container.encodeIfPresent(annotations, forKey: .annotations)
        try encodeUnknownFields(to: encoder)
    }
}

/// Both manifests and indexes carry `schemaVersion: 2` and, optionally, their own media type.
private func checkHeader(_ schemaVersion: Int, _ mediaType: String?, allowed: Set<String>, what: String)
    throws(OCIError)
{
    guard schemaVersion == 2 else {
        throw .invalidJSON(what: what, reason: "schemaVersion is \(schemaVersion), must be 2")
    }
    if let mediaType, !allowed.contains(mediaType) {
        throw .unsupportedMediaType(mediaType, expected: allowed.sorted())
    }
}
