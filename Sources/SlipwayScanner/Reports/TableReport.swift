/// The scan as a terminal table: worst first, one finding a line, then the counts and what could not be read.
public enum TableReport {
    public static func render(_ report: ScanReport, minimum: Severity = .unknown, ignoreUnfixed: Bool = false,
                              colour: Bool = false) -> String {
        let shown = report.findings.filter { $0.severity >= minimum && (!ignoreUnfixed || $0.fixedVersion != nil) }
        var lines: [String] = []
        let osName = report.os.map { " (\($0.prettyName ?? $0.id))" } ?? ""
        lines.append("\(report.image)\(osName)")
        lines.append("digest \(report.digest), \(report.packages.count) packages, database \(report.databaseVersion ?? "empty")")
        lines.append("")
        if shown.isEmpty {
            lines.append(report.findings.isEmpty ? "No known vulnerabilities found." : "No findings at this level.")
        } else {
            let header = ["SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED", "LAYER", "PATH"]
            let rows = shown.map { finding -> [String] in
                let severity = finding.ignored == nil ? finding.severity.rawValue.uppercased()
                    : "ignored (\(finding.severity.rawValue))"
                let score = finding.score.map { " \($0)" } ?? ""
                return [severity + score, finding.identifiers.first ?? finding.advisory, finding.package,
                        finding.installedVersion, finding.fixedVersion ?? "-",
                        finding.layerIndex.map { "#\($0 + 1)" } ?? "-", finding.path]
            }
            let widths = header.indices.map { column in
                ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
            }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { index, cell in
                    index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                }.joined(separator: "  ")
            }
            lines.append(line(header))
            for (row, finding) in zip(rows, shown) {
                let text = line(row)
                lines.append(colour && finding.ignored == nil ? paint(text, finding.severity) : text)
            }
        }
        lines.append("")
        lines.append("Total: \(report.counts.summary)"
                     + (report.counts.ignored > 0 ? " (\(report.counts.ignored) ignored by rules)" : ""))
        for finding in shown.compactMap(\.ignored).map(\.source).uniqued() { lines.append("  ignore rule: \(finding)") }
        if !report.warnings.isEmpty {
            lines.append("")
            lines.append("Warnings (\(report.warnings.count)):")
            for warning in report.warnings.prefix(50) { lines.append("  \(warning)") }
            if report.warnings.count > 50 { lines.append("  … \(report.warnings.count - 50) more (see --format json)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func paint(_ text: String, _ severity: Severity) -> String {
        let code: String
        switch severity {
        case .critical: code = "1;31"
        case .high: code = "31"
        case .medium: code = "33"
        case .low: code = "36"
        case .unknown: return text
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}

extension Sequence where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
