/// An Alpine package version, `digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}`, ordered as by apk-tools.
///
/// A transcription of apk-tools' `src/version.c` (2.14 / 3.x: `token_first`, `token_next`, `token_cmp`,
/// `apk_version_compare_fuzzy` without fuzziness) and `apk_version_validate`:
///
/// - Tokens: an initial number; `.number` parts; one lowercase letter after a number; `_suffix` with an
///   optional number, where the suffix is one of `alpha`, `beta`, `pre`, `rc` (sort before the release) or
///   `cvs`, `svn`, `git`, `hg`, `p` (sort after it); `~` followed by a lowercase hex commit hash; `-r` and a
///   revision number. Anything else, or tokens out of this order, makes the version invalid.
/// - Numbers compare numerically (as wrapping 64-bit integers, like apk), except that a `.number` part with a
///   leading zero on either side compares as a string (Gentoo rule: `1.05 < 1.5`, `1.0 < 1.00`, `1.010 > 1.01`).
/// - When one version runs out of tokens first, it is the *greater* one if the other continues with a
///   pre-release suffix, otherwise the smaller; between two different token kinds the later kind in the list
///   above sorts lower (`1.0_p1 < 1.0.1`, `1.0a < 1.0.1`).
public struct APKVersion: Comparable, Sendable, CustomStringConvertible {
    /// The version string as given.
    public let description: String
    private let tokens: [Token]

    /// Parses an apk version; throws ``VersionError`` where `apk_version_validate` fails.
    public init(_ string: String) throws {
        func fail(_ reason: String) -> VersionError { VersionError(scheme: .apk, version: string, reason: reason) }
        let bytes = Array(string.utf8)
        guard !bytes.isEmpty else { throw fail("version string is empty") }
        var tokens: [Token] = []
        var index = 0
        var token = Token(kind: .initialDigit)
        Self.parseDigits(&token, bytes, &index)
        guard !token.value.isEmpty else { throw fail("version must start with a digit") }
        tokens.append(token)
        while index < bytes.count {
            token = try Self.next(after: token.kind, bytes, &index, fail: fail)
            tokens.append(token)
        }
        self.tokens = tokens
        description = string
    }

    /// apk-tools' token kinds, in the order that decides precedence between different kinds.
    enum Kind: Int, Comparable {
        case initialDigit, digit, letter, suffix, suffixNumber, commitHash, revision, end

        static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Suffix values; `none` is the pivot between pre-release and post-release suffixes.
    enum Suffix: Int {
        case alpha = 1
        case beta, pre, rc, none, cvs, svn, git, hg, p

        init?(_ name: ArraySlice<UInt8>) {
            switch ASCII.string(name) {
            case "alpha": self = .alpha
            case "beta": self = .beta
            case "pre": self = .pre
            case "rc": self = .rc
            case "cvs": self = .cvs
            case "svn": self = .svn
            case "git": self = .git
            case "hg": self = .hg
            case "p": self = .p
            default: return nil
            }
        }
    }

    struct Token: Sendable {
        var kind: Kind
        var suffix: Suffix = .none
        var number: UInt64 = 0
        var value: ArraySlice<UInt8> = []
    }

    private static let end = Token(kind: .end)

    /// `token_parse_digits`: `apk_blob_pull_uint(b, 10)` (wrapping) plus the raw digits.
    private static func parseDigits(_ token: inout Token, _ bytes: [UInt8], _ index: inout Int) {
        let start = index
        var number: UInt64 = 0
        while index < bytes.count, ASCII.isDigit(bytes[index]) {
            number = number &* 10 &+ UInt64(bytes[index] - 0x30)
            index += 1
        }
        token.number = number
        token.value = bytes[start..<index]
    }

