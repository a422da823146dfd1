/// A Python package version per PEP 440 ("Version Identification and Dependency Specification"), parsed and
/// ordered exactly like `packaging.version.Version` (packaging 26).
///
/// Accepted forms are those of packaging's `VERSION_PATTERN`, matched case-insensitively with surrounding
/// whitespace ignored: optional leading `v`; `N!` epoch; release `N(.N)*`; pre-release `a`/`alpha`, `b`/`beta`,
/// `c`/`rc`/`pre`/`preview` with optional `.`/`-`/`_` separators and implicit number 0; post-release
/// `.postN`/`-rN`/`revN`/... or the implicit form `-N`; `.devN`; `+local` with `.`/`-`/`_` separated alphanumeric
/// segments. Numbers are unbounded, as Python integers are.
///
/// Ordering is packaging's `_cmpkey`: epoch, release with trailing zeros removed, then dev-only < a < b < rc <
/// final; then post; then dev (a `.devN` sorts before the same version without it); then local versions:
/// absent < present, segment-wise with strings before integers and shorter before longer.
public struct PEP440Version: Comparable, Sendable, CustomStringConvertible {
    /// Pre-release phase, normalised.
    public enum PreRelease: String, Sendable, Comparable {
        case alpha = "a"
        case beta = "b"
        case releaseCandidate = "rc"

        public static func < (lhs: PreRelease, rhs: PreRelease) -> Bool { lhs.rank < rhs.rank }
        var rank: Int { self == .alpha ? 0 : (self == .beta ? 1 : 2) }
    }

    /// A segment of a local version label.
    public enum LocalSegment: Sendable, Hashable, CustomStringConvertible {
        /// An all-digit segment (leading zeros removed); sorts after every text segment.
        case number(String)
        /// A lowercased alphanumeric segment.
        case text(String)

        public var description: String {
            switch self {
            case .number(let digits): digits
            case .text(let text): text
            }
        }
    }

    /// The input string.
    public let description: String
    /// The epoch (0 when absent), as decimal digits.
    public var epoch: String { epochValue.description }
    /// The release numbers as written (leading zeros removed).
    public var release: [String] { releaseValues.map(\.description) }
    /// The normalised pre-release phase and number, if any.
    public var preRelease: (phase: PreRelease, number: String)? { pre.map { ($0.phase, $0.number.description) } }
    /// The post-release number, if any.
    public var postRelease: String? { post?.description }
    /// The development-release number, if any.
    public var devRelease: String? { dev?.description }
    /// The local version label segments (lowercased), if any.
    public var local: [LocalSegment]? { localSegments }

    private let epochValue: DecimalDigits
    private let releaseValues: [DecimalDigits]
    private let pre: (phase: PreRelease, number: DecimalDigits)?
    private let post: DecimalDigits?
    private let dev: DecimalDigits?
    private let localSegments: [LocalSegment]?

