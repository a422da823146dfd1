/// Durations written as Go's `time.ParseDuration` reads them (`30s`, `1m30s`, `1.5h`, `300ms`, `-2us`), which is the
/// syntax of HEALTHCHECK's `--interval`, `--timeout`, `--start-period` and `--start-interval`.
public enum DockerfileDuration {
    /// Why a duration was refused.
    public struct SyntaxError: Error, Equatable, Sendable {
        /// Go's wording, for example `time: missing unit in duration "10"`.
        public var reason: String
    }

    private static let units: [(String, UInt64)] = [
        ("ns", 1), ("us", 1_000), ("\u{00B5}s", 1_000), ("\u{03BC}s", 1_000), ("ms", 1_000_000),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    /// Parses a duration into nanoseconds, with Go's rules: an optional sign, then one or more decimal numbers each
    /// followed by a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`); a lone `0` needs no unit.
    public static func nanoseconds(_ text: String) -> Result<Int64, SyntaxError> {
        func fail(_ what: String) -> Result<Int64, SyntaxError> {
            .failure(SyntaxError(reason: "time: \(what) \"\(text)\""))
        }
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        if rest == "0" { return .success(0) }
        if rest.isEmpty { return fail("invalid duration") }
        var total: UInt64 = 0
        while !rest.isEmpty {
            guard let first = rest.first, first == "." || first.isASCIIDigit else { return fail("invalid duration") }
            let integerDigits = rest.prefix { $0.isASCIIDigit }
            rest = rest.dropFirst(integerDigits.count)
            var fractionDigits: Substring = ""
            if rest.first == "." {
                rest = rest.dropFirst()
                fractionDigits = rest.prefix { $0.isASCIIDigit }
                rest = rest.dropFirst(fractionDigits.count)
            }
            if integerDigits.isEmpty && fractionDigits.isEmpty { return fail("invalid duration") }
            let unitText = rest.prefix { !$0.isASCIIDigit && $0 != "." }
            rest = rest.dropFirst(unitText.count)
            if unitText.isEmpty { return fail("missing unit in duration") }
            guard let unit = units.first(where: { $0.0 == unitText })?.1 else {
                return .failure(SyntaxError(reason: "time: unknown unit \"\(unitText)\" in duration \"\(text)\""))
            }
            guard let value = accumulate(integerDigits, fractionDigits, unit: unit) else {
                return fail("invalid duration")
            }
            let (sum, overflow) = total.addingReportingOverflow(value)
            guard !overflow else { return fail("invalid duration") }
            total = sum
        }
        if negative {
            guard total <= UInt64(Int64.max) + 1 else { return fail("invalid duration") }
            return .success(total == UInt64(Int64.max) + 1 ? Int64.min : -Int64(total))
        }
        guard total <= UInt64(Int64.max) else { return fail("invalid duration") }
        return .success(Int64(total))
    }

    /// Parses a duration into a Swift `Duration`.
    public static func parse(_ text: String) -> Result<Duration, SyntaxError> {
        nanoseconds(text).map { Duration.nanoseconds($0) }
    }

    private static func accumulate(_ integer: Substring, _ fraction: Substring, unit: UInt64) -> UInt64? {
        var value: UInt64 = 0
        for digit in integer {
            guard let number = digit.wholeNumberValue else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (plus, overflow2) = times.addingReportingOverflow(UInt64(number))
            guard !overflow1, !overflow2, plus <= UInt64(Int64.max) + 1 else { return nil }
            value = plus
        }
        let (scaled, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow, scaled <= UInt64(Int64.max) + 1 else { return nil }
        guard !fraction.isEmpty else { return scaled }
        // Like Go: the fraction is kept to the digits that fit, then scaled through floating point.
        var numerator: UInt64 = 0
        var scale: Double = 1
        for digit in fraction {
            guard let number = digit.wholeNumberValue else { return nil }
            if numerator > (UInt64(Int64.max) - 9) / 10 { break }
            numerator = numerator * 10 + UInt64(number)
            scale *= 10
        }
        let extra = UInt64(Double(numerator) * (Double(unit) / scale))
        let (sum, overflow3) = scaled.addingReportingOverflow(extra)
        guard !overflow3, sum <= UInt64(Int64.max) + 1 else { return nil }
        return sum
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool {
        isASCII && isNumber
    }
}
