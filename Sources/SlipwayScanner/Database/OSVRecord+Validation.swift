import Foundation

extension OSVRecord {
    /// The schema's rules that matter for matching, checked on a decoded record
    /// (https://github.com/ossf/osv-schema/blob/main/validation/schema.json). Each problem names where it is,
    /// e.g. `affected[0].ranges[0].events[1].fixed: "abc" is not a full commit hash`.
    public func schemaProblems() -> [String] {
        var problems: [String] = []
        if id.isEmpty || id.contains(where: { $0.isWhitespace || $0 == "/" }) {
            problems.append("id: \"\(id)\" is not an advisory id")
        }
        if !Self.isTimestamp(modified) { problems.append("modified: \"\(modified)\" is not an RFC 3339 UTC time") }
        if let published, !Self.isTimestamp(published) {
            problems.append("published: \"\(published)\" is not an RFC 3339 UTC time")
        }
        for (index, severity) in (severity ?? []).enumerated() where !Self.severityTypes.contains(severity.type) {
            problems.append("severity[\(index)].type: unknown type \"\(severity.type)\"")
        }
        for (index, affected) in (affected ?? []).enumerated() {
            let path = "affected[\(index)]"
            if let package = affected.package {
                if package.name.isEmpty { problems.append("\(path).package.name: is empty") }
                if package.ecosystem.isEmpty { problems.append("\(path).package.ecosystem: is empty") }
            }
            for (rangeIndex, range) in (affected.ranges ?? []).enumerated() {
                problems += Self.problems(of: range, at: "\(path).ranges[\(rangeIndex)]")
            }
        }
        return problems
    }

    static let severityTypes: Set = ["CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu"]

    static func problems(of range: Range, at path: String) -> [String] {
        var problems: [String] = []
        guard ["GIT", "SEMVER", "ECOSYSTEM"].contains(range.type) else {
            return ["\(path).type: unknown range type \"\(range.type)\""]
        }
        if range.type == "GIT", range.repo == nil { problems.append("\(path).repo: a GIT range needs its repository") }
        if range.events.isEmpty { problems.append("\(path).events: is empty") }
        if !range.events.contains(where: { $0.introduced != nil }) {
            problems.append("\(path).events: no introduced event")
        }
        for (index, event) in range.events.enumerated() {
            let values = [("introduced", event.introduced), ("fixed", event.fixed),
                          ("last_affected", event.lastAffected), ("limit", event.limit)].filter { $0.1 != nil }
            guard values.count == 1, let (key, value) = values.first, let value else {
                problems.append("\(path).events[\(index)]: needs exactly one of introduced, fixed, last_affected, limit")
                continue
            }
            if range.type == "GIT", !Self.isCommit(value) {
                problems.append("\(path).events[\(index)].\(key): \"\(value)\" is not a full commit hash")
            }
        }
        return problems
    }

    /// `0`, or a full SHA-1 or SHA-256 commit id, as the schema's GIT events require.
    static func isCommit(_ value: String) -> Bool {
        if value == "0" { return true }
        return (value.utf8.count == 40 || value.utf8.count == 64)
            && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the schema's timestamp pattern.
    static func isTimestamp(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return false }
        let shape = Array("dddd-dd-ddTdd:dd:dd".utf8)
        for (index, expected) in shape.enumerated() {
            let byte = bytes[index]
            if expected == UInt8(ascii: "d") { guard (48...57).contains(byte) else { return false } }
            else if byte != expected { return false }
        }
        let rest = bytes[19..<(bytes.count - 1)]
        if rest.isEmpty { return true }
        return rest.first == UInt8(ascii: ".") && rest.count > 1 && rest.dropFirst().allSatisfy { (48...57).contains($0) }
    }
}
