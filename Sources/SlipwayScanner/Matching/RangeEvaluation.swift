/// Whether a version falls in an OSV `affected` entry, evaluated as the schema's "Evaluation" section describes
/// (https://ossf.github.io/osv-schema/#evaluation): the `versions` list, then each `SEMVER` or `ECOSYSTEM` range with
/// its events sorted by version. `GIT` ranges name commits, which an image does not record; they are not used.
public enum RangeEvaluation {
    public struct Outcome: Equatable, Sendable {
        public var affected: Bool
        /// The lowest `fixed` version above the installed one in a range that affects it.
        public var fixed: String?
    }

    /// Throws `VersionError` when the installed version or an event's version cannot be read in `scheme`: the
    /// caller reports that instead of guessing "affected" or "safe".
    public static func evaluate(version: String, affected: OSVRecord.Affected, scheme: VersionScheme) throws -> Outcome {
        if let versions = affected.versions {
            for listed in versions where listed == version { return Outcome(affected: true, fixed: nil) }
        }
        var outcome = Outcome(affected: false, fixed: nil)
        for range in affected.ranges ?? [] where range.type == "SEMVER" || range.type == "ECOSYSTEM" {
            let rangeScheme: VersionScheme = range.type == "SEMVER" && scheme != .go ? .semver : scheme
            if let fixed = try evaluate(version: version, events: range.events, scheme: rangeScheme) {
                if !outcome.affected { outcome = Outcome(affected: true, fixed: fixed.isEmpty ? nil : fixed) }
                else if outcome.fixed == nil, !fixed.isEmpty { outcome.fixed = fixed }
            }
        }
        if !outcome.affected, let versions = affected.versions, !versions.isEmpty {
            // The list may spell a version differently from the package database (`1.0` for `1.0.0`).
            try scheme.validate(version)
            for listed in versions where (try? scheme.compare(version, listed)) == 0 {
                return Outcome(affected: true, fixed: nil)
            }
        }
        return outcome
    }

    /// nil when not affected; else the fixed version ("" when none is known).
    static func evaluate(version: String, events: [OSVRecord.Event], scheme: VersionScheme) throws -> String? {
        try scheme.validate(version)
        struct Point { var version: String; var kind: Kind }
        enum Kind: Int { case introduced, fixed, lastAffected, limit }
        var points: [Point] = []
        for event in events {
            if let value = event.introduced { points.append(Point(version: value, kind: .introduced)) }
            if let value = event.fixed { points.append(Point(version: value, kind: .fixed)) }
            if let value = event.lastAffected { points.append(Point(version: value, kind: .lastAffected)) }
            if let value = event.limit { points.append(Point(version: value, kind: .limit)) }
        }
        for point in points where point.version != "0" && point.version != "*" { try scheme.validate(point.version) }
        func order(_ a: Point, _ b: Point) throws -> Bool {
            if a.version == b.version { return a.kind.rawValue < b.kind.rawValue }
            if a.version == "0" { return true }
            if b.version == "0" { return false }
            return try scheme.compare(a.version, b.version) < 0
        }
        // Insertion sort: `sort(by:)` cannot rethrow from a comparison, and the lists are short.
        var sorted: [Point] = []
        for point in points {
            var index = sorted.count
            while index > 0, try order(point, sorted[index - 1]) { index -= 1 }
            sorted.insert(point, at: index)
        }
        var affected = false
        for point in sorted {
            switch point.kind {
            case .introduced:
                if try point.version == "0" || scheme.compare(version, point.version) >= 0 { affected = true }
            case .fixed:
                if try scheme.compare(version, point.version) >= 0 { affected = false }
            case .lastAffected:
                if try scheme.compare(version, point.version) > 0 { affected = false }
            case .limit:
                if point.version != "*", try scheme.compare(version, point.version) >= 0 { affected = false }
            }
        }
        guard affected else { return nil }
        for point in sorted where point.kind == .fixed {
            if try scheme.compare(point.version, version) > 0 { return point.version }
        }
        return ""
    }
}
