import ArgumentParser
import SlipwayOCI

/// Where an image is, as the image commands take it: `oci:DIR[:TAG]` (an OCI image layout on disk, as
/// skopeo names it), `oci-archive:FILE[:TAG]` (such a layout as one tar file) or `docker://REF` (a registry).
enum ImageLocation: CustomStringConvertible, Equatable {
    case layout(path: String, tag: String?)
    case archive(path: String, tag: String?)
    case registry(ImageReference)

    init(parsing text: String) throws {
        if text.hasPrefix("oci-archive:") {
            guard case .layout(let path, let tag) = try ImageLocation(parsing: "oci:" + text.dropFirst("oci-archive:".count)) else {
                throw ValidationError("'\(text)': expected oci-archive:FILE[:TAG]")
            }
            self = .archive(path: path, tag: tag)
        } else if text.hasPrefix("oci:") {
            // As skopeo does: the path ends at the first ':', so a path itself cannot hold one.
            let rest = text.dropFirst(4)
            let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let path = parts.first, !path.isEmpty else {
                throw ValidationError("'\(text)': expected oci:DIRECTORY[:TAG]")
            }
            let tag = parts.count == 2 ? String(parts[1]) : nil
            if let tag, !ImageReference.isValidTag(tag) {
                throw ValidationError("'\(text)': tag '\(tag)' must be 1 to 128 of A-Z a-z 0-9 _ . - and not start with . or -")
            }
            self = .layout(path: String(path), tag: tag)
        } else if text.hasPrefix("docker://") {
            self = .registry(try ImageReference(parsing: String(text.dropFirst("docker://".count))))
        } else {
            throw ValidationError("'\(text)': name an image as oci:DIRECTORY[:TAG], oci-archive:FILE[:TAG] or docker://REFERENCE")
        }
    }

    var description: String {
        switch self {
        case .layout(let path, let tag): "oci:\(path)" + (tag.map { ":\($0)" } ?? "")
        case .archive(let path, let tag): "oci-archive:\(path)" + (tag.map { ":\($0)" } ?? "")
        case .registry(let reference): "docker://\(reference)"
        }
    }
}
