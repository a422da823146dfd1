/// A Semantic Versioning 2.0.0 version, parsed and ordered exactly like npm's `semver` package (v7, strict mode:
/// `semver.valid`, `semver.compare`).
///
/// - Surrounding whitespace is trimmed (JavaScript `String.prototype.trim`); input longer than 256 UTF-16 units
///   is rejected, as is a major/minor/patch above `Number.MAX_SAFE_INTEGER`.
/// - One optional leading lowercase `v` is accepted; `=`, `V` and other prefixes are not (they are loose-mode only).
/// - Numeric identifiers must not have leading zeros; prerelease identifiers are `[0-9A-Za-z-]+`, build metadata
///   identifiers likewise (leading zeros allowed there).
/// - Precedence per SemVer §11: major, minor, patch numerically; a version with a prerelease sorts before the
///   same version without; prerelease identifiers compare left to right, numeric ones numerically and before
///   alphanumeric ones, alphanumeric ones in ASCII order, a longer list winning when one is a prefix of the
///   other. Build metadata is ignored.
/// - Like npm, numeric prerelease identifiers are compared as JavaScript numbers (IEEE doubles): identifiers
///   above 2^53 that round to the same double compare as equal, which ends the comparison.
public struct SemanticVersion: Comparable, Sendable, CustomStringConvertible {
    /// A prerelease identifier.
    public enum Identifier: Sendable, Hashable, CustomStringConvertible {
        /// Only digits (no leading zero unless it is `0`).
        case numeric(String)
        /// Letters, digits and hyphens, not all digits.
        case alphanumeric(String)

        public var description: String {
            switch self {
            case .numeric(let text), .alphanumeric(let text): text
            }
        }
    }

    /// Major version (at most `Number.MAX_SAFE_INTEGER`).
    public let major: UInt64
    /// Minor version (at most `Number.MAX_SAFE_INTEGER`).
    public let minor: UInt64
    /// Patch version (at most `Number.MAX_SAFE_INTEGER`).
    public let patch: UInt64
    /// Prerelease identifiers; empty for a release.
    public let prerelease: [Identifier]
    /// Build metadata identifiers (ignored for ordering).
    public let build: [String]
    /// The canonical form `major.minor.patch[-prerelease]`, as npm's `SemVer.version`.
    public let version: String
    /// The input string.
    public let description: String

    /// `Number.MAX_SAFE_INTEGER`.
    static let maxSafeInteger: UInt64 = 9_007_199_254_740_991

    /// Parses a version; throws ``VersionError`` where `new SemVer(version)` throws.
    public init(_ string: String) throws {
        func fail(_ reason: String) -> VersionError { VersionError(scheme: .semver, version: string, reason: reason) }
        guard string.utf16.count <= 256 else { throw fail("version is longer than 256 characters") }
        let bytes = Array(Self.trimJavaScriptWhitespace(string).utf8)
        var index = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "v") { index += 1 }
        let core = try SemVerGrammar.parse(bytes, from: index, allowShorthand: false)
            .get(orThrow: { fail($0) })
        var numbers: [UInt64] = []
        for (name, digits) in zip(["major", "minor", "patch"], core.numbers) {
            let value = DecimalDigits(digits)
            guard value <= DecimalDigits(Array(String(Self.maxSafeInteger).utf8)),
                let number = UInt64(value.description)
            else { throw fail("invalid \(name) version (above Number.MAX_SAFE_INTEGER)") }
            numbers.append(number)
        }
        major = numbers[0]
        minor = numbers[1]
        patch = numbers[2]
        prerelease = core.prerelease.map { id in
            id.allSatisfy(ASCII.isDigit) ? .numeric(ASCII.string(id)) : .alphanumeric(ASCII.string(id))
        }
        build = core.build.map { ASCII.string($0) }
        var canonical = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { canonical += "-" + prerelease.map(\.description).joined(separator: ".") }
        version = canonical
        description = string
    }

    /// `SemVer.compare`: -1, 0 or 1.
    public func compare(to other: SemanticVersion) -> Int {
        if version == other.version { return 0 }
        for (a, b) in [(major, other.major), (minor, other.minor), (patch, other.patch)] where a != b {
            return a < b ? -1 : 1
        }
        return Self.comparePrerelease(prerelease, other.prerelease)
    }

    /// `SemVer.comparePre`, including npm's early `return compareIdentifiers(a, b)` when two different
    /// identifiers compare equal as numbers.
    static func comparePrerelease(_ a: [Identifier], _ b: [Identifier]) -> Int {
        if !a.isEmpty && b.isEmpty { return -1 }
        if a.isEmpty && !b.isEmpty { return 1 }
        var index = 0
        while true {
            switch (index < a.count ? a[index] : nil, index < b.count ? b[index] : nil) {
            case (nil, nil): return 0
            case (_, nil): return 1
            case (nil, _): return -1
            case (let x?, let y?):
                if javaScriptIdentical(x, y) {
                    index += 1
                    continue
                }
                return compareIdentifiers(x, y)
            }
        }
    }

    /// `a === b` on npm's parsed identifiers: numbers below `MAX_SAFE_INTEGER` are JavaScript numbers, all other
    /// identifiers strings.
    private static func javaScriptIdentical(_ a: Identifier, _ b: Identifier) -> Bool {
        switch (a, b) {
        case (.numeric(let x), .numeric(let y)):
            if isSafe(x) != isSafe(y) { return false }
            return isSafe(x) ? Double(x) == Double(y) : x == y
        case (.alphanumeric(let x), .alphanumeric(let y)):
            return x == y
        default:
            return false
        }
    }

    private static func isSafe(_ digits: String) -> Bool {
        digits.utf8.count < 16 || (UInt64(digits).map { $0 < maxSafeInteger } ?? false)
    }

    /// npm's `compareIdentifiers`: numeric identifiers compare as doubles and before alphanumeric ones.
    private static func compareIdentifiers(_ a: Identifier, _ b: Identifier) -> Int {
        switch (a, b) {
        case (.numeric(let x), .numeric(let y)):
            let (dx, dy) = (Double(x) ?? .infinity, Double(y) ?? .infinity)
            return dx == dy ? 0 : (dx < dy ? -1 : 1)
        case (.numeric, .alphanumeric): return -1
        case (.alphanumeric, .numeric): return 1
        case (.alphanumeric(let x), .alphanumeric(let y)): return compareUTF16(x, y)
        }
    }

    /// JavaScript's `String.prototype.trim` whitespace and line terminators.
    static func trimJavaScriptWhitespace(_ string: String) -> String {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar.value {
            case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
                true
            default:
                false
            }
        }
        return trimScalars(string, where: isSpace)
    }

    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool { lhs.compare(to: rhs) < 0 }
    public static func == (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool { lhs.compare(to: rhs) == 0 }
}

