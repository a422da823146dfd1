import Foundation

/// The distribution an image is built from, read from `/etc/os-release` or `/usr/lib/os-release`
/// (os-release(5): shell-style `KEY=value` lines).
public struct OSRelease: Hashable, Codable, Sendable {
    /// ID, e.g. "debian", "alpine", "rocky"; "linux" when the file names none, as os-release(5) says.
    public var id: String
    /// VERSION_ID, e.g. "12", "3.19.1", "9.3".
    public var versionID: String?
    /// VERSION_CODENAME, e.g. "bookworm".
    public var versionCodename: String?
    /// PRETTY_NAME, e.g. "Debian GNU/Linux 12 (bookworm)".
    public var prettyName: String?
    /// ID_LIKE, split at spaces: e.g. ["rhel", "centos", "fedora"].
    public var idLike: [String]
    /// Every variable the file sets, unquoted.
    public var fields: [String: String]

    /// An OS release from its parts.
    public init(id: String, versionID: String? = nil, versionCodename: String? = nil, prettyName: String? = nil,
                idLike: [String] = [], fields: [String: String] = [:]) {
        self.id = id
        self.versionID = versionID
        self.versionCodename = versionCodename
        self.prettyName = prettyName
        self.idLike = idLike
        self.fields = fields
    }

    /// Parses an os-release file. Lines that are not `KEY=value` and comments are skipped; never fails.
    public init(parsing text: String) {
        var fields: [String: String] = [:]
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            var key = line[..<equals].trimmingCharacters(in: .whitespaces)
            if key.hasPrefix("export ") { key = String(key.dropFirst(7)).trimmed }
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                continue
            }
            fields[key] = OSRelease.unquote(line[line.index(after: equals)...])
        }
        func value(_ key: String) -> String? {
            guard let value = fields[key], !value.isEmpty else { return nil }
            return value
        }
        self.init(
            id: value("ID") ?? "linux",
            versionID: value("VERSION_ID"),
            versionCodename: value("VERSION_CODENAME"),
            prettyName: value("PRETTY_NAME"),
            idLike: (value("ID_LIKE") ?? "").split(separator: " ").map(String.init),
            fields: fields
        )
    }

    /// Shell-style word: 'single quotes' are literal, "double quotes" and bare words take backslash escapes;
    /// an unquoted `#` after a space starts a comment.
    static func unquote(_ text: Substring) -> String {
        var result = ""
        var index = text.startIndex
        enum Mode { case bare, single, double }
        var mode = Mode.bare
        while index < text.endIndex {
            let character = text[index]
            switch mode {
            case .bare:
                if character == "'" {
                    mode = .single
                } else if character == "\"" {
                    mode = .double
                } else if character == "\\" {
                    let next = text.index(after: index)
                    if next < text.endIndex {
                        result.append(text[next])
                        index = next
                    }
                } else if character == "#", result.isEmpty || result.last == " " {
                    return result.trimmed
                } else {
                    result.append(character)
                }
            case .single:
                if character == "'" { mode = .bare } else { result.append(character) }
            case .double:
                if character == "\"" {
                    mode = .bare
                } else if character == "\\" {
                    let next = text.index(after: index)
                    if next < text.endIndex, "\"\\$`".contains(text[next]) {
                        result.append(text[next])
                        index = next
                    } else {
                        result.append(character)
                    }
                } else {
                    result.append(character)
                }
            }
            index = text.index(after: index)
        }
        return mode == .bare ? result.trimmed : result
    }
}
