import Foundation

/// Alpine packages: `lib/apk/db/installed`, "X:value" lines (P name, V version, A arch, o origin, L license),
/// one blank line between packages.
enum APK {
    static func catalog(path: String, data: Data, osRelease: OSRelease?) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        var packages: [InstalledPackage] = []
        var fields: [Character: String] = [:]
        var fieldLines: [Character: Int] = [:]
        var firstLine = 0

        func finish() {
            defer {
                fields = [:]
                fieldLines = [:]
            }
            guard !fields.isEmpty else { return }
            guard let name = fields["P"], isPlausibleName(name) else {
                let message = fields["P"].map { "bad package name \(excerpt($0))" } ?? "package entry has no P: line"
                diagnostics.warn(message, line: fieldLines["P"] ?? firstLine)
                return
            }
            guard let version = fields["V"] else {
                diagnostics.warn("package '\(name)' has no V: line", line: firstLine)
                return
            }
            guard isPlausibleVersion(version) else {
                diagnostics.warn("package '\(name)': bad version \(excerpt(version))",
                                 line: fieldLines["V"] ?? firstLine)
                return
            }
            let license = fields["L"]?.trimmed ?? ""
            packages.append(InstalledPackage(
                kind: .apk, name: name, version: version,
                sourceName: fields["o"].flatMap { $0.isEmpty ? nil : $0 },
                path: path, licenses: license.isEmpty ? [] : [license],
                architecture: fields["A"].flatMap { $0.isEmpty ? nil : $0 },
                distroID: osRelease?.id, distroVersion: osRelease?.versionID))
        }

        for line in textLines(data) {
            if line.isBlank {
                finish()
                continue
            }
            let scalars = Array(line.text.prefix(2))
            guard scalars.count == 2, scalars[1] == ":", scalars[0].isASCII, scalars[0].isLetter else {
                diagnostics.warn("not an 'X:value' line: \(excerpt(line.text))", line: line.number)
                continue
            }
            let key = scalars[0]
            if !line.isValidUTF8, "PVAoL".contains(key) {
                diagnostics.warn("'\(key):' line is not valid UTF-8", line: line.number)
                if key == "P" || key == "V" { continue }
            }
            if fields.isEmpty { firstLine = line.number }
            // Repeated keys (several F:/R: file lines) are normal; for the ones read here the first one counts.
            if fields[key] == nil {
                fields[key] = String(line.text.dropFirst(2)).trimmed
                fieldLines[key] = line.number
            }
        }
        finish()
        return diagnostics.result(packages)
    }
}
