import Foundation

/// CycloneDX 1.5 JSON (https://cyclonedx.org/docs/1.5/json/): the image as the described component, each package a
/// library component with its purl, licences and the layer and path it came from; with a scan, each finding as a
/// vulnerability that `affects` its component (VEX-style analysis for ignored ones).
public enum CycloneDXDocument {
    public static func render(image: String, digest: String, inventory: ImageInventory, findings: [Finding]?,
                              toolVersion: String, now: Date = Date()) throws -> Data {
        var components: [[String: Any]] = []
        var references: [String: String] = [:]
        for (index, located) in inventory.packages.enumerated() {
            let package = located.package
            let reference = "pkg-\(index)-\(package.purl)"
            references[key(package)] = reference
            var component: [String: Any] = [
                "type": "library", "bom-ref": reference, "name": package.name, "version": package.version,
                "purl": package.purl,
            ]
            if !package.licenses.isEmpty {
                component["licenses"] = package.licenses.map { ["license": ["name": $0]] }
            }
            var properties = [["name": "slipway:package:path", "value": package.path],
                              ["name": "slipway:package:kind", "value": package.kind.rawValue]]
            if let layer = located.layer { properties.append(["name": "slipway:layer:digest", "value": layer]) }
            if let source = package.sourceName { properties.append(["name": "slipway:package:source", "value": source]) }
            component["properties"] = properties
            components.append(component)
        }
        if let os = inventory.os {
            components.append(["type": "operating-system", "bom-ref": "os", "name": os.id,
                               "version": os.versionID ?? "", "description": os.prettyName ?? os.id])
        }
        var document: [String: Any] = [
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "serialNumber": "urn:uuid:\(UUID().uuidString.lowercased())",
            "version": 1,
            "metadata": [
                "timestamp": ISO8601DateFormatter().string(from: now),
                "tools": ["components": [["type": "application", "name": "slipway", "version": toolVersion]]],
                "component": ["type": "container", "bom-ref": "image", "name": image, "version": digest],
            ],
            "components": components,
        ]
        if let findings {
            document["vulnerabilities"] = findings.map { finding -> [String: Any] in
                var vulnerability: [String: Any] = [
                    "bom-ref": "vuln-\(finding.advisory)-\(finding.purl)",
                    "id": finding.advisory,
                    "source": ["name": "OSV", "url": "https://osv.dev/vulnerability/\(finding.advisory)"],
                    "affects": [["ref": references[key(finding)] ?? "image"]],
                ]
                if let summary = finding.summary { vulnerability["description"] = summary }
                var rating: [String: Any] = ["severity": finding.severity.rawValue]
                if let score = finding.score, let vector = finding.vector {
                    rating["score"] = score
                    rating["vector"] = vector
                    rating["method"] = vector.hasPrefix("CVSS:4") ? "CVSSv4" : vector.hasPrefix("CVSS:3.1") ? "CVSSv31"
                        : vector.hasPrefix("CVSS:3") ? "CVSSv3" : "CVSSv2"
                }
                vulnerability["ratings"] = [rating]
                let others = finding.aliases.filter { $0 != finding.advisory }
                if !others.isEmpty {
                    vulnerability["references"] = others.map { ["id": $0, "source": ["name": $0.hasPrefix("CVE-") ? "NVD" : "OSV"]] }
                }
                if let fixed = finding.fixedVersion { vulnerability["recommendation"] = "Upgrade \(finding.package) to \(fixed)" }
                if let ignored = finding.ignored {
                    vulnerability["analysis"] = ["state": "not_affected", "justification": "requires_environment",
                                                 "detail": "\(ignored.reason) (\(ignored.source))"]
                }
                return vulnerability
            }
        }
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func key(_ package: InstalledPackage) -> String { "\(package.purl)|\(package.path)" }
    static func key(_ finding: Finding) -> String { "\(finding.purl)|\(finding.path)" }
}
