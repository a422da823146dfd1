import Foundation

// Internal helpers shared by the scheme implementations: ASCII classification that mirrors the C locale
// (`isdigit`, `isalpha`, ...), arbitrary-precision decimal comparison and a Sendable regex wrapper.

enum ASCII {
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isLower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
    static func isUpper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
    static func isAlpha(_ c: UInt8) -> Bool { isLower(c) || isUpper(c) }
    static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) }
    /// C `isspace` in the "C" locale: space, \t, \n, \v, \f, \r.
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
    /// dpkg's `c_isblank`: space and tab only.
    static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
    static func lower(_ c: UInt8) -> UInt8 { isUpper(c) ? c + 0x20 : c }

    static func string(_ bytes: some Sequence<UInt8>) -> String { String(decoding: Array(bytes), as: UTF8.self) }

    /// Strips bytes matching `predicate` from both ends.
    static func trim(_ bytes: [UInt8], where predicate: (UInt8) -> Bool) -> [UInt8] {
        guard let first = bytes.firstIndex(where: { !predicate($0) }),
            let last = bytes.lastIndex(where: { !predicate($0) })
        else { return [] }
        return Array(bytes[first...last])
    }
}

extension Character {
    /// `0`...`9` only.
    var isASCIIDigit: Bool { asciiValue.map(ASCII.isDigit) ?? false }
}

/// A non-negative integer of unbounded size, stored as its decimal digits without leading zeros.
/// Comparison is numeric, which is what every scheme means by "compare numerically" once overflow is ignored.
struct DecimalDigits: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// ASCII digits, no leading zeros; zero is the empty array.
    let digits: [UInt8]

    init(_ ascii: some Collection<UInt8>) {
        digits = Array(ascii.drop(while: { $0 == 0x30 }))
    }

    init?(_ string: String) {
        let bytes = Array(string.utf8)
        guard !bytes.isEmpty, bytes.allSatisfy(ASCII.isDigit) else { return nil }
        self.init(bytes)
    }

    static let zero = DecimalDigits([UInt8]())

    var isZero: Bool { digits.isEmpty }
    var description: String { digits.isEmpty ? "0" : ASCII.string(digits) }

    static func < (lhs: DecimalDigits, rhs: DecimalDigits) -> Bool {
        compare(lhs, rhs) < 0
    }

    static func compare(_ lhs: DecimalDigits, _ rhs: DecimalDigits) -> Int {
        if lhs.digits.count != rhs.digits.count { return lhs.digits.count < rhs.digits.count ? -1 : 1 }
        return compareBytes(lhs.digits, rhs.digits)
    }
}

/// `memcmp`-style comparison followed by length, i.e. plain byte-wise lexicographic order, as -1/0/1.
func compareBytes(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Int {
    compareGeneric(a, b)
}

/// Lexicographic comparison of UTF-16 code units (Java's `String.compareTo`, JavaScript's `<`), as -1/0/1.
func compareUTF16(_ a: String, _ b: String) -> Int {
    compareGeneric(a.utf16, b.utf16)
}

/// Element-wise lexicographic order, a shorter prefix first, as -1/0/1.
func compareGeneric<A: Collection, B: Collection>(_ a: A, _ b: B) -> Int where A.Element == B.Element, A.Element: Comparable {
    var ia = a.makeIterator()
    var ib = b.makeIterator()
    while true {
        switch (ia.next(), ib.next()) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let x?, let y?) where x != y: return x < y ? -1 : 1
        default: continue
        }
    }
}

func sign(_ value: Int) -> Int { value < 0 ? -1 : (value > 0 ? 1 : 0) }

/// An `NSRegularExpression` that is only ever used for matching, which is thread-safe.
struct Pattern: @unchecked Sendable {
    private let regex: NSRegularExpression

    /// Compiles `pattern` (ICU syntax); the pattern is a compile-time constant, so failure is a programming error.
    init(_ pattern: String, caseInsensitive: Bool = false, verbose: Bool = false) {
        var options: NSRegularExpression.Options = []
        if caseInsensitive { options.insert(.caseInsensitive) }
        if verbose { options.insert(.allowCommentsAndWhitespace) }
        do {
            regex = try NSRegularExpression(pattern: pattern, options: options)
        } catch {
            fatalError("invalid built-in pattern \(pattern): \(error)")
        }
    }

    /// Matches the whole of `string` (the pattern must anchor itself) and returns the capture groups;
    /// `nil` entries are groups that did not participate.
    func captures(in string: String) -> [String?]? {
        let ns = string as NSString
        guard let match = regex.firstMatch(in: string, options: [], range: NSRange(location: 0, length: ns.length))
        else { return nil }
        return (0..<match.numberOfRanges).map { index in
            let range = match.range(at: index)
            return range.location == NSNotFound ? nil : ns.substring(with: range)
        }
    }

    func matches(_ string: String) -> Bool { captures(in: string) != nil }
}

/// `string` without the leading and trailing scalars `isSpace` accepts (each ecosystem's tool trims its own set).
func trimScalars(_ string: String, where isSpace: (Unicode.Scalar) -> Bool) -> String {
    let scalars = string.unicodeScalars
    guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else {
        return ""
    }
    return String(scalars[first...last])
}
