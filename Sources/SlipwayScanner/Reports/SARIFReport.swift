import Foundation

/// The scan in SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/), the format code-scanning dashboards
/// (GitHub's among them) read: one rule per advisory, one result per finding, located at the package's file.
public enum SARIFReport {
    public static func render(_ report: ScanReport, findings: [Finding], toolVersion: String) throws -> Data {
        var rules: [[String: Any]] = []
        var ruleIndex: [String: Int] = [:]
        var results: [[String: Any]] = []
        for finding in findings {
            let ruleID = finding.advisory
            if ruleIndex[ruleID] == nil {
                ruleIndex[ruleID] = rules.count
                var properties: [String: Any] = ["tags": ["vulnerability", "security", finding.severity.rawValue]]
                if let score = finding.score { properties["security-severity"] = String(format: "%.1f", score) }
                rules.append([
                    "id": ruleID,
                    "name": ruleID.replacingOccurrences(of: "-", with: ""),
                    "shortDescription": ["text": finding.summary ?? ruleID],
                    "fullDescription": ["text": finding.summary ?? ruleID],
                    "helpUri": "https://osv.dev/vulnerability/\(ruleID)",
                    "help": ["text": "\(ruleID) (\(finding.identifiers.joined(separator: ", "))): \(finding.summary ?? "")"],
                    "defaultConfiguration": ["level": level(finding.severity)],
                    "properties": properties,
                ])
            }
            var result: [String: Any] = [
                "ruleId": ruleID,
                "ruleIndex": ruleIndex[ruleID] ?? 0,
                "level": level(finding.severity),
                "message": ["text": "\(finding.package) \(finding.installedVersion) is affected by \(ruleID)"
                    + (finding.fixedVersion.map { "; fixed in \($0)" } ?? "; no fixed version known")],
                "locations": [[
                    "physicalLocation": ["artifactLocation": ["uri": finding.path]],
                    "message": ["text": "\(report.image)\(finding.layer.map { " layer \($0)" } ?? "")"],
                ]],
                "properties": ["purl": finding.purl, "installedVersion": finding.installedVersion,
                               "fixedVersion": finding.fixedVersion ?? "", "severity": finding.severity.rawValue],
            ]
            if let ignored = finding.ignored {
                result["suppressions"] = [["kind": "external", "justification": ignored.reason, "location": [
                    "physicalLocation": ["artifactLocation": ["uri": ignored.source]]]]]
            }
            results.append(result)
        }
        let document: [String: Any] = [
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [[
                "tool": ["driver": ["name": "slipway", "version": toolVersion, "informationUri": "https://github.com/slipway",
                                    "rules": rules]],
                "results": results,
            ]],
        ]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .critical, .high: "error"
        case .medium: "warning"
        case .low, .unknown: "note"
        }
    }
}
