/// An RPM `[epoch:]version[-release]` ("EVR"), ordered as by rpm.
///
/// Splitting follows rpm 4.18's `parseEVR()` (rpmio/rpmver.c): the epoch is the leading run of digits when it
/// is followed by `:` (an empty one counts as 0); the release is everything after the last `-`. Ordering follows
/// `rpmverCmp()`: epochs (missing = `0`), versions and releases are each compared with `rpmvercmp()` — runs of
/// ASCII letters or digits, everything else a separator; digit runs compare numerically and beat letter runs;
/// `~` sorts before everything, even the end of the string (pre-releases); `^` sorts after the end of the string
/// but before any further segment (post-releases / snapshots). A missing release sorts before any release,
/// as in `rpmverCmp` (so `1.0 < 1.0-1`).
///
/// rpm itself accepts almost any string; this type additionally rejects empty input, whitespace and control
/// characters, an empty version part and an empty release (`1.0-`), none of which rpmbuild would produce.
public struct RPMVersion: Comparable, Sendable, CustomStringConvertible {
    /// The epoch as written (digits, possibly empty), or nil when the string has none.
    public let epoch: String?
    /// The version part.
    public let version: String
    /// The release part, or nil when the string has no `-`.
    public let release: String?
    /// The input string.
    public let description: String

    /// Parses an EVR string; throws ``VersionError`` for the inputs listed in the type documentation.
    public init(_ string: String) throws {
        func fail(_ reason: String) -> VersionError { VersionError(scheme: .rpm, version: string, reason: reason) }
        let bytes = Array(string.utf8)
        guard !bytes.isEmpty else { throw fail("version string is empty") }
        if bytes.contains(where: { $0 < 0x21 || $0 == 0x7F }) {
            throw fail("whitespace or control character in version")
        }
        var digitsEnd = 0
        while digitsEnd < bytes.count, ASCII.isDigit(bytes[digitsEnd]) { digitsEnd += 1 }
        var versionStart = 0
        if digitsEnd < bytes.count, bytes[digitsEnd] == UInt8(ascii: ":") {
            epoch = digitsEnd == 0 ? "0" : ASCII.string(bytes[..<digitsEnd])
            versionStart = digitsEnd + 1
        } else {
            epoch = nil
        }
        var versionEnd = bytes.count
        if let hyphen = bytes[digitsEnd...].lastIndex(of: UInt8(ascii: "-")) {
            versionEnd = hyphen
            release = ASCII.string(bytes[(hyphen + 1)...])
            guard hyphen + 1 < bytes.count else { throw fail("release is empty") }
        } else {
            release = nil
        }
        guard versionStart < versionEnd else { throw fail("version part is empty") }
        version = ASCII.string(bytes[versionStart..<versionEnd])
        description = string
    }

    public static func < (lhs: RPMVersion, rhs: RPMVersion) -> Bool { compare(lhs, rhs) < 0 }
    public static func == (lhs: RPMVersion, rhs: RPMVersion) -> Bool { compare(lhs, rhs) == 0 }

    /// `rpmverCmp`: -1, 0 or 1.
    static func compare(_ lhs: RPMVersion, _ rhs: RPMVersion) -> Int {
        let epochs = rpmvercmp(lhs.epoch ?? "0", rhs.epoch ?? "0")
        if epochs != 0 { return epochs }
        let versions = rpmvercmp(lhs.version, rhs.version)
        if versions != 0 { return versions }
        switch (lhs.release, rhs.release) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let a?, let b?): return rpmvercmp(a, b)
        }
    }

    /// A transcription of rpm's `rpmvercmp()` (rpmio/rpmvercmp.c): -1, 0 or 1.
    public static func rpmvercmp(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        let one = Array(a.utf8)
        let two = Array(b.utf8)
        var i = 0
        var j = 0
        func at(_ s: [UInt8], _ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }
        let tilde = UInt8(ascii: "~")
        let caret = UInt8(ascii: "^")
        func isSeparator(_ c: UInt8) -> Bool { c != 0 && !ASCII.isAlnum(c) && c != tilde && c != caret }

        while at(one, i) != 0 || at(two, j) != 0 {
            while isSeparator(at(one, i)) { i += 1 }
            while isSeparator(at(two, j)) { j += 1 }

            // Tilde sorts before everything else.
            if at(one, i) == tilde || at(two, j) == tilde {
                if at(one, i) != tilde { return 1 }
                if at(two, j) != tilde { return -1 }
                i += 1
                j += 1
                continue
            }
            // Caret is like tilde, except that the end of a string sorts before it.
            if at(one, i) == caret || at(two, j) == caret {
                if at(one, i) == 0 { return -1 }
                if at(two, j) == 0 { return 1 }
                if at(one, i) != caret { return 1 }
                if at(two, j) != caret { return -1 }
                i += 1
                j += 1
                continue
            }
            if at(one, i) == 0 || at(two, j) == 0 { break }

            let isNumeric = ASCII.isDigit(at(one, i))
            let belongs: (UInt8) -> Bool = { isNumeric ? ASCII.isDigit($0) : ASCII.isAlpha($0) }
            var end1 = i
            var end2 = j
            while belongs(at(one, end1)) { end1 += 1 }
            while belongs(at(two, end2)) { end2 += 1 }
            // Different segment types: numeric segments are newer than alpha segments.
            if end2 == j { return isNumeric ? 1 : -1 }

            var start1 = i
            var start2 = j
            if isNumeric {
                while start1 < end1, one[start1] == UInt8(ascii: "0") { start1 += 1 }
                while start2 < end2, two[start2] == UInt8(ascii: "0") { start2 += 1 }
                let length1 = end1 - start1
                let length2 = end2 - start2
                if length1 != length2 { return length1 > length2 ? 1 : -1 }
            }
            let result = compareBytes(one[start1..<end1], two[start2..<end2])
            if result != 0 { return result }
            i = end1
            j = end2
        }
        if at(one, i) == 0 && at(two, j) == 0 { return 0 }
        return at(one, i) == 0 ? -1 : 1
    }
}
