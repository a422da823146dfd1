import Foundation

/// SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/): the image as a package the document describes, which
/// CONTAINS one package per installed package, each with its purl as a package-manager reference.
public enum SPDXDocument {
    public static func render(image: String, digest: String, inventory: ImageInventory, toolVersion: String,
                              now: Date = Date()) throws -> Data {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var packages: [[String: Any]] = [[
            "SPDXID": "SPDXRef-Image", "name": image, "versionInfo": digest, "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false, "primaryPackagePurpose": "CONTAINER",
            "checksums": digest.hasPrefix("sha256:")
                ? [["algorithm": "SHA256", "checksumValue": String(digest.dropFirst(7))]] : [],
        ]]
        var relationships: [[String: Any]] = [[
            "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Image",
        ]]
        for (index, located) in inventory.packages.enumerated() {
            let package = located.package
            let id = "SPDXRef-Package-\(index + 1)"
            var entry: [String: Any] = [
                "SPDXID": id, "name": package.name, "versionInfo": package.version, "downloadLocation": "NOASSERTION",
                "filesAnalyzed": false, "licenseConcluded": "NOASSERTION",
                "externalRefs": [["referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                  "referenceLocator": package.purl]],
                "sourceInfo": "recorded in /\(package.path)" + (located.layer.map { " of layer \($0)" } ?? ""),
                "primaryPackagePurpose": "LIBRARY",
            ]
            // Licences as written are often not SPDX expressions ("GPL v2 or later"); only plain ids are stated.
            let declared = package.licenses.filter(isLicenseIdentifier)
            entry["licenseDeclared"] = declared.count == 1 && declared.count == package.licenses.count
                ? declared[0] : "NOASSERTION"
            if !package.licenses.isEmpty { entry["comment"] = "licences as recorded: " + package.licenses.joined(separator: "; ") }
            packages.append(entry)
            relationships.append(["spdxElementId": "SPDXRef-Image", "relationshipType": "CONTAINS", "relatedSpdxElement": id])
        }
        let safeName = image.map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let document: [String: Any] = [
            "spdxVersion": "SPDX-2.3",
            "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": image,
            "documentNamespace": "https://spdx.org/spdxdocs/slipway-\(String(safeName))-\(UUID().uuidString.lowercased())",
            "creationInfo": ["created": formatter.string(from: now), "creators": ["Tool: slipway-\(toolVersion)"]],
            "packages": packages,
            "relationships": relationships,
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// A conservative test for an SPDX licence id (`MIT`, `Apache-2.0`, `GPL-2.0-or-later`).
    static func isLicenseIdentifier(_ text: String) -> Bool {
        let known: Set = ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "MPL-2.0", "GPL-2.0-only",
                          "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later",
                          "LGPL-3.0-only", "LGPL-3.0-or-later", "Zlib", "Unlicense", "0BSD", "PSF-2.0", "Python-2.0",
                          "Artistic-2.0", "BSL-1.0", "CC0-1.0", "EPL-2.0", "AGPL-3.0-only", "AGPL-3.0-or-later"]
        return known.contains(text)
    }
}
