import Foundation

/// Python packages: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` and `*.egg-info` files: core metadata in
/// email-header form ("Name: value" lines, continuations indented, a blank line before the description).
enum Python {
    static func catalog(path: String, data: Data) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        var fields: [String: [String]] = [:]
        var lines: [String: Int] = [:]
        var lastKey: String?
        for line in textLines(data) {
            // An empty line ends the headers (the description follows); a line of spaces continues a header.
            if line.text.isEmpty { break }
            let first = line.text.unicodeScalars.first
            if first == " " || first == "\t" {
                if let key = lastKey, var values = fields[key], !values.isEmpty {
                    values[values.count - 1] += "\n" + line.text.trimmed
                    fields[key] = values
                } else {
                    diagnostics.warn("continuation line outside a header: \(excerpt(line.text))", line: line.number)
                }
                continue
            }
            guard let colon = line.text.firstIndex(of: ":"), case let key = line.text[..<colon], !key.isEmpty,
                !key.contains(where: { $0 == " " || $0 == "\t" })
            else {
                diagnostics.warn("not a 'Header: value' line: \(excerpt(line.text))", line: line.number)
                lastKey = nil
                continue
            }
            let name = key.lowercased()
            if !line.isValidUTF8, ["name", "version"].contains(name) {
                diagnostics.warn("'\(key)' header is not valid UTF-8", line: line.number)
                lastKey = nil
                continue
            }
            fields[name, default: []].append(line.text[line.text.index(after: colon)...].trimmed)
            if lines[name] == nil { lines[name] = line.number }
            lastKey = name
        }
        guard let name = fields["name"]?.first, isPlausibleName(name) else {
            let message = fields["name"]?.first.map { "bad package name \(excerpt($0))" } ?? "no Name header"
            diagnostics.warn(message, line: lines["name"])
            return diagnostics.result([])
        }
        guard let version = fields["version"]?.first, isPlausibleVersion(version) else {
            let message = fields["version"]?.first.map { "package '\(name)': bad version \(excerpt($0))" }
                ?? "package '\(name)' has no Version header"
            diagnostics.warn(message, line: lines["version"])
            return diagnostics.result([])
        }
        let package = InstalledPackage(
            kind: .pypi, name: name, version: version, path: path, licenses: licenses(fields))
        return diagnostics.result([package])
    }

    /// License-Expression (metadata 2.4), else a short License header, else the "License ::" classifiers.
    /// A License header holding a whole license text is not a license name and is skipped.
    static func licenses(_ fields: [String: [String]]) -> [String] {
        if let expression = fields["license-expression"]?.first, !expression.isEmpty { return [expression] }
        if let license = fields["license"]?.first, !license.isEmpty, license.uppercased() != "UNKNOWN",
            !license.contains("\n"), license.count <= 100
        {
            return [license]
        }
        let classifiers = (fields["classifier"] ?? []).filter { $0.hasPrefix("License ::") }
        return classifiers.compactMap { classifier in
            let last = classifier.components(separatedBy: "::").last?.trimmed ?? ""
            return last.isEmpty || last == "OSI Approved" ? nil : last
        }
    }
}
