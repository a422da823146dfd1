/// A Maven version, parsed and ordered like `org.apache.maven.artifact.versioning.ComparableVersion`
/// (maven-artifact 3.9), which implements the POM reference's "Version Order Specification".
///
/// - The lowercased string is split into items at `.`, at `-` and at digit/letter transitions; `-` and a
///   transition open a nested list (`1-1.foo-bar1baz-.1` → `1-1.foo-bar-1-baz-0.1`); empty items are `0`.
/// - Numbers compare numerically (beyond 64 bits too); qualifiers compare as `alpha` < `beta` < `milestone` <
///   `rc` = `cr` < `snapshot` < `""` = `ga` = `final` = `release` < `sp` < any other qualifier (those in lexical
///   order); `a`, `b` and `m` immediately followed by a digit mean `alpha`, `beta` and `milestone`.
/// - Trailing "null" items (`0`, `""`, `ga`, `final`, `release`, empty lists) are trimmed from every list, so
///   `1.0.0 == 1 == 1-ga`.
/// - Between different kinds of item: number > list > qualifier (`1.1 > 1-1 > 1-sp`); padding with "nothing"
///   makes `1-rc < 1 < 1-sp` and `1.0.1 > 1`.
///
/// `ComparableVersion` accepts every string; this type rejects empty strings and strings containing whitespace
/// or control characters, which are never meaningful Maven versions.
public struct MavenVersion: Comparable, Sendable, CustomStringConvertible {
    /// The input string.
    public let description: String
    private let items: [Item]

    /// Parses a Maven version; throws ``VersionError`` only for empty strings and whitespace/control characters.
    public init(_ string: String) throws {
        func fail(_ reason: String) -> VersionError { VersionError(scheme: .maven, version: string, reason: reason) }
        guard !string.isEmpty else { throw fail("version string is empty") }
        if string.unicodeScalars.contains(where: {
            $0.properties.isWhitespace || $0.properties.generalCategory == .control
        }) {
            throw fail("whitespace or control character in version")
        }
        description = string
        items = Parser(string.lowercased()).parse()
    }

    /// The canonical form (`ComparableVersion.getCanonical()`).
    public var canonical: String { Item.list(items).description }

    /// `ComparableVersion.compareTo`: -1, 0 or 1.
    static func compare(_ lhs: MavenVersion, _ rhs: MavenVersion) -> Int {
        Item.list(lhs.items).compare(to: .list(rhs.items))
    }

    public static func < (lhs: MavenVersion, rhs: MavenVersion) -> Bool { compare(lhs, rhs) < 0 }
    public static func == (lhs: MavenVersion, rhs: MavenVersion) -> Bool { compare(lhs, rhs) == 0 }

    /// `IntItem` / `LongItem` / `BigIntegerItem`: maven picks the class by digit count, and items of different
    /// classes compare by class (int < long < big integer) without looking at the value.
    enum NumberKind: Int, Sendable { case int, long, bigInteger }

    indirect enum Item: Sendable, CustomStringConvertible {
        case number(NumberKind, DecimalDigits)
        case string(String)
        case list([Item])

        var isNull: Bool {
            switch self {
            case .number(_, let value): value.isZero
            case .string(let value): value.isEmpty
            case .list(let items): items.isEmpty
            }
        }

        var description: String {
            switch self {
            case .number(_, let value): value.description
            case .string(let value): value
            case .list(let items):
                items.enumerated().map { index, item in
                    if index == 0 { return item.description }
                    if case .list = item { return "-" + item.description }
                    return "." + item.description
                }.joined()
            }
        }

        private static let qualifiers = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"]
        private static let releaseIndex = 5

        /// `StringItem.comparableQualifier` split into (rank, lexical tail): known qualifiers by their index,
        /// unknown ones after all known ones and lexically among themselves.
        private static func qualifierKey(_ value: String) -> (Int, String) {
            if let index = qualifiers.firstIndex(of: value) { return (index, "") }
            return (qualifiers.count, value)
        }

        private static func compareQualifiers(_ a: String, _ b: String) -> Int {
            let (x, y) = (qualifierKey(a), qualifierKey(b))
            if x.0 != y.0 { return x.0 < y.0 ? -1 : 1 }
            return compareUTF16(x.1, y.1)
        }

        /// `Item.compareTo(null)`: comparison against "nothing" (padding).
        var compareToNothing: Int {
            switch self {
            case .number(_, let value): return value.isZero ? 0 : 1
            case .string(let value): return Self.compareQualifiers(value, "")
            case .list(let items):
                for item in items {
                    let result = item.compareToNothing
                    if result != 0 { return result }
                }
                return 0
            }
        }

        func compare(to other: Item) -> Int {
            switch (self, other) {
            case (.number(let k1, let v1), .number(let k2, let v2)):
                if k1 != k2 { return k1.rawValue < k2.rawValue ? -1 : 1 }
                return DecimalDigits.compare(v1, v2)
            case (.number, _): return 1
            case (.string, .number): return -1
            case (.string(let a), .string(let b)): return Self.compareQualifiers(a, b)
            case (.string, .list): return -1
            case (.list, .number): return -1
            case (.list, .string): return 1
            case (.list(let left), .list(let right)):
                for index in 0..<max(left.count, right.count) {
                    let result: Int
                    switch (index < left.count ? left[index] : nil, index < right.count ? right[index] : nil) {
                    case (let l?, let r?): result = l.compare(to: r)
                    case (let l?, nil): result = l.compareToNothing
                    case (nil, let r?): result = -r.compareToNothing
                    case (nil, nil): result = 0
                    }
                    if result != 0 { return result }
                }
                return 0
            }
        }
    }

