/// A `WWW-Authenticate` challenge: `Basic realm="…"` or `Bearer realm="…",service="…",scope="…"`.
/// https://distribution.github.io/distribution/spec/auth/token/#how-to-authenticate
public struct AuthChallenge: Equatable, Sendable {
    public enum Scheme: String, Sendable {
        case basic, bearer
    }

    public var scheme: Scheme
    public var parameters: [String: String]

    public var realm: String? { parameters["realm"] }
    public var service: String? { parameters["service"] }
    public var scope: String? { parameters["scope"] }

    /// Parses a header value; nil when the scheme is neither Basic nor Bearer.
    public init?(header: String) {
        let trimmed = header.drop { $0 == " " }
        guard let space = trimmed.firstIndex(of: " ") ?? (trimmed.isEmpty ? nil : trimmed.endIndex),
              let scheme = Scheme(rawValue: trimmed[..<space].lowercased())
        else { return nil }
        self.scheme = scheme
        self.parameters = Self.parameters(String(trimmed[space...]))
    }

    /// `key="quoted, with commas",key2=token` → dictionary (keys lowercased).
    static func parameters(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        var index = text.startIndex
        func skip(_ characters: Set<Character>) {
            while index < text.endIndex, characters.contains(text[index]) { index = text.index(after: index) }
        }
        while index < text.endIndex {
            skip([" ", ","])
            let keyStart = index
            while index < text.endIndex, text[index] != "=" { index = text.index(after: index) }
            guard index < text.endIndex else { break }
            let key = text[keyStart..<index].trimmingCharacters(in: .whitespaces).lowercased()
            index = text.index(after: index)
            var value = ""
            if index < text.endIndex, text[index] == "\"" {
                index = text.index(after: index)
                while index < text.endIndex, text[index] != "\"" {
                    if text[index] == "\\", text.index(after: index) < text.endIndex { index = text.index(after: index) }
                    value.append(text[index])
                    index = text.index(after: index)
                }
                if index < text.endIndex { index = text.index(after: index) }
            } else {
                while index < text.endIndex, text[index] != "," {
                    value.append(text[index])
                    index = text.index(after: index)
                }
                value = value.trimmingCharacters(in: .whitespaces)
            }
            if !key.isEmpty { out[key] = value }
        }
        return out
    }
}

import Foundation
