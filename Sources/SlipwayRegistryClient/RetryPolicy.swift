import Foundation

/// When and how long to wait before trying a request again: on 429 and 5xx answers and on dropped
/// connections, with exponential backoff (and jitter), honouring `Retry-After` when the server sends one.
public struct RetryPolicy: Sendable, Equatable {
    public var attempts: Int
    public var initialDelay: Duration
    public var maximumDelay: Duration

    public init(attempts: Int = 5, initialDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(10)) {
        self.attempts = attempts
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    public static let none = RetryPolicy(attempts: 1)

    /// Whether an answer with this status is worth another try.
    public static func isRetryable(status: Int) -> Bool { status == 429 || (500...599).contains(status) && status != 501 }

    /// The wait before attempt number `attempt` (1 is the first retry). `retryAfter` is the header's value:
    /// seconds, or an HTTP date.
    public func delay(beforeRetry attempt: Int, retryAfter: String? = nil, now: Date = Date()) -> Duration {
        if let retryAfter {
            if let seconds = Double(retryAfter.trimmingCharacters(in: .whitespaces)), seconds >= 0 {
                return min(.milliseconds(Int64(seconds * 1000)), maximumDelay)
            }
            if let date = HTTPDate.parse(retryAfter) {
                return min(.milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000)), maximumDelay)
            }
        }
        let exponential = initialDelay * (1 << min(attempt - 1, 20))
        return min(exponential, maximumDelay)
    }
}

/// HTTP dates (RFC 9110's IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`): Retry-After, Last-Modified.
public enum HTTPDate {
    public static func parse(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