    /// `ComparableVersion.parseVersion`, building the same nested lists with reference semantics first.
    private struct Parser {
        final class ListNode {
            var items: [Node] = []
        }

        enum Node {
            case item(Item)
            case list(ListNode)

            var isNull: Bool {
                switch self {
                case .item(let item): item.isNull
                case .list(let node): node.items.isEmpty
                }
            }
        }

        let units: [UInt16]

        init(_ lowercased: String) { units = Array(lowercased.utf16) }

        func parse() -> [Item] {
            let root = ListNode()
            var list = root
            var stack = [root]
            var isDigit = false
            var startIndex = 0

            func push(_ node: ListNode) {
                list.items.append(.list(node))
                list = node
                stack.append(node)
            }

            for (i, c) in units.enumerated() {
                if c == 0x2E || c == 0x2D {
                    let item = i == startIndex ? Item.number(.int, .zero) : parseItem(isDigit, startIndex..<i)
                    list.items.append(.item(item))
                    startIndex = i + 1
                    if c == 0x2D { push(ListNode()) }
                } else if Self.digitValue(c) != nil {
                    if !isDigit && i > startIndex {
                        if !list.items.isEmpty { push(ListNode()) }
                        list.items.append(.item(stringItem(startIndex..<i, followedByDigit: true)))
                        startIndex = i
                        push(ListNode())
                    }
                    isDigit = true
                } else {
                    if isDigit && i > startIndex {
                        list.items.append(.item(parseItem(true, startIndex..<i)))
                        startIndex = i
                        push(ListNode())
                    }
                    isDigit = false
                }
            }
            if units.count > startIndex {
                if !isDigit && !list.items.isEmpty { push(ListNode()) }
                list.items.append(.item(parseItem(isDigit, startIndex..<units.count)))
            }
            for node in stack.reversed() { Self.normalize(node) }
            return Self.freeze(root)
        }

        /// `ListItem.normalize`: drop trailing null items, looking through (non-null) nested lists.
        private static func normalize(_ node: ListNode) {
            var i = node.items.count - 1
            while i >= 0 {
                let last = node.items[i]
                if last.isNull {
                    node.items.remove(at: i)
                } else if case .item = last {
                    break
                }
                i -= 1
            }
        }

        private static func freeze(_ node: ListNode) -> [Item] {
            node.items.map { child in
                switch child {
                case .item(let item): item
                case .list(let list): .list(freeze(list))
                }
            }
        }

        /// Java's `Character.isDigit` (Unicode Nd in the BMP) with its digit value.
        static func digitValue(_ unit: UInt16) -> UInt8? {
            if unit >= 0x30 && unit <= 0x39 { return UInt8(unit - 0x30) }
            guard unit >= 0x80, let scalar = Unicode.Scalar(UInt32(unit)),
                scalar.properties.generalCategory == .decimalNumber,
                let value = scalar.properties.numericValue
            else { return nil }
            return UInt8(value)
        }

        private func parseItem(_ isDigit: Bool, _ range: Range<Int>) -> Item {
            guard isDigit else { return stringItem(range, followedByDigit: false) }
            // stripLeadingZeroes strips ASCII '0' only, and leaves an all-zero string alone.
            var start = range.lowerBound
            while start < range.upperBound, units[start] == 0x30 { start += 1 }
            if start == range.upperBound { start = range.lowerBound }
            let length = range.upperBound - start
            let kind: NumberKind = length <= 9 ? .int : (length <= 18 ? .long : .bigInteger)
            let digits = units[start..<range.upperBound].map { (Self.digitValue($0) ?? 0) + 0x30 }
            return .number(kind, DecimalDigits(digits))
        }

        private func stringItem(_ range: Range<Int>, followedByDigit: Bool) -> Item {
            var value = String(decoding: units[range], as: UTF16.self)
            if followedByDigit && range.count == 1 {
                switch value {
                case "a": value = "alpha"
                case "b": value = "beta"
                case "m": value = "milestone"
                default: break
                }
            }
            switch value {
            case "ga", "final", "release": value = ""
            case "cr": value = "rc"
            default: break
            }
            return .string(value)
        }
    }
}
