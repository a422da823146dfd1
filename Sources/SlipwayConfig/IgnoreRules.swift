import Foundation
import Yams

/// A finding the team has looked at and decided to accept for a while, VEX-style: which advisory (its id or any
/// alias, e.g. a CVE), optionally only in one package, why, and until when. An expired rule no longer applies.
public struct IgnoreRule: Sendable, Equatable, Codable {
    public var id: String
    public var package: String?
    /// The last day the rule applies (`YYYY-MM-DD`, UTC); nil = no expiry.
    public var until: String?
    public var reason: String
    /// `FILE:LINE` where the rule is written, so reports can say which rule hid a finding.
    public var source: String

    public init(id: String, package: String? = nil, until: String? = nil, reason: String, source: String) {
        self.id = id
        self.package = package
        self.until = until
        self.reason = reason
        self.source = source
    }

    /// True when the rule still applies on `date`.
    public func isActive(on date: Date) -> Bool {
        guard let until else { return true }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = until.split(separator: "-").compactMap { Int($0) }
        guard components.count == 3,
              let end = calendar.date(from: DateComponents(year: components[0], month: components[1], day: components[2] + 1))
        else { return false }
        return date < end
    }
}

/// The scanner's settings in `slipway.yml` (`scan:`).
public struct ScanSettings: Sendable, Equatable {
    public var ignore: [IgnoreRule] = []
    public init() {}
}

extension IgnoreRule {
    /// Reads `.slipway-ignore.yml`: `ignore:` followed by a list of rules.
    public static func loadFile(_ path: String) throws -> [IgnoreRule] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: nil, key: "", reason: "cannot read it (\(error.localizedDescription))")
        }
        return try parseFile(text, file: path)
    }

    public static func parseFile(_ text: String, file: String) throws -> [IgnoreRule] {
        let reader = YAMLReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError(file: file, line: nil, key: "", reason: "not valid YAML: \(error)")
        }
        guard let root else { return [] }
        var rules: [IgnoreRule] = []
        for (key, node) in try reader.mapping(root, "", allowed: ["ignore"]) where key == "ignore" {
            rules = try parseRules(node, "ignore", reader)
        }
        return rules
    }

    static func parseRules(_ node: Node, _ path: String, _ reader: YAMLReader) throws -> [IgnoreRule] {
        try reader.sequence(node, path).map { itemPath, item in
            var id: String?, package: String?, until: String?, reason: String?
            for (key, value) in try reader.mapping(item, itemPath, allowed: ["id", "package", "until", "reason"]) {
                let keyPath = "\(itemPath).\(key)"
                switch key {
                case "id": id = try reader.nonEmptyString(value, keyPath)
                case "package": package = try reader.nonEmptyString(value, keyPath)
                case "until":
                    let text = try reader.nonEmptyString(value, keyPath)
                    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
                    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
                          parts.allSatisfy({ Int($0) != nil }) else {
                        throw reader.error(value, keyPath, "'\(text)' is not a date (YYYY-MM-DD)")
                    }
                    until = text
                default: reason = try reader.nonEmptyString(value, keyPath)
                }
            }
            guard let id else { throw reader.error(item, "\(itemPath).id", "is required (an advisory id or CVE)") }
            guard let reason else {
                throw reader.error(item, "\(itemPath).reason", "is required: say why this finding is accepted")
            }
            let line = item.mark.map { ":\($0.line)" } ?? ""
            return IgnoreRule(id: id, package: package, until: until, reason: reason, source: reader.file + line)
        }
    }
}
