/// A Composer (Packagist) version, normalised like `Composer\Semver\VersionParser::normalize()` and ordered
/// like `Composer\Semver\Comparator`, i.e. PHP's `version_compare()` on the normalised strings.
///
/// Normalisation (composer/semver 3.x): trim; strip ` as alias` and `@stability` flags; strip `+build` metadata;
/// `v` prefix optional; classical versions are padded to four numbers (`1.2` → `1.2.0.0`, major at most five
/// digits); date versions (`20240101`, `2024-01-01.1`) keep their parts; stability suffixes are normalised
/// (`a`→`alpha`, `b`→`beta`, `rc`→`RC`, `p`/`pl`→`patch`, with optional number) and `-dev` appended when
/// present; numeric branches (`1.x-dev`, `2.1.*-dev`) become `1.9999999.9999999.9999999-dev`.
///
/// Comparison is `version_compare()` (php-src ext/standard/versioning.c): the string is canonicalised
/// (`-`, `_`, `+` become `.`, and a `.` is inserted between digits and non-digits), then compared part by part;
/// numbers numerically; words by their prefix: `dev` < `alpha`/`a` < `beta`/`b` < `RC`/`rc` < (number) <
/// `pl`/`p` (so `patch`), anything else below `dev`. Hence `dev < alpha < beta < RC < stable < patch`.
///
/// Named branches (`dev-main`, `master`) normalise fine but have no order; they are rejected here.
public struct ComposerVersion: Comparable, Sendable, CustomStringConvertible {
    /// The normalised version, e.g. `1.2.0.0-beta2`.
    public let normalized: String
    /// The input string.
    public let description: String

    /// Normalises a Composer version; throws ``VersionError`` where `VersionParser::normalize` throws
    /// ("Invalid version string") and for branch names.
    public init(_ string: String) throws {
        let normalized = try Self.normalize(string)
        guard !normalized.hasPrefix("dev-") else {
            throw VersionError(
                scheme: .composer, version: string,
                reason: "branch name \"\(normalized)\" has no version order")
        }
        self.normalized = normalized
        description = string
    }

    // MARK: VersionParser::normalize

