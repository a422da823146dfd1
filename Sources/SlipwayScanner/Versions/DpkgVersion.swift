/// A Debian package version, `[epoch:]upstream_version[-debian_revision]`, ordered as by
/// `dpkg --compare-versions`.
///
/// Implements deb-version(7) / Debian Policy §5.6.12 following dpkg 1.21's `parseversion()`
/// (lib/dpkg/parsehelp.c) and `verrevcmp()` (lib/dpkg/version.c):
///
/// - Leading and trailing blanks are ignored; an empty string, embedded blanks, a missing, non-numeric,
///   negative or larger-than-`INT_MAX` epoch, an empty upstream version and an empty revision are errors
///   (dpkg refuses these too).
/// - An upstream version that does not start with a digit is accepted: dpkg only warns about it.
/// - Characters outside `[A-Za-z0-9.+~-:]` (upstream) or `[A-Za-z0-9.+~]` (revision) are rejected. dpkg only
///   *warns* about them and compares anyway; a scanner is better off refusing such input. (dpkg skips this check
///   when the upstream version does not start with a digit; this type does not.)
/// - Comparison: epochs numerically, then upstream and revision with `verrevcmp`: alternating non-digit and
///   digit runs; in non-digit runs `~` sorts before everything (even the end of the string), letters sort before
///   non-letters; digit runs compare numerically. An absent revision equals `"0"`.
public struct DpkgVersion: Comparable, Sendable, CustomStringConvertible {
    /// The epoch; 0 when absent.
    public let epoch: Int
    /// The upstream version (between the epoch colon and the last hyphen).
    public let upstream: String
    /// The Debian revision (after the last hyphen); empty when absent.
    public let revision: String
    /// The input with surrounding blanks removed.
    public let description: String

    private let upstreamBytes: [UInt8]
    private let revisionBytes: [UInt8]

    /// Parses a Debian version; throws ``VersionError`` for strings dpkg rejects (see the type documentation).
    public init(_ string: String) throws {
        func fail(_ reason: String) -> VersionError { VersionError(scheme: .dpkg, version: string, reason: reason) }
        let bytes = ASCII.trim(Array(string.utf8), where: ASCII.isBlank)
        guard !bytes.isEmpty else { throw fail("version string is empty") }
        guard !bytes.contains(where: ASCII.isBlank) else { throw fail("version string has embedded spaces") }

        var rest = bytes[...]
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            epoch = try Self.parseEpoch(bytes[..<colon], fail: fail)
            rest = bytes[(colon + 1)...]
            guard !rest.isEmpty else { throw fail("nothing after colon in version number") }
        } else {
            epoch = 0
        }

        var upstream = rest
        var revision = rest[rest.endIndex...]
        if let hyphen = rest.lastIndex(of: UInt8(ascii: "-")) {
            upstream = rest[..<hyphen]
            revision = rest[(hyphen + 1)...]
            guard !revision.isEmpty else { throw fail("revision number is empty") }
        }
        guard !upstream.isEmpty else { throw fail("version number is empty") }
        for c in upstream where !(ASCII.isAlnum(c) || Self.upstreamPunctuation.contains(c)) {
            throw fail("invalid character in version number")
        }
        for c in revision where !(ASCII.isAlnum(c) || Self.revisionPunctuation.contains(c)) {
            throw fail("invalid character in revision number")
        }

        upstreamBytes = Array(upstream)
        revisionBytes = Array(revision)
        self.upstream = ASCII.string(upstream)
        self.revision = ASCII.string(revision)
        description = ASCII.string(bytes)
    }

    private static let upstreamPunctuation: Set<UInt8> = Set(".-+~:".utf8)
    private static let revisionPunctuation: Set<UInt8> = Set(".+~".utf8)

    /// `strtol(string, &end, 10)` followed by dpkg's checks; `field` is everything before the first colon.
    private static func parseEpoch(
        _ field: ArraySlice<UInt8>, fail: (String) -> VersionError
    ) throws -> Int {
        var index = field.startIndex
        while index < field.endIndex, ASCII.isSpace(field[index]) { index += 1 }
        var negative = false
        if index < field.endIndex, field[index] == UInt8(ascii: "+") || field[index] == UInt8(ascii: "-") {
            negative = field[index] == UInt8(ascii: "-")
            index += 1
        }
        let digitsStart = index
        while index < field.endIndex, ASCII.isDigit(field[index]) { index += 1 }
        // strtol consumed nothing: `string == eepochcolon`.
        guard index > digitsStart else { throw fail("epoch in version is empty") }
        guard index == field.endIndex else { throw fail("epoch in version is not number") }
        let value = DecimalDigits(field[digitsStart..<index])
        if negative && !value.isZero { throw fail("epoch in version is negative") }
        guard value <= DecimalDigits(Array(String(Int32.max).utf8)), let epoch = Int(value.description) else {
            throw fail("epoch in version is too big")
        }
        return epoch
    }

    public static func < (lhs: DpkgVersion, rhs: DpkgVersion) -> Bool {
        compare(lhs, rhs) < 0
    }

    public static func == (lhs: DpkgVersion, rhs: DpkgVersion) -> Bool {
        compare(lhs, rhs) == 0
    }

    /// `dpkg_version_compare`: -1, 0 or 1.
    static func compare(_ lhs: DpkgVersion, _ rhs: DpkgVersion) -> Int {
        if lhs.epoch != rhs.epoch { return lhs.epoch < rhs.epoch ? -1 : 1 }
        let upstream = verrevcmp(lhs.upstreamBytes, rhs.upstreamBytes)
        if upstream != 0 { return sign(upstream) }
        return sign(verrevcmp(lhs.revisionBytes, rhs.revisionBytes))
    }

    /// dpkg's character weight for the non-digit parts.
    private static func order(_ c: UInt8) -> Int {
        if ASCII.isDigit(c) { return 0 }
        if ASCII.isAlpha(c) { return Int(c) }
        if c == UInt8(ascii: "~") { return -1 }
        if c != 0 { return Int(c) + 256 }
        return 0
    }

    /// A transcription of dpkg's `verrevcmp`; a byte value of 0 stands for the end of the string.
    static func verrevcmp(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0
        var j = 0
        func at(_ s: [UInt8], _ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }
        while at(a, i) != 0 || at(b, j) != 0 {
            var firstDiff = 0
            while (at(a, i) != 0 && !ASCII.isDigit(at(a, i))) || (at(b, j) != 0 && !ASCII.isDigit(at(b, j))) {
                let ac = order(at(a, i))
                let bc = order(at(b, j))
                if ac != bc { return ac - bc }
                i += 1
                j += 1
            }
            while at(a, i) == UInt8(ascii: "0") { i += 1 }
            while at(b, j) == UInt8(ascii: "0") { j += 1 }
            while ASCII.isDigit(at(a, i)) && ASCII.isDigit(at(b, j)) {
                if firstDiff == 0 { firstDiff = Int(at(a, i)) - Int(at(b, j)) }
                i += 1
                j += 1
            }
            if ASCII.isDigit(at(a, i)) { return 1 }
            if ASCII.isDigit(at(b, j)) { return -1 }
            if firstDiff != 0 { return firstDiff }
        }
        return 0
    }
}
