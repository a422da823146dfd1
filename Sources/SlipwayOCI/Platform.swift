/// The platform an image runs on, as in an index entry or an image configuration.
/// https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md#image-index-property-descriptions
public struct Platform: Codable, Hashable, Sendable, CustomStringConvertible {
    public var architecture: String
    public var os: String
    public var osVersion: String?
    public var osFeatures: [String]?
    public var variant: String?

    public init(os: String, architecture: String, variant: String? = nil, osVersion: String? = nil,
                osFeatures: [String]? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
        self.osVersion = osVersion
        self.osFeatures = osFeatures
    }

    /// Parses `os/arch[/variant]`, e.g. `linux/arm64/v8`.
    public init(parsing string: String) throws(OCIError) {
        let parts = string.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw .invalidPlatform(string)
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    public static let linuxAMD64 = Platform(os: "linux", architecture: "amd64")

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }
}
