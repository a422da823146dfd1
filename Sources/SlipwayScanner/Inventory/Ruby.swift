import Foundation

/// Ruby gems: `Gemfile.lock` (the `specs:` of its GEM and GIT sections) and installed
/// `specifications/*.gemspec` files, read line by line and never evaluated.
enum Ruby {
    static func catalogGemfileLock(path: String, data: Data) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        var packages: [InstalledPackage] = []
        var section = ""
        var inSpecs = false
        for line in textLines(data) {
            if line.isBlank { continue }
            let text = line.text
            if !text.hasPrefix(" ") {
                section = text.trimmed
                inSpecs = false
                continue
            }
            guard section == "GEM" || section == "GIT" else { continue }
            let indent = text.prefix { $0 == " " }.count
            if indent == 2 {
                inSpecs = text.trimmed == "specs:"
                continue
            }
            guard inSpecs, indent == 4 else { continue }
            guard line.isValidUTF8, let spec = parseSpecLine(text.dropFirst(4)) else {
                diagnostics.warn("not a 'name (version)' spec line: \(excerpt(text.trimmed))", line: line.number)
                continue
            }
            packages.append(InstalledPackage(
                kind: .gem, name: spec.name, version: spec.version, path: path, architecture: spec.platform))
        }
        if packages.isEmpty, !textLines(data).contains(where: { $0.text == "GEM" || $0.text == "GIT" }) {
            diagnostics.warn("no GEM section")
        }
        return diagnostics.result(packages)
    }

    /// "nokogiri (1.15.4-x86_64-linux)" → nokogiri, 1.15.4, x86_64-linux. As Bundler does, the platform is what
    /// follows the first "-" of the version.
    static func parseSpecLine(_ text: Substring) -> (name: String, version: String, platform: String?)? {
        guard let open = text.firstIndex(of: " "), text[open...].hasPrefix(" ("), text.hasSuffix(")") else {
            return nil
        }
        let name = String(text[..<open])
        let inner = text[text.index(open, offsetBy: 2)..<text.index(before: text.endIndex)]
        var version = String(inner)
        var platform: String?
        if let dash = inner.firstIndex(of: "-") {
            version = String(inner[..<dash])
            platform = String(inner[inner.index(after: dash)...])
        }
        guard isPlausibleName(name), isPlausibleVersion(version), platform.map(isPlausibleName) ?? true else {
            return nil
        }
        return (name, version, platform)
    }

    static func catalogGemspec(path: String, data: Data) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        var values: [String: [String]] = [:]
        var lines: [String: Int] = [:]
        for line in textLines(data) {
            let text = line.text.trimmed
            guard let found = assignment(text) else { continue }
            let (attribute, rest) = found
            if !line.isValidUTF8 {
                diagnostics.warn("'\(attribute)' line is not valid UTF-8", line: line.number)
                continue
            }
            guard values[attribute] == nil else { continue }
            values[attribute] = stringLiterals(rest)
            lines[attribute] = line.number
        }
        guard let name = values["name"]?.first, isPlausibleName(name) else {
            diagnostics.warn(values["name"] == nil ? "no s.name = \"…\" line" : "bad gem name", line: lines["name"])
            return diagnostics.result([])
        }
        guard let version = values["version"]?.first, isPlausibleVersion(version) else {
            diagnostics.warn(values["version"] == nil ? "gem '\(name)': no s.version = \"…\" line"
                : "gem '\(name)': bad version", line: lines["version"])
            return diagnostics.result([])
        }
        let licenses = values["licenses"] ?? values["license"] ?? []
        let platform = values["platform"]?.first.flatMap { $0 == "ruby" || $0.isEmpty ? nil : $0 }
        return diagnostics.result([
            InstalledPackage(kind: .gem, name: name, version: version, path: path, licenses: licenses,
                             architecture: platform)
        ])
    }

    private static let attributes: Set<String> = ["name", "version", "license", "licenses", "platform"]

    /// `s.name = "rack".freeze` → ("name", ` "rack".freeze`) for the attributes read here.
    private static func assignment(_ text: String) -> (String, Substring)? {
        guard let dot = text.firstIndex(of: "."),
            text[..<dot].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
            !text[..<dot].isEmpty
        else { return nil }
        let afterDot = text[text.index(after: dot)...]
        let attribute = afterDot.prefix { $0.isASCII && ($0.isLetter || $0 == "_") }
        guard attributes.contains(String(attribute)) else { return nil }
        let rest = afterDot[attribute.endIndex...].drop { $0 == " " }
        guard rest.hasPrefix("="), !rest.hasPrefix("==") else { return nil }
        return (String(attribute), rest.dropFirst())
    }

    /// The string literals of a Ruby expression: "…" (with backslash escapes), '…', %q{…} and %w[…] words.
    static func stringLiterals(_ text: Substring) -> [String] {
        var result: [String] = []
        var index = text.startIndex
        let pairs: [Character: Character] = ["{": "}", "[": "]", "(": ")", "<": ">"]
        while index < text.endIndex {
            let character = text[index]
            if character == "#" { break }  // a comment
            if character == "\"" || character == "'" {
                var value = ""
                var cursor = text.index(after: index)
                var closed = false
                while cursor < text.endIndex {
                    let c = text[cursor]
                    if c == character {
                        closed = true
                        break
                    }
                    if c == "\\", text.index(after: cursor) < text.endIndex {
                        cursor = text.index(after: cursor)
                        value.append(text[cursor])
                    } else {
                        value.append(c)
                    }
                    cursor = text.index(after: cursor)
                }
                guard closed else { break }
                result.append(value)
                index = text.index(after: cursor)
                continue
            }
            if character == "%", let kind = text[text.index(after: index)...].first, "qQwW".contains(kind) {
                let openIndex = text.index(index, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
                guard openIndex < text.endIndex, let close = pairs[text[openIndex]] ?? Optional(text[openIndex]),
                    let end = text[text.index(after: openIndex)...].firstIndex(of: close)
                else { break }
                let body = text[text.index(after: openIndex)..<end]
                if kind == "w" || kind == "W" {
                    result += body.split(separator: " ").map(String.init)
                } else {
                    result.append(String(body))
                }
                index = text.index(after: end)
                continue
            }
            index = text.index(after: index)
        }
        return result
    }
}
