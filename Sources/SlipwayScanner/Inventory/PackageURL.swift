import Foundation

/// A package URL (https://github.com/package-url/purl-spec): `pkg:type/namespace/name@version?qualifiers#subpath`.
/// `description` is the canonical form: qualifiers sorted by key, empty ones left out, and each component
/// percent-encoded except for ASCII letters, digits, ". - _ ~" and ":".
public struct PackageURL: Hashable, Sendable, CustomStringConvertible {
    /// The purl type ("deb", "npm", …); lowercased when printed.
    public var type: String
    /// "/"-separated segments, each encoded on its own; nil or empty for none.
    public var namespace: String?
    /// The name, encoded as one segment.
    public var name: String
    /// The version as the ecosystem writes it; nil or empty for none.
    public var version: String?
    /// Qualifiers ("arch", "distro", "epoch", …); keys are lowercased, empty values left out.
    public var qualifiers: [String: String]
    /// "/"-separated segments; "." and ".." segments are dropped as the spec says.
    public var subpath: String?

    /// A package URL from its components (not yet encoded).
    public init(
        type: String,
        namespace: String? = nil,
        name: String,
        version: String? = nil,
        qualifiers: [String: String] = [:],
        subpath: String? = nil
    ) {
        self.type = type
        self.namespace = namespace
        self.name = name
        self.version = version
        self.qualifiers = qualifiers
        self.subpath = subpath
    }

    /// The canonical string form.
    public var description: String {
        var result = "pkg:" + type.lowercased() + "/"
        if let namespace {
            let segments = namespace.split(separator: "/", omittingEmptySubsequences: true)
            for segment in segments {
                result += PackageURL.encode(segment) + "/"
            }
        }
        result += PackageURL.encode(name)
        if let version, !version.isEmpty {
            result += "@" + PackageURL.encode(version)
        }
        let present = qualifiers.filter { !$0.value.isEmpty }.sorted { $0.key.lowercased() < $1.key.lowercased() }
        if !present.isEmpty {
            result += "?" + present.map { $0.key.lowercased() + "=" + PackageURL.encode($0.value) }
                .joined(separator: "&")
        }
        if let subpath {
            let segments = subpath.split(separator: "/", omittingEmptySubsequences: true)
                .filter { $0 != "." && $0 != ".." }
            if !segments.isEmpty {
                result += "#" + segments.map { PackageURL.encode($0) }.joined(separator: "/")
            }
        }
        return result
    }

    /// Percent-encodes all but ASCII letters and digits, ". - _ ~" and ":" (which the spec leaves as they are).
    static func encode(_ text: some StringProtocol) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: ":"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += byte < 0x10 ? "%0" + hex : "%" + hex
            }
        }
        return result
    }
}

extension InstalledPackage {
    /// The package-url of this package, e.g. `pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12`,
    /// `pkg:npm/%40scope/name@1.0.0`, `pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&epoch=1`.
    public var purl: String { packageURL.description }

    /// The package-url as its parts.
    public var packageURL: PackageURL {
        switch kind {
        case .deb:
            var qualifiers: [String: String] = [:]
            qualifiers["arch"] = architecture
            if let distroID, let distroVersion, !distroID.isEmpty, !distroVersion.isEmpty {
                qualifiers["distro"] = "\(distroID.lowercased())-\(distroVersion)"
            }
            return PackageURL(
                type: "deb", namespace: distroNamespace ?? "debian", name: name, version: version,
                qualifiers: qualifiers)
        case .apk:
            var qualifiers: [String: String] = [:]
            qualifiers["arch"] = architecture
            return PackageURL(
                type: "apk", namespace: distroNamespace ?? "alpine", name: name.lowercased(), version: version,
                qualifiers: qualifiers)
        case .rpm:
            var qualifiers: [String: String] = [:]
            qualifiers["arch"] = architecture
            if let epoch { qualifiers["epoch"] = String(epoch) }
            return PackageURL(
                type: "rpm", namespace: distroNamespace, name: name, version: version, qualifiers: qualifiers)
        case .pypi:
            let normalised = name.lowercased().replacingOccurrences(of: "_", with: "-")
            return PackageURL(type: "pypi", name: normalised, version: version)
        case .npm:
            let (scope, base) = splitLast(name.lowercased(), separator: "/")
            return PackageURL(type: "npm", namespace: scope, name: base, version: version)
        case .composer:
            let (vendor, base) = splitLast(name.lowercased(), separator: "/")
            return PackageURL(type: "composer", namespace: vendor, name: base, version: version)
        case .gem:
            var qualifiers: [String: String] = [:]
            if let architecture, architecture != "ruby" { qualifiers["platform"] = architecture }
            return PackageURL(type: "gem", name: name, version: version, qualifiers: qualifiers)
        case .golang:
            let (namespace, base) = splitLast(name, separator: "/")
            return PackageURL(type: "golang", namespace: namespace, name: base, version: version)
        case .maven:
            let (group, artifact) = splitLast(name, separator: ":")
            return PackageURL(type: "maven", namespace: group, name: artifact, version: version)
        }
    }

    private var distroNamespace: String? {
        guard let distroID, !distroID.isEmpty else { return nil }
        return distroID.lowercased()
    }
}

/// "a/b/c" → ("a/b", "c"); "c" → (nil, "c").
private func splitLast(_ text: String, separator: Character) -> (String?, String) {
    guard let index = text.lastIndex(of: separator) else { return (nil, text) }
    let head = String(text[..<index])
    return (head.isEmpty ? nil : head, String(text[text.index(after: index)...]))
}
