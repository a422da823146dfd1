import Foundation

/// Debian packages: `var/lib/dpkg/status` and distroless images' `var/lib/dpkg/status.d/<package>` files.
/// Both are deb822 stanzas ("Field: value" lines, continuation lines starting with a space or tab, stanzas
/// separated by blank lines).
enum Dpkg {
    /// One deb822 paragraph. Field names are kept lowercased, as they compare without case.
    struct Stanza {
        var firstLine: Int
        var fields: [String: String] = [:]
        /// Line of each field, for warnings.
        var lines: [String: Int] = [:]
        /// Fields that held bytes which are not UTF-8.
        var invalidUTF8: Set<String> = []
    }

    /// Splits deb822 text into stanzas; lines that are neither fields nor continuations become warnings.
    static func stanzas(_ data: Data, diagnostics: inout Diagnostics) -> [Stanza] {
        var stanzas: [Stanza] = []
        var current: Stanza?
        var lastKey: String?
        for line in textLines(data) {
            if line.isBlank {
                if let stanza = current { stanzas.append(stanza) }
                current = nil
                lastKey = nil
                continue
            }
            let first = line.text.unicodeScalars.first
            if first == " " || first == "\t" {
                guard let key = lastKey, current != nil else {
                    diagnostics.warn("continuation line outside a field: \(excerpt(line.text))", line: line.number)
                    continue
                }
                current?.fields[key, default: ""] += "\n" + line.text.trimmed
                if !line.isValidUTF8 { current?.invalidUTF8.insert(key) }
                continue
            }
            guard let colon = line.text.firstIndex(of: ":"),
                case let key = line.text[..<colon], !key.isEmpty,
                !key.contains(where: { $0 == " " || $0 == "\t" }), !key.hasPrefix("#"), !key.hasPrefix("-")
            else {
                diagnostics.warn("not a 'Field: value' line: \(excerpt(line.text))", line: line.number)
                lastKey = nil
                continue
            }
            let name = key.lowercased()
            if current == nil { current = Stanza(firstLine: line.number) }
            current?.fields[name] = line.text[line.text.index(after: colon)...].trimmed
            current?.lines[name] = line.number
            if !line.isValidUTF8 { current?.invalidUTF8.insert(name) }
            lastKey = name
        }
        if let stanza = current { stanzas.append(stanza) }
        return stanzas
    }

    /// Packages of a status file. With `requireStatus` (the status database) a stanza counts only when its
    /// Status says the package is installed; distroless status.d files carry no Status and always count.
    static func catalog(path: String, data: Data, osRelease: OSRelease?, requireStatus: Bool) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        var packages: [InstalledPackage] = []
        for stanza in stanzas(data, diagnostics: &diagnostics) {
            if let package = package(from: stanza, path: path, osRelease: osRelease, requireStatus: requireStatus,
                                     diagnostics: &diagnostics)
            {
                packages.append(package)
            }
        }
        return diagnostics.result(packages)
    }

    private static func package(
        from stanza: Stanza, path: String, osRelease: OSRelease?, requireStatus: Bool,
        diagnostics: inout Diagnostics
    ) -> InstalledPackage? {
        let line = stanza.firstLine
        for key in ["package", "version", "architecture", "source", "status"] where stanza.invalidUTF8.contains(key) {
            diagnostics.warn("field '\(key)' is not valid UTF-8", line: stanza.lines[key] ?? line)
        }
        guard let name = stanza.fields["package"], isPlausibleName(name), !stanza.invalidUTF8.contains("package")
        else {
            if let name = stanza.fields["package"] {
                diagnostics.warn("bad package name \(excerpt(name))", line: stanza.lines["package"] ?? line)
            } else {
                diagnostics.warn("stanza has no Package field", line: line)
            }
            return nil
        }
        if let status = stanza.fields["status"] {
            let words = status.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count == 3 else {
                diagnostics.warn("package '\(name)': malformed Status \(excerpt(status))",
                                 line: stanza.lines["status"] ?? line)
                return nil
            }
            // want / error flag / state: "hold ok installed" and "deinstall ok installed" are still installed.
            guard words[2] == "installed" else { return nil }
        } else if requireStatus {
            diagnostics.warn("package '\(name)' has no Status field", line: line)
            return nil
        }
        guard let version = stanza.fields["version"] else {
            diagnostics.warn("package '\(name)' has no Version field", line: line)
            return nil
        }
        guard isDebianVersion(version), !stanza.invalidUTF8.contains("version") else {
            diagnostics.warn("package '\(name)': bad version \(excerpt(version))",
                             line: stanza.lines["version"] ?? line)
            return nil
        }
        var sourceName: String?
        var sourceVersion: String?
        if let source = stanza.fields["source"], !source.isEmpty {
            (sourceName, sourceVersion) = parseSource(source)
            if let candidate = sourceName, !isPlausibleName(candidate) {
                diagnostics.warn("package '\(name)': bad Source \(excerpt(source))",
                                 line: stanza.lines["source"] ?? line)
                sourceName = nil
                sourceVersion = nil
            }
        }
        let architecture = stanza.fields["architecture"].flatMap { $0.isEmpty ? nil : $0 }
        return InstalledPackage(
            kind: .deb, name: name, version: version, sourceName: sourceName, sourceVersion: sourceVersion,
            path: path, licenses: [], architecture: architecture,
            distroID: osRelease?.id, distroVersion: osRelease?.versionID)
    }

    /// "openssl (3.0.11-1)" → ("openssl", "3.0.11-1"); "openssl" → ("openssl", nil).
    static func parseSource(_ source: String) -> (String?, String?) {
        guard let open = source.firstIndex(of: "(") else { return (source.trimmed, nil) }
        let name = source[..<open].trimmed
        var rest = source[source.index(after: open)...]
        if let close = rest.firstIndex(of: ")") { rest = rest[..<close] }
        let version = rest.trimmed
        return (name.isEmpty ? nil : name, version.isEmpty ? nil : version)
    }

    /// deb-version(7): `[epoch:]upstream[-revision]`, epoch a number, the rest of "A-Za-z0-9.+~-:".
    static func isDebianVersion(_ version: String) -> Bool {
        guard !version.isEmpty, version.utf8.count <= 256 else { return false }
        var upstream = Substring(version)
        if let colon = version.firstIndex(of: ":") {
            let epoch = version[..<colon]
            guard !epoch.isEmpty, epoch.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            upstream = version[version.index(after: colon)...]
        }
        guard let first = upstream.first, first.isASCII, first.isLetter || first.isNumber else { return false }
        return upstream.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".+~-:".contains($0)) }
    }
}
