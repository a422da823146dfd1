import SlipwayConfig

/// An environment's vulnerability policy (`policy.refuse`, `policy.refuse_fixable`), applied to a scan: pure, so
/// the deployer and `slipway scan --fail-on` share it.
public struct DeployPolicy: Sendable, Equatable {
    public var refuse: Set<Severity>
    public var refuseFixable: Set<Severity>

    public init(refuse: Set<Severity> = [], refuseFixable: Set<Severity> = []) {
        self.refuse = refuse
        self.refuseFixable = refuseFixable
    }

    public init(_ environment: SlipwayConfig.Environment) {
        refuse = Set(environment.refuse.compactMap { Severity(rawValue: $0.rawValue) })
        refuseFixable = Set(environment.refuseFixable.compactMap { Severity(rawValue: $0.rawValue) })
    }

    public var isEmpty: Bool { refuse.isEmpty && refuseFixable.isEmpty }

    /// The findings that break the policy; ignored findings never do.
    public func violations(in findings: [Finding]) -> [Finding] {
        findings.filter { finding in
            guard finding.ignored == nil else { return false }
            if refuse.contains(finding.severity) { return true }
            return refuseFixable.contains(finding.severity) && finding.fixedVersion != nil
        }
    }

    /// `refuse critical; refuse high when a fix exists`.
    public var description: String {
        var parts: [String] = []
        let order = Severity.allCases.reversed()
        if !refuse.isEmpty { parts.append("refuse " + order.filter(refuse.contains).map(\.rawValue).joined(separator: ", ")) }
        if !refuseFixable.isEmpty {
            parts.append("refuse " + order.filter(refuseFixable.contains).map(\.rawValue).joined(separator: ", ")
                         + " when a fix exists")
        }
        return parts.joined(separator: "; ")
    }
}