    private static let modifier = #"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?[0-9]+)*+)?)?([.-]?dev)?"#
    private static let alias = Pattern(#"^([^,\s]++) ++as ++([^,\s]++)\z"#)
    private static let stabilityFlag = Pattern(#"^(.*)@(?:stable|RC|beta|alpha|dev)\z"#, caseInsensitive: true)
    private static let buildMetadata = Pattern(#"^([^,\s+]++)\+[^\s]++\z"#)
    private static let classical = Pattern(
        #"^v?([0-9]{1,5}+)(\.[0-9]++)?(\.[0-9]++)?(\.[0-9]++)?"# + modifier + #"\z"#, caseInsensitive: true)
    private static let dated = Pattern(
        #"^v?([0-9]{4}(?:[.:-]?[0-9]{2}){1,6}(?:[.:-]?[0-9]{1,3}){0,2})"# + modifier + #"\z"#,
        caseInsensitive: true)
    private static let devSuffix = Pattern(#"^(.*?)[.-]?dev\z"#, caseInsensitive: true)
    private static let numericBranch = Pattern(
        #"^v?([0-9]++)(\.(?:[0-9]++|[xX*]))?(\.(?:[0-9]++|[xX*]))?(\.(?:[0-9]++|[xX*]))?\z"#, caseInsensitive: true)

    /// `VersionParser::normalize($version)`.
    static func normalize(_ input: String) throws -> String {
        func fail(_ reason: String) -> VersionError { VersionError(scheme: .composer, version: input, reason: reason) }
        // PCRE without /u works on bytes: ASCII-only input keeps ICU's Unicode-aware matching equivalent.
        guard input.unicodeScalars.allSatisfy(\.isASCII) else { throw fail("non-ASCII character") }
        var version = phpTrim(input)
        guard !version.isEmpty else { throw fail("version string is empty") }
        if let match = alias.captures(in: version), let source = match[1] { version = source }
        if let match = stabilityFlag.captures(in: version), let rest = match[1] { version = rest }
        if ["master", "trunk", "default"].contains(version) { version = "dev-" + version }
        if version.lowercased().hasPrefix("dev-") { return "dev-" + version.dropFirst(4) }
        if let match = buildMetadata.captures(in: version), let rest = match[1] { version = rest }

        var groups: [String?]?
        var index = 0
        if let match = classical.captures(in: version) {
            let parts = (1...4).map { match[$0].flatMap { $0.isEmpty ? nil : $0 } }
            version = (parts[0] ?? "") + (parts[1] ?? ".0") + (parts[2] ?? ".0") + (parts[3] ?? ".0")
            groups = match
            index = 5
        } else if let match = dated.captures(in: version) {
            version = String((match[1] ?? "").map { $0.isASCIIDigit ? $0 : "." })
            groups = match
            index = 2
        }
        if let groups {
            func group(_ i: Int) -> String? { i < groups.count ? groups[i].flatMap { $0.isEmpty ? nil : $0 } : nil }
            if let stability = group(index) {
                if stability == "stable" { return version }
                let number = group(index + 1).map { String($0.drop(while: { $0 == "." || $0 == "-" })) } ?? ""
                version += "-" + expandStability(stability) + number
            }
            if group(index + 2) != nil { version += "-dev" }
            return version
        }

        if let match = devSuffix.captures(in: version), let name = match[1],
            let branch = normalizeBranch(name), !branch.contains("dev-")
        {
            return branch
        }
        throw fail("Invalid version string")
    }

    /// `VersionParser::normalizeBranch` for numeric branches; nil when it would return `dev-<name>`.
    private static func normalizeBranch(_ name: String) -> String? {
        guard let match = numericBranch.captures(in: phpTrim(name)) else { return nil }
        var version = ""
        for i in 1...4 {
            if i < match.count, let part = match[i] {
                version += part.replacingOccurrences(of: "*", with: "x").replacingOccurrences(of: "X", with: "x")
            } else {
                version += ".x"
            }
        }
        return version.replacingOccurrences(of: "x", with: "9999999") + "-dev"
    }

    private static func expandStability(_ stability: String) -> String {
        switch stability.lowercased() {
        case "a": "alpha"
        case "b": "beta"
        case "p", "pl": "patch"
        case "rc": "RC"
        default: stability.lowercased()
        }
    }

    /// PHP `trim()`: " \t\n\r\0\x0B".
    private static func phpTrim(_ string: String) -> String {
        ASCII.string(ASCII.trim(Array(string.utf8), where: { [0x20, 0x09, 0x0A, 0x0D, 0x00, 0x0B].contains($0) }))
    }

    // MARK: version_compare

    /// PHP's `version_compare($a, $b)`: -1, 0 or 1.
    public static func phpVersionCompare(_ a: String, _ b: String) -> Int {
        phpVersionCompare(Array(a.utf8), Array(b.utf8))
    }

    private static func phpVersionCompare(_ orig1: [UInt8], _ orig2: [UInt8]) -> Int {
        if orig1.isEmpty || orig2.isEmpty {
            if orig1.isEmpty && orig2.isEmpty { return 0 }
            return orig1.isEmpty ? -1 : 1
        }
        let hash = UInt8(ascii: "#")
        let dot = UInt8(ascii: ".")
        // NUL-terminated working copies, split in place like the C code does.
        var ver1 = (orig1[0] == hash ? orig1 : canonicalize(orig1)) + [0]
        var ver2 = (orig2[0] == hash ? orig2 : canonicalize(orig2)) + [0]
        func cString(_ buffer: [UInt8], from start: Int) -> ArraySlice<UInt8> {
            buffer[start..<(buffer[start...].firstIndex(of: 0) ?? buffer.count)]
        }
        var p1 = 0
        var p2 = 0
        var n1: Int? = 0
        var n2: Int? = 0
        var compare = 0
        while ver1[p1] != 0 && ver2[p2] != 0 && n1 != nil && n2 != nil {
            n1 = cString(ver1, from: p1).firstIndex(of: dot)
            n2 = cString(ver2, from: p2).firstIndex(of: dot)
            if let n1 { ver1[n1] = 0 }
            if let n2 { ver2[n2] = 0 }
            compare = compareParts(cString(ver1, from: p1), cString(ver2, from: p2))
            if compare != 0 { break }
            if let n1 { p1 = n1 + 1 }
            if let n2 { p2 = n2 + 1 }
        }
        if compare == 0 {
            if n1 != nil {
                compare =
                    ASCII.isDigit(ver1[p1]) ? 1 : phpVersionCompare(Array(cString(ver1, from: p1)), Array("#N#".utf8))
            } else if n2 != nil {
                compare =
                    ASCII.isDigit(ver2[p2]) ? -1 : phpVersionCompare(Array("#N#".utf8), Array(cString(ver2, from: p2)))
            }
        }
        return compare
    }

    private static func compareParts(_ p1: ArraySlice<UInt8>, _ p2: ArraySlice<UInt8>) -> Int {
        let d1 = ASCII.isDigit(p1.first ?? 0)
        let d2 = ASCII.isDigit(p2.first ?? 0)
        if d1 && d2 {
            let (l1, l2) = (strtol(p1), strtol(p2))
            return l1 == l2 ? 0 : (l1 < l2 ? -1 : 1)
        }
        if !d1 && !d2 { return compareSpecialForms(p1, p2) }
        return d1 ? compareSpecialForms(Array("#N#".utf8)[...], p2) : compareSpecialForms(p1, Array("#N#".utf8)[...])
    }

    /// `strtol(p, NULL, 10)` on a string of digits: saturates at `LONG_MAX`.
    private static func strtol(_ digits: ArraySlice<UInt8>) -> Int {
        var value = 0
        for c in digits {
            guard ASCII.isDigit(c) else { break }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(c - 0x30))
            if o1 || o2 { return Int.max }
            value = sum
        }
        return value
    }

    private static let specialForms: [(String, Int)] = [
        ("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3), ("#", 4), ("pl", 5), ("p", 5),
    ]

    private static func specialOrder(_ form: ArraySlice<UInt8>) -> Int {
        for (name, order) in specialForms where form.starts(with: name.utf8) { return order }
        return -1
    }

    private static func compareSpecialForms(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        sign(specialOrder(a) - specialOrder(b))
    }

    /// `php_canonicalize_version`.
    static func canonicalize(_ version: [UInt8]) -> [UInt8] {
        guard let first = version.first else { return [] }
        func isDig(_ c: UInt8) -> Bool { ASCII.isDigit(c) }
        func isNDig(_ c: UInt8) -> Bool { !ASCII.isDigit(c) && c != UInt8(ascii: ".") }
        func isSpecial(_ c: UInt8) -> Bool {
            c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: "+")
        }
        let dot = UInt8(ascii: ".")
        var out: [UInt8] = [first]
        var lp = first
        for c in version.dropFirst() {
            let lq = out[out.count - 1]
            if isSpecial(c) {
                if lq != dot { out.append(dot) }
            } else if (isNDig(lp) && isDig(c)) || (isDig(lp) && isNDig(c)) {
                if lq != dot { out.append(dot) }
                out.append(c)
            } else if !ASCII.isAlnum(c) {
                if lq != dot { out.append(dot) }
            } else {
                out.append(c)
            }
            lp = c
        }
        return out
    }

    static func compare(_ lhs: ComposerVersion, _ rhs: ComposerVersion) -> Int {
        phpVersionCompare(lhs.normalized, rhs.normalized)
    }

    public static func < (lhs: ComposerVersion, rhs: ComposerVersion) -> Bool { compare(lhs, rhs) < 0 }
    public static func == (lhs: ComposerVersion, rhs: ComposerVersion) -> Bool { compare(lhs, rhs) == 0 }
}