    // packaging.version.VERSION_PATTERN, translated to ICU syntax; `(?a:...)` is replaced by requiring ASCII input.
    private static let pattern = Pattern(
        #"""
        ^ v?+
        (?:
            (?:(?<epoch>[0-9]+)!)?+
            (?<release>[0-9]+(?:\.[0-9]+)*+)
            (?<pre> [._-]?+ (?<prel>alpha|a|beta|b|preview|pre|c|rc) [._-]?+ (?<pren>[0-9]+)? )?+
            (?<post>
                (?:-(?<postn1>[0-9]+))
                |
                (?: [._-]? (?<postl>post|rev|r) [._-]? (?<postn2>[0-9]+)? )
            )?+
            (?<dev> [._-]?+ (?<devl>dev) [._-]?+ (?<devn>[0-9]+)? )?+
        )
        (?:\+ (?<local> [a-z0-9]+ (?:[._-][a-z0-9]+)*+ ) )?+
        \z
        """#,
        caseInsensitive: true,
        verbose: true
    )

    /// Parses a PEP 440 version; throws ``VersionError`` where packaging raises `InvalidVersion`.
    public init(_ string: String) throws {
        func fail(_ reason: String) -> VersionError { VersionError(scheme: .pep440, version: string, reason: reason) }
        description = string
        // packaging's fast path: only digits and dots.
        if string.utf8.allSatisfy({ ASCII.isDigit($0) || $0 == UInt8(ascii: ".") }) {
            let parts = string.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard !parts.contains(where: \.isEmpty) else { throw fail("empty release segment") }
            epochValue = .zero
            releaseValues = parts.map { DecimalDigits($0) }
            pre = nil
            post = nil
            dev = nil
            localSegments = nil
            return
        }
        let trimmed = Self.trimPythonWhitespace(string)
        guard trimmed.unicodeScalars.allSatisfy(\.isASCII) else { throw fail("non-ASCII character") }
        guard let groups = Self.pattern.captures(in: trimmed) else { throw fail(Self.diagnose(trimmed)) }
        // Group numbers follow the order of the opening parentheses of the named groups above.
        func group(_ index: Int) -> String? { index < groups.count ? groups[index] : nil }
        func number(_ text: String?) -> DecimalDigits { text.flatMap { DecimalDigits($0) } ?? .zero }

        epochValue = number(group(1))
        releaseValues = (group(2) ?? "0").utf8.split(separator: UInt8(ascii: ".")).map { DecimalDigits($0) }
        if let letter = group(4) {
            let phase: PreRelease =
                switch letter.lowercased() {
                case "a", "alpha": .alpha
                case "b", "beta": .beta
                default: .releaseCandidate
                }
            pre = (phase, number(group(5)))
        } else {
            pre = nil
        }
        if group(8) != nil {
            post = number(group(9))
        } else if let implicit = group(7) {
            post = number(implicit)
        } else {
            post = nil
        }
        dev = group(11) != nil ? number(group(12)) : nil
        localSegments = group(13).map { label in
            label.lowercased().split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "_" }).map { part in
                part.allSatisfy(\.isASCIIDigit) ? .number(DecimalDigits(part.utf8).description) : .text(String(part))
            }
        }
    }

    /// Python's `str.strip()`/`\s` whitespace set (Unicode White_Space plus U+001C...U+001F, minus U+180E).
    private static func trimPythonWhitespace(_ string: String) -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
                true
            default:
                false
            }
        }
        return trimScalars(string, where: isSpace)
    }

    /// A best-effort explanation of why `text` does not match the grammar.
    private static func diagnose(_ text: String) -> String {
        if text.isEmpty { return "empty version" }
        if text.contains("..") || text.hasPrefix(".") { return "empty release segment" }
        if text.contains("+") && text.hasSuffix("+") { return "empty local version label" }
        if text.utf8.contains(where: { $0 < 0x21 }) { return "embedded whitespace or control character" }
        return "does not match the PEP 440 version grammar"
    }

    // MARK: Ordering (packaging's _cmpkey)

    private var trimmedRelease: ArraySlice<DecimalDigits> {
        var end = releaseValues.count
        while end > 0, releaseValues[end - 1].isZero { end -= 1 }
        return releaseValues[..<end]
    }

    /// `(pre_rank, pre_n, post_rank, post_n, dev_rank, dev_n)`.
    private var suffixKey: (Int, DecimalDigits, Int, DecimalDigits, Int, DecimalDigits) {
        let preRank: Int
        let preNumber: DecimalDigits
        if let pre {
            (preRank, preNumber) = (pre.phase.rank, pre.number)
        } else if post == nil && dev != nil {
            (preRank, preNumber) = (-1, .zero)
        } else {
            (preRank, preNumber) = (3, .zero)
        }
        return (preRank, preNumber, post == nil ? 0 : 1, post ?? .zero, dev == nil ? 1 : 0, dev ?? .zero)
    }

    static func compare(_ lhs: PEP440Version, _ rhs: PEP440Version) -> Int {
        var result = DecimalDigits.compare(lhs.epochValue, rhs.epochValue)
        if result != 0 { return result }
        result = compareSequences(lhs.trimmedRelease, rhs.trimmedRelease, DecimalDigits.compare)
        if result != 0 { return result }
        let (a, b) = (lhs.suffixKey, rhs.suffixKey)
        for step in [
            compareInts(a.0, b.0), DecimalDigits.compare(a.1, b.1), compareInts(a.2, b.2),
            DecimalDigits.compare(a.3, b.3), compareInts(a.4, b.4), DecimalDigits.compare(a.5, b.5),
        ] where step != 0 {
            return step
        }
        switch (lhs.localSegments, rhs.localSegments) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let x?, let y?): return compareSequences(x[...], y[...], compareLocal)
        }
    }

    private static func compareInts(_ a: Int, _ b: Int) -> Int { a == b ? 0 : (a < b ? -1 : 1) }

    /// Strings sort before numbers; strings compare by code point, numbers numerically.
    private static func compareLocal(_ a: LocalSegment, _ b: LocalSegment) -> Int {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            DecimalDigits.compare(DecimalDigits(x.utf8), DecimalDigits(y.utf8))
        case (.text, .number): -1
        case (.number, .text): 1
        case (.text(let x), .text(let y)): compareGeneric(x.unicodeScalars, y.unicodeScalars)
        }
    }

    /// Tuple-style comparison: element-wise, then the shorter sequence first.
    private static func compareSequences<T>(_ a: ArraySlice<T>, _ b: ArraySlice<T>, _ cmp: (T, T) -> Int) -> Int {
        for (x, y) in zip(a, b) {
            let result = cmp(x, y)
            if result != 0 { return result }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    public static func < (lhs: PEP440Version, rhs: PEP440Version) -> Bool { compare(lhs, rhs) < 0 }
    public static func == (lhs: PEP440Version, rhs: PEP440Version) -> Bool { compare(lhs, rhs) == 0 }
}
