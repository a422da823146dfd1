import Foundation

/// Java archives (jar, war, ear and kin): every `META-INF/maven/<group>/<artifact>/pom.properties`, the archives
/// nested in them (WEB-INF/lib, BOOT-INF/lib, an ear's modules; up to three levels deep), and, for an archive with
/// no pom.properties of its own, its file name (`name-1.2.3.jar`) or else its manifest's
/// Implementation-Title/-Version (or Bundle-SymbolicName/-Version).
enum Java {
    /// Archives nested deeper than this are not opened.
    static let maxDepth = 3
    /// Largest pom.properties or manifest read.
    static let metadataLimit = 1 << 20
    /// Largest nested archive read into memory.
    static let nestedArchiveLimit = 256 << 20

    static func catalog(path: String, data: Data) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        var packages: [InstalledPackage] = []
        scan(data, fileName: baseName(path), chain: [], path: path, depth: 0, into: &packages,
             diagnostics: &diagnostics)
        return diagnostics.result(packages)
    }

    private static func scan(
        _ data: Data, fileName: String, chain: [String], path: String, depth: Int,
        into packages: inout [InstalledPackage], diagnostics: inout Diagnostics
    ) {
        let inner = chain.isEmpty ? nil : chain.joined(separator: "!/")
        let label = inner.map { "nested archive '\($0)'" } ?? "archive"
        let archive: ZipArchive
        do {
            archive = try ZipArchive(data: data)
        } catch {
            diagnostics.warn("\(label): \(error)")
            return
        }
        var found: [InstalledPackage] = []
        var seen = Set<String>()
        func add(_ name: String, _ version: String) {
            guard seen.insert(name + "@" + version).inserted else { return }
            found.append(InstalledPackage(kind: .maven, name: name, version: version, path: path, pathInArchive: inner))
        }
        for entry in archive.entries where !entry.isDirectory && isPomProperties(entry.name) {
            let text: String
            do {
                text = String(decoding: try archive.contents(of: entry, limit: metadataLimit), as: UTF8.self)
            } catch {
                diagnostics.warn("\(label): \(error)")
                continue
            }
            let properties = parseProperties(text)
            let components = entry.name.split(separator: "/")
            let group = properties["groupId"] ?? String(components[2])
            let artifact = properties["artifactId"] ?? String(components[3])
            guard let version = properties["version"], isPlausibleVersion(version), isPlausibleName(group),
                isPlausibleName(artifact)
            else {
                diagnostics.warn("\(label): \(entry.name) has no usable groupId, artifactId and version")
                continue
            }
            add(group + ":" + artifact, version)
        }
        if found.isEmpty {
            if case let (name, version)? = nameAndVersion(fileName: fileName) {
                add(name, version)
            } else if let manifest = archive.entry(named: "META-INF/MANIFEST.MF"),
                let bytes = try? archive.contents(of: manifest, limit: metadataLimit)
            {
                let attributes = parseManifest(String(decoding: bytes, as: UTF8.self))
                let title = attributes["Implementation-Title"] ?? attributes["Bundle-SymbolicName"]
                    .map { String($0.prefix { $0 != ";" }) }
                let version = attributes["Implementation-Version"] ?? attributes["Bundle-Version"]
                if let title, let version, isPlausibleName(title), isPlausibleVersion(version) {
                    add(title, version)
                }
            }
        }
        packages += found

        guard depth < maxDepth else { return }
        for entry in archive.entries where !entry.isDirectory && isJavaArchiveName(entry.name) {
            let nested: Data
            do {
                nested = try archive.contents(of: entry, limit: nestedArchiveLimit)
            } catch {
                diagnostics.warn("\(label): \(error)")
                continue
            }
            scan(nested, fileName: baseName(entry.name), chain: chain + [entry.name], path: path, depth: depth + 1,
                 into: &packages, diagnostics: &diagnostics)
        }
    }

    /// `META-INF/maven/<group>/<artifact>/pom.properties`.
    static func isPomProperties(_ name: String) -> Bool {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        return components.count == 5 && components[0] == "META-INF" && components[1] == "maven"
            && components[4] == "pom.properties" && !components[2].isEmpty && !components[3].isEmpty
    }

    static func isJavaArchiveName(_ name: String) -> Bool {
        let base = baseName(name)
        guard let dot = base.lastIndex(of: ".") else { return false }
        return FileRole.javaExtensions.contains(base[base.index(after: dot)...].lowercased())
    }

    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// "commons-lang3-3.12.0.jar" → ("commons-lang3", "3.12.0"): the version starts at the first "-" that is
    /// followed by a digit.
    static func nameAndVersion(fileName: String) -> (String, String)? {
        guard let dot = fileName.lastIndex(of: ".") else { return nil }
        let stem = fileName[..<dot]
        var index = stem.startIndex
        while let dash = stem[index...].firstIndex(of: "-") {
            let next = stem.index(after: dash)
            guard next < stem.endIndex else { return nil }
            if stem[next].isASCII, stem[next].isNumber {
                let name = String(stem[..<dash])
                let version = String(stem[next...])
                guard !name.isEmpty, isPlausibleName(name), isPlausibleVersion(version) else { return nil }
                return (name, version)
            }
            index = next
        }
        return nil
    }

    /// Java properties: `key=value`, `key: value` or `key value`; `#` and `!` comments; backslash continuations.
    static func parseProperties(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var pending = ""
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = pending + rawLine.trimmingCharacters(in: .whitespaces)
            pending = ""
            if line.hasSuffix("\\") {
                line.removeLast()
                pending = line
                continue
            }
            guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix("!") else { continue }
            let separator = line.firstIndex { $0 == "=" || $0 == ":" || $0 == " " || $0 == "\t" } ?? line.endIndex
            let key = String(line[..<separator])
            var value = line[separator...].drop { $0 == " " || $0 == "\t" }
            if value.first == "=" || value.first == ":" { value = value.dropFirst() }
            result[key] = value.trimmed
        }
        return result
    }

    /// The main section of a manifest: "Name: value" lines, continued on lines that start with one space.
    static func parseManifest(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var lastKey: String?
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if line.isEmpty { break }
            if line.hasPrefix(" "), let key = lastKey {
                result[key, default: ""] += line.dropFirst()
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                lastKey = nil
                continue
            }
            let key = String(line[..<colon])
            result[key] = String(line[line.index(after: colon)...].drop { $0 == " " })
            lastKey = key
        }
        return result.mapValues { $0.trimmed }
    }
}
