/// Media types of the OCI image spec and of Docker's image manifest v2 schema 2.
///
/// OCI: https://github.com/opencontainers/image-spec/blob/v1.1.0/media-types.md
/// Docker: https://distribution.github.io/distribution/spec/manifest-v2-2/
public enum MediaType {
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayer = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let ociEmpty = "application/vnd.oci.empty.v1+json"

    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

    /// Media types of documents that describe one image.
    public static let manifests: Set<String> = [ociManifest, dockerManifest]
    /// Media types of documents that list images (per platform).
    public static let indexes: Set<String> = [ociIndex, dockerManifestList]
    /// Media types of image configurations.
    public static let configs: Set<String> = [ociConfig, dockerConfig]

    /// How a layer's bytes are compressed, judged from its media type.
    public enum LayerCompression: Sendable, Equatable {
        case none, gzip, zstd
    }

    /// The compression of a filesystem layer of the given media type, or nil if it is not a layer type.
    public static func layerCompression(_ mediaType: String) -> LayerCompression? {
        switch mediaType {
        case ociLayer, "application/vnd.oci.image.layer.nondistributable.v1.tar": return LayerCompression.none
        case ociLayerGzip, dockerLayerGzip, dockerForeignLayerGzip,
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip":
            return .gzip
        case ociLayerZstd, "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd": return .zstd
        default: return nil
        }
    }
}