/// The SemVer 2.0.0 grammar shared by npm's strict regex and Go's `x/mod/semver` parser.
enum SemVerGrammar {
    struct Core {
        /// major, minor, patch digits (Go shorthand fills missing ones with "0").
        var numbers: [ArraySlice<UInt8>]
        var prerelease: [ArraySlice<UInt8>]
        var build: [ArraySlice<UInt8>]
    }

    /// Parses `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]` from `start` to the end of `bytes`.
    /// With `allowShorthand`, `MAJOR` and `MAJOR.MINOR` (without prerelease or build) are accepted too (Go).
    static func parse(_ bytes: [UInt8], from start: Int, allowShorthand: Bool) -> Result<Core, GrammarError> {
        var index = start
        var numbers: [ArraySlice<UInt8>] = []
        for position in 0..<3 {
            if position > 0 {
                if index == bytes.count && allowShorthand {
                    numbers.append([UInt8(ascii: "0")])
                    continue
                }
                guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else {
                    return .failure(GrammarError("expected '.' after the \(position == 1 ? "major" : "minor") version"))
                }
                index += 1
            }
            let digitsStart = index
            while index < bytes.count, ASCII.isDigit(bytes[index]) { index += 1 }
            let digits = bytes[digitsStart..<index]
            guard !digits.isEmpty else { return .failure(GrammarError("expected a number")) }
            guard digits.count == 1 || digits.first != UInt8(ascii: "0") else {
                return .failure(GrammarError("numeric component has a leading zero"))
            }
            numbers.append(digits)
        }
        var prerelease: [ArraySlice<UInt8>] = []
        var build: [ArraySlice<UInt8>] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            let end = bytes[index...].firstIndex(of: UInt8(ascii: "+")) ?? bytes.count
            prerelease = bytes[(index + 1)..<end].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            for id in prerelease {
                guard !id.isEmpty, id.allSatisfy(isIdentifierByte) else {
                    return .failure(GrammarError("invalid prerelease identifier '\(ASCII.string(id))'"))
                }
                if id.count > 1, id.first == UInt8(ascii: "0"), id.allSatisfy(ASCII.isDigit) {
                    return .failure(
                        GrammarError("numeric prerelease identifier '\(ASCII.string(id))' has a leading zero"))
                }
            }
            index = end
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") {
            build = bytes[(index + 1)...].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            for id in build where id.isEmpty || !id.allSatisfy(isIdentifierByte) {
                return .failure(GrammarError("invalid build metadata identifier '\(ASCII.string(id))'"))
            }
            index = bytes.count
        }
        guard index == bytes.count else {
            return .failure(GrammarError("unexpected character '\(ASCII.string(bytes[index...index]))'"))
        }
        return .success(Core(numbers: numbers, prerelease: prerelease, build: build))
    }

    static func isIdentifierByte(_ c: UInt8) -> Bool { ASCII.isAlnum(c) || c == UInt8(ascii: "-") }

    struct GrammarError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

extension Result where Failure == SemVerGrammar.GrammarError {
    func get(orThrow makeError: (String) -> VersionError) throws -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let error): throw makeError(error.reason)
        }
    }
}
