/// A reference to content by media type, digest and size.
/// https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md
public struct Descriptor: Hashable, Sendable, Codable, PreservesUnknownFields {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var urls: [String]?
    public var annotations: [String: String]?
    /// The content itself, base64, for small blobs embedded in the descriptor.
    public var data: String?
    public var artifactType: String?
    public var platform: Platform?
    /// Fields not modelled here, kept so a round trip does not lose them.
    public var unknownFields: [String: JSONValue] = [:]

    public init(mediaType: String, digest: Digest, size: Int64, annotations: [String: String]? = nil,
                platform: Platform? = nil, artifactType: String? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
        self.artifactType = artifactType
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mediaType, digest, size, urls, annotations, data, artifactType, platform
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mediaType = try container.decode(String.self, forKey: .mediaType)
        digest = try container.decode(Digest.self, forKey: .digest)
        size = try container.decode(Int64.self, forKey: .size)
        guard size >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .size, in: container, debugDescription: "size is negative")
        }
        urls = try container.decodeIfPresent([String].self, forKey: .urls)
        annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations)
        data = try container.decodeIfPresent(String.self, forKey: .data)
        artifactType = try container.decodeIfPresent(String.self, forKey: .artifactType)
        platform = try container.decodeIfPresent(Platform.self, forKey: .platform)
        unknownFields = try Self.decodeUnknownFields(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mediaType, forKey: .mediaType)
        try container.encode(digest, forKey: .digest)
        try container.encode(size, forKey: .size)
        try container.encodeIfPresent(urls, forKey: .urls)
        try container.encodeIfPresent(annotations, forKey: .annotations)
        try container.encodeIfPresent(data, forKey: .data)
        try container.encodeIfPresent(artifactType, forKey: .artifactType)
        try container.encodeIfPresent(platform, forKey: .platform)
        try encodeUnknownFields(to: encoder)
    }
}

/// Annotation keys of the OCI image spec that Slipway reads or writes.
/// https://github.com/opencontainers/image-spec/blob/v1.1.0/annotations.md
public enum Annotation {
    public static let refName = "org.opencontainers.image.ref.name"
    public static let created = "org.opencontainers.image.created"
    public static let revision = "org.opencontainers.image.revision"
    public static let source = "org.opencontainers.image.source"
    /// Slipway's own label: the branch an image was built from.
    public static let branch = "slipway.git.branch"
}
