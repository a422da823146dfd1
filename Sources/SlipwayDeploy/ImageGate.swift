import SlipwayOCI

/// What an environment's vulnerability policy says of an image, from its scan.
public struct GateVerdict: Sendable, Equatable {
    public var allowed: Bool
    /// One line for the deploy's output: the scan summary, or why the image is refused.
    public var summary: String
    /// The findings that break the policy, one line each.
    public var violations: [String]

    public init(allowed: Bool, summary: String, violations: [String] = []) {
        self.allowed = allowed
        self.summary = summary
        self.violations = violations
    }
}

/// Checks an image against an environment's policy before it is deployed (the scanner implements it); the deploy
/// side knows nothing of scans beyond this.
public protocol ImageGate: Sendable {
    /// nil when the environment has no policy.
    func verdict(for digest: Digest, environment: String) async throws -> GateVerdict?
}
