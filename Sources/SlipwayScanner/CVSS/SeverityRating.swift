/// Qualitative severity rating of a CVSS score.
///
/// v3.x and v4.0 use the scale of the v3.1 specification section 5 "Qualitative Severity Rating Scale" (identical
/// in v3.0 section 5 and v4.0 section 6): None 0.0, Low 0.1–3.9, Medium 4.0–6.9, High 7.0–8.9, Critical 9.0–10.0.
/// v2 has no rating in its guide; the conventional NVD v2 scale has Low 0.0–3.9, Medium 4.0–6.9, High 7.0–10.0
/// (see ``init(cvss2Score:)``).
///
/// Cases are ordered by severity, so `.high > .medium`.
public enum SeverityRating: String, Sendable, Codable, CaseIterable, Comparable {
    case none
    case low
    case medium
    case high
    case critical

    /// The v3.x / v4.0 rating of a score (v3.1 specification, section 5).
    ///
    /// Scores carry one decimal, so the bands are applied as half-open intervals: a score below 4.0 but above
    /// 0.0 is Low, and so on. Non-finite or non-positive scores rate None.
    public init(score: Double) {
        if !(score > 0) {
            self = .none
        } else if score < 4.0 {
            self = .low
        } else if score < 7.0 {
            self = .medium
        } else if score < 9.0 {
            self = .high
        } else {
            self = .critical
        }
    }

    /// The v2 rating of a score (NVD scale): Low 0.0–3.9, Medium 4.0–6.9, High 7.0–10.0; never None or Critical.
    public init(cvss2Score score: Double) {
        if score >= 7.0 {
            self = .high
        } else if score >= 4.0 {
            self = .medium
        } else {
            self = .low
        }
    }

    private var order: Int {
        switch self {
        case .none: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        case .critical: 4
        }
    }

    public static func < (lhs: SeverityRating, rhs: SeverityRating) -> Bool {
        lhs.order < rhs.order
    }
}
