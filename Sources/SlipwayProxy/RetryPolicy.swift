import NIOHTTP1

/// Decides whether a failed upstream attempt may be repeated. Pure; unit-tested.
enum RetryPolicy {
    /// Methods whose repetition has the same effect as one execution (RFC 9110 §9.2.2).
    static func isIdempotent(_ method: HTTPMethod) -> Bool {
        switch method {
        case .GET, .HEAD, .OPTIONS, .PUT, .DELETE: true
        default: false
        }
    }

    /// A request that failed on a *reused* pooled connection before any response byte arrived is
    /// most likely the classic keep-alive race (the upstream closed the idle connection while we
    /// were sending). Repeating it is only safe when the method is idempotent and every body byte
    /// sent so far is still in hand to be sent again. A fresh connection that fails is not retried:
    /// the server really got the request, and may have acted on it.
    static func mayRetryOnFreshConnection(
        method: HTTPMethod,
        connectionWasReused: Bool,
        bodyReplayable: Bool,
        responseStarted: Bool,
        alreadyRetried: Bool
    ) -> Bool {
        connectionWasReused && !responseStarted && !alreadyRetried && bodyReplayable && isIdempotent(method)
    }
}