    /// `token_next`, with `TOKEN_INVALID` turned into an error.
    private static func next(
        after previous: Kind, _ bytes: [UInt8], _ index: inout Int, fail: (String) -> VersionError
    ) throws -> Token {
        let c = bytes[index]
        var token = Token(kind: previous)
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"):
            guard previous <= .digit else { throw fail("unexpected letter '\(Character(UnicodeScalar(c)))'") }
            token.kind = .letter
            token.value = bytes[index...index]
            index += 1
        case UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if c == UInt8(ascii: ".") {
                guard previous <= .digit else { throw fail("unexpected '.'") }
                index += 1
            }
            switch previous {
            case .initialDigit, .digit: token.kind = .digit
            case .suffix: token.kind = .suffixNumber
            default: throw fail("unexpected digit")
            }
            parseDigits(&token, bytes, &index)
            guard !token.value.isEmpty else { throw fail("'.' must be followed by a number") }
        case UInt8(ascii: "_"):
            guard previous <= .suffixNumber else { throw fail("unexpected '_'") }
            index += 1
            let start = index
            while index < bytes.count, ASCII.isLower(bytes[index]) { index += 1 }
            guard let suffix = Suffix(bytes[start..<index]) else {
                throw fail("unknown suffix '_\(ASCII.string(bytes[start..<index]))'")
            }
            token.kind = .suffix
            token.suffix = suffix
            token.value = bytes[start..<index]
        case UInt8(ascii: "~"):
            guard previous < .commitHash else { throw fail("unexpected '~'") }
            index += 1
            let start = index
            while index < bytes.count, isHexDigit(bytes[index]) { index += 1 }
            guard index > start else { throw fail("'~' must be followed by a lowercase hex commit hash") }
            token.kind = .commitHash
            token.value = bytes[start..<index]
        case UInt8(ascii: "-"):
            guard previous < .revision else { throw fail("unexpected '-'") }
            guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "r") else {
                throw fail("'-' must start a '-r<number>' revision")
            }
            index += 2
            token.kind = .revision
            parseDigits(&token, bytes, &index)
            guard !token.value.isEmpty else { throw fail("'-r' must be followed by a number") }
        default:
            throw fail("invalid character '\(ASCII.string([c]))'")
        }
        return token
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        ASCII.isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
    }

    /// `token_cmp` for two tokens of the same kind.
    private static func compareTokens(_ a: Token, _ b: Token) -> Int {
        switch a.kind {
        case .digit where a.value.first == UInt8(ascii: "0") || b.value.first == UInt8(ascii: "0"):
            return compareBytes(a.value, b.value)
        case .digit, .initialDigit, .suffixNumber, .revision:
            return a.number == b.number ? 0 : (a.number < b.number ? -1 : 1)
        case .letter:
            return compareBytes(a.value, b.value)
        case .suffix:
            return a.suffix == b.suffix ? 0 : (a.suffix.rawValue < b.suffix.rawValue ? -1 : 1)
        case .commitHash, .end:
            return compareBytes(a.value, b.value)
        }
    }

    /// `apk_version_compare`: -1, 0 or 1.
    static func compare(_ lhs: APKVersion, _ rhs: APKVersion) -> Int {
        var index = 0
        var a = lhs.tokens.first ?? end
        var b = rhs.tokens.first ?? end
        while a.kind == b.kind && a.kind < .end {
            let result = compareTokens(a, b)
            if result != 0 { return result }
            index += 1
            a = index < lhs.tokens.count ? lhs.tokens[index] : end
            b = index < rhs.tokens.count ? rhs.tokens[index] : end
        }
        if a.kind == b.kind { return 0 }
        if a.kind == .suffix && a.suffix.rawValue < Suffix.none.rawValue { return -1 }
        if b.kind == .suffix && b.suffix.rawValue < Suffix.none.rawValue { return 1 }
        return a.kind > b.kind ? -1 : 1
    }

    public static func < (lhs: APKVersion, rhs: APKVersion) -> Bool { compare(lhs, rhs) < 0 }
    public static func == (lhs: APKVersion, rhs: APKVersion) -> Bool { compare(lhs, rhs) == 0 }
}
