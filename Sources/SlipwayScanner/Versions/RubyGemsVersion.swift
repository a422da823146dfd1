/// A RubyGems version, parsed and ordered like `Gem::Version` (rubygems 3.x).
///
/// - Valid strings match `Gem::Version::ANCHORED_VERSION_PATTERN`:
///   `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?` with surrounding whitespace ignored.
///   RubyGems reads an empty string as `0`; this type rejects it, since an empty version is never meaningful in
///   an advisory.
/// - `-` is rewritten to `.pre.`; segments are the runs of digits (integers) and of letters (strings).
///   Any letter makes the version a prerelease.
/// - Comparison uses the canonical segments: trailing zeros are dropped from the leading numeric part and from
///   the part starting at the first string segment (`1.0 == 1`, `1.0.a == 1.a`); then segment by segment, a
///   missing segment counting as 0, a string before any number (`1.a < 1 < 1.0.1`), strings by byte order,
///   numbers numerically.
public struct RubyGemsVersion: Comparable, Sendable, CustomStringConvertible {
    /// A version segment.
    public enum Segment: Sendable, Hashable, CustomStringConvertible {
        /// A run of digits (leading zeros removed).
        case number(String)
        /// A run of ASCII letters.
        case string(String)

        public var description: String {
            switch self {
            case .number(let digits): digits
            case .string(let text): text
            }
        }
    }

    /// The input string.
    public let description: String
    /// `Gem::Version#version`: the stripped input with `-` replaced by `.pre.`.
    public let version: String
    /// `Gem::Version#segments`.
    public let segments: [Segment]
    /// `Gem::Version#canonical_segments`.
    public let canonicalSegments: [Segment]

    /// Whether the version contains a letter (`Gem::Version#prerelease?`).
    public var isPrerelease: Bool { version.utf8.contains(where: ASCII.isAlpha) }

    /// Parses a gem version; throws ``VersionError`` where `Gem::Version.correct?` is false, and for empty input.
    public init(_ string: String) throws {
        func fail(_ reason: String) -> VersionError {
            VersionError(scheme: .rubygems, version: string, reason: reason)
        }
        // Ruby's \s: space, \t, \n, \v, \f, \r.
        let bytes = ASCII.trim(Array(string.utf8), where: ASCII.isSpace)
        guard !bytes.isEmpty else { throw fail("version string is empty") }
        guard Self.matchesPattern(bytes) else { throw fail("Malformed version number string") }
        description = string
        version = ASCII.string(bytes).replacingOccurrences(of: "-", with: ".pre.")

        var segments: [Segment] = []
        var index = version.utf8.startIndex
        let utf8 = version.utf8
        while index < utf8.endIndex {
            let c = utf8[index]
            guard ASCII.isAlnum(c) else {
                index = utf8.index(after: index)
                continue
            }
            let numeric = ASCII.isDigit(c)
            let belongs: (UInt8) -> Bool = { numeric ? ASCII.isDigit($0) : ASCII.isAlpha($0) }
            let end = utf8[index...].firstIndex(where: { !belongs($0) }) ?? utf8.endIndex
            let run = utf8[index..<end]
            segments.append(ASCII.isDigit(c) ? .number(DecimalDigits(run).description) : .string(ASCII.string(run)))
            index = end
        }
        self.segments = segments

        let firstString = segments.firstIndex(where: { if case .string = $0 { true } else { false } })
        let numeric = segments[..<(firstString ?? segments.count)]
        let rest = segments[(firstString ?? segments.count)...]
        canonicalSegments = Self.dropTrailingZeros(numeric) + Self.dropTrailingZeros(rest)
    }

    /// `[0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?` over the whole (stripped) input.
    private static func matchesPattern(_ bytes: [UInt8]) -> Bool {
        var index = 0
        func run(_ allowed: (UInt8) -> Bool) -> Bool {
            let start = index
            while index < bytes.count, allowed(bytes[index]) { index += 1 }
            return index > start
        }
        let dash = UInt8(ascii: "-")
        let dot = UInt8(ascii: ".")
        guard run(ASCII.isDigit) else { return false }
        while index < bytes.count, bytes[index] == dot {
            index += 1
            guard run(ASCII.isAlnum) else { return false }
        }
        guard index < bytes.count else { return true }
        guard bytes[index] == dash else { return false }
        index += 1
        let identifier: (UInt8) -> Bool = { ASCII.isAlnum($0) || $0 == dash }
        guard run(identifier) else { return false }
        while index < bytes.count, bytes[index] == dot {
            index += 1
            guard run(identifier) else { return false }
        }
        return index == bytes.count
    }

    private static func dropTrailingZeros(_ segments: ArraySlice<Segment>) -> [Segment] {
        var end = segments.endIndex
        while end > segments.startIndex, segments[end - 1] == .number("0") { end -= 1 }
        return Array(segments[segments.startIndex..<end])
    }

    /// `Gem::Version#<=>`: -1, 0 or 1.
    static func compare(_ lhs: RubyGemsVersion, _ rhs: RubyGemsVersion) -> Int {
        if lhs.version == rhs.version || lhs.canonicalSegments == rhs.canonicalSegments { return 0 }
        let (a, b) = (lhs.canonicalSegments, rhs.canonicalSegments)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : .number("0")
            let y = index < b.count ? b[index] : .number("0")
            if x == y { continue }
            switch (x, y) {
            case (.string, .number): return -1
            case (.number, .string): return 1
            case (.number(let p), .number(let q)):
                return DecimalDigits.compare(DecimalDigits(p.utf8), DecimalDigits(q.utf8))
            case (.string(let p), .string(let q)): return compareBytes(p.utf8, q.utf8)
            }
        }
        return 0
    }

    public static func < (lhs: RubyGemsVersion, rhs: RubyGemsVersion) -> Bool { compare(lhs, rhs) < 0 }
    public static func == (lhs: RubyGemsVersion, rhs: RubyGemsVersion) -> Bool { compare(lhs, rhs) == 0 }
}
