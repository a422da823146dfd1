import Foundation

/// One line of a text file, numbered from 1, without its line break (a trailing CR is dropped too).
/// Bytes that are not UTF-8 are replaced by U+FFFD and `isValidUTF8` is false.
struct TextLine {
    var number: Int
    var text: String
    var isValidUTF8: Bool

    /// True for an empty line or one of spaces and tabs only.
    var isBlank: Bool { text.allSatisfy { $0 == " " || $0 == "\t" } }
}

/// Splits `data` into lines at LF; a file without a final LF still ends with its last line.
func textLines(_ data: Data) -> [TextLine] {
    var lines: [TextLine] = []
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        let bytes = raw.bindMemory(to: UInt8.self)
        var start = 0
        var number = 1
        func emit(_ end: Int) {
            var stop = end
            if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<stop])
            if let text = String(validating: slice, as: UTF8.self) {
                lines.append(TextLine(number: number, text: text, isValidUTF8: true))
            } else {
                lines.append(TextLine(number: number, text: String(decoding: slice, as: UTF8.self), isValidUTF8: false))
            }
            number += 1
        }
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                emit(index)
                start = index + 1
            }
            index += 1
        }
        if start < bytes.count { emit(bytes.count) }
    }
    return lines
}

/// Collects the warnings of one file, at most `limit` of them: a garbage file should not flood a report.
struct Diagnostics {
    static let limit = 100

    let path: String
    private(set) var warnings: [CatalogWarning] = []
    private var suppressed = 0

    init(path: String) {
        self.path = path
    }

    mutating func warn(_ message: String, line: Int? = nil) {
        if warnings.count < Diagnostics.limit {
            warnings.append(CatalogWarning(path: path, line: line, message: message))
        } else {
            suppressed += 1
        }
    }

    /// The warnings, with a last one saying how many were left out.
    var all: [CatalogWarning] {
        guard suppressed > 0 else { return warnings }
        return warnings + [CatalogWarning(path: path, line: nil, message: "\(suppressed) more warnings not shown")]
    }

    func result(_ packages: [InstalledPackage]) -> CatalogResult {
        CatalogResult(packages: packages, warnings: all)
    }
}

/// A short, printable excerpt of untrusted text for a warning message.
func excerpt(_ text: some StringProtocol, limit: Int = 60) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        if result.unicodeScalars.count >= limit {
            result += "…"
            break
        }
        if scalar.properties.generalCategory == .control {
            result += "\\u{\(String(scalar.value, radix: 16))}"
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return "'\(result)'"
}

/// True when `version` could be a version: not empty, not too long, no spaces or control characters.
/// Each ecosystem's own rules are looser than any one check here, so this only rejects what is surely garbage.
func isPlausibleVersion(_ version: String) -> Bool {
    guard !version.isEmpty, version.utf8.count <= 256 else { return false }
    return !version.unicodeScalars.contains {
        $0.properties.isWhitespace || $0.properties.generalCategory == .control || $0 == "\u{FFFD}"
    }
}

/// True when `name` could be a package name: not empty, not too long, no whitespace or control characters.
func isPlausibleName(_ name: String) -> Bool {
    isPlausibleVersion(name)
}

/// Parses JSON, turning a syntax error into a warning (with the line Foundation names, where it names one).
func parseJSON(_ data: Data, diagnostics: inout Diagnostics) -> Any? {
    var input = data
    if input.starts(with: [0xEF, 0xBB, 0xBF]) { input = input.dropFirst(3) }
    if input.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
        diagnostics.warn("empty JSON file")
        return nil
    }
    do {
        return try JSONSerialization.jsonObject(with: input, options: [.fragmentsAllowed])
    } catch {
        let nsError = error as NSError
        let detail = (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
        diagnostics.warn("not valid JSON: \(detail)", line: jsonErrorLine(detail, input))
        return nil
    }
}

/// The line a JSON error names: Darwin says "around line 3, column 7", swift-corelibs-foundation "around
/// character 19" (a byte offset) or "Unexpected end of file" (the last line); bad UTF-8 is found by looking.
private func jsonErrorLine(_ message: String, _ input: Data) -> Int? {
    func number(after marker: String) -> Int? {
        guard let range = message.range(of: marker) else { return nil }
        return Int(message[range.upperBound...].prefix { $0.isASCII && $0.isNumber })
    }
    if let line = number(after: "line ") { return line }
    if let offset = number(after: "character ") {
        return 1 + input.prefix(max(0, offset)).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
    if message.localizedCaseInsensitiveContains("end of file") {
        let newlines = input.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return input.last == 0x0A ? newlines : newlines + 1
    }
    return lineOfInvalidUTF8(input)
}

/// The line of the first byte sequence that is not UTF-8, if any.
private func lineOfInvalidUTF8(_ data: Data) -> Int? {
    textLines(data).first { !$0.isValidUTF8 }?.number
}

/// The string value of a JSON object member, or nil when it is missing or not a string.
func jsonString(_ object: [String: Any], _ key: String) -> String? {
    object[key] as? String
}

/// Licenses as npm and composer write them: "MIT", ["MIT", "ISC"], {"type": "MIT"} or [{"type": "MIT"}].
func jsonLicenses(_ value: Any?) -> [String] {
    switch value {
    case let text as String:
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? [] : [trimmed]
    case let array as [Any]:
        return array.flatMap { jsonLicenses($0) }
    case let object as [String: Any]:
        return jsonLicenses(object["type"] ?? object["name"])
    default:
        return []
    }
}

extension String {
    /// The text with surrounding spaces and tabs removed.
    var trimmed: String { trimmingCharacters(in: .whitespaces) }
}

extension Substring {
    var trimmed: String { trimmingCharacters(in: .whitespaces) }
}
