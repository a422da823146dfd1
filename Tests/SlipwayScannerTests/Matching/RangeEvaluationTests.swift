import Testing
@testable import SlipwayScanner

@Suite struct RangeEvaluationTests {
    static func affected(_ events: [OSVRecord.Event], type: String = "ECOSYSTEM", versions: [String]? = nil)
        -> OSVRecord.Affected
    {
        OSVRecord.Affected(package: nil, severity: nil, ranges: [OSVRecord.Range(type: type, repo: nil, events: events)],
                           versions: versions, databaseSpecific: nil, ecosystemSpecific: nil)
    }
    static func introduced(_ v: String) -> OSVRecord.Event { OSVRecord.Event(introduced: v) }
    static func fixed(_ v: String) -> OSVRecord.Event { OSVRecord.Event(fixed: v) }
    static func last(_ v: String) -> OSVRecord.Event { OSVRecord.Event(lastAffected: v) }
    static func limit(_ v: String) -> OSVRecord.Event { OSVRecord.Event(limit: v) }

    static let cases: [(String, [OSVRecord.Event], VersionScheme, Bool, String?)] = [
        ("1.0", [introduced("0"), fixed("1.2")], .pep440, true, "1.2"),
        ("1.2", [introduced("0"), fixed("1.2")], .pep440, false, nil),
        ("1.2rc1", [introduced("0"), fixed("1.2")], .pep440, true, "1.2"),
        ("0.9", [introduced("1.0"), fixed("1.2")], .pep440, false, nil),
        ("1.2", [introduced("1.0"), last("1.2")], .pep440, true, nil),
        ("1.2.1", [introduced("1.0"), last("1.2")], .pep440, false, nil),
        // Two ranges in one event list (ansible-core's shape), unordered as databases write them.
        ("2.15.5", [introduced("2.16.0"), fixed("2.16.3"), introduced("2.15.0"), fixed("2.15.9"), introduced("0"), fixed("2.14.4")],
         .pep440, true, "2.15.9"),
        ("2.14.4", [introduced("2.16.0"), fixed("2.16.3"), introduced("2.15.0"), fixed("2.15.9"), introduced("0"), fixed("2.14.4")],
         .pep440, false, nil),
        ("2.16.2", [introduced("2.16.0"), fixed("2.16.3"), introduced("2.15.0"), fixed("2.15.9"), introduced("0"), fixed("2.14.4")],
         .pep440, true, "2.16.3"),
        // dpkg: the tilde sorts before the release; the epoch beats everything.
        ("1.34+dfsg-1.2", [introduced("0"), fixed("1.34+dfsg-1.2+deb12u1")], .dpkg, true, "1.34+dfsg-1.2+deb12u1"),
        ("1.34+dfsg-1.2+deb12u1", [introduced("0"), fixed("1.34+dfsg-1.2+deb12u1")], .dpkg, false, nil),
        ("3.0.11-1~deb12u1", [introduced("0"), fixed("3.0.11-1")], .dpkg, true, "3.0.11-1"),
        ("1:1.0-1", [introduced("0"), fixed("2.0-1")], .dpkg, false, nil),
        ("1.2.5", [introduced("1.0.0"), fixed("1.2.6")], .semver, true, "1.2.6"),
        ("1.2.6-beta.1", [introduced("1.0.0"), fixed("1.2.6")], .semver, true, "1.2.6"),
        ("v1.21.4", [introduced("0"), fixed("1.21.5")], .go, true, "1.21.5"),
        ("2.0.0", [introduced("1.0.0"), limit("2.0.0")], .semver, false, nil),
        ("1.5.0", [introduced("1.0.0"), limit("2.0.0")], .semver, true, nil),
    ]

    @Test(arguments: cases.indices)
    func evaluates(_ index: Int) throws {
        let (version, events, scheme, expected, fixed) = Self.cases[index]
        let outcome = try RangeEvaluation.evaluate(version: version, affected: Self.affected(events), scheme: scheme)
        #expect(outcome.affected == expected, "\(version) in \(events)")
        #expect(outcome.fixed == fixed)
    }

    @Test func theVersionsListMatchesExactlyAndInItsOwnSpelling() throws {
        let listed = OSVRecord.Affected(package: nil, severity: nil, ranges: nil, versions: ["1.0.0", "1.1"],
                                        databaseSpecific: nil, ecosystemSpecific: nil)
        #expect(try RangeEvaluation.evaluate(version: "1.1", affected: listed, scheme: .pep440).affected)
        #expect(try RangeEvaluation.evaluate(version: "1.0", affected: listed, scheme: .pep440).affected)
        #expect(try !RangeEvaluation.evaluate(version: "1.2", affected: listed, scheme: .pep440).affected)
    }

    @Test func gitRangesAreNotUsed() throws {
        let git = OSVRecord.Affected(package: nil, severity: nil, ranges: [OSVRecord.Range(
            type: "GIT", repo: "https://example.com/x.git", events: [Self.introduced("0"), Self.fixed(String(repeating: "a", count: 40))])],
            versions: nil, databaseSpecific: nil, ecosystemSpecific: nil)
        #expect(try !RangeEvaluation.evaluate(version: "1.0", affected: git, scheme: .pep440).affected)
    }

    @Test func anUnreadableVersionIsAnErrorNotAnAnswer() {
        #expect(throws: VersionError.self) {
            try RangeEvaluation.evaluate(version: "not a version!", affected: Self.affected([Self.introduced("0"), Self.fixed("1.0")]),
                                         scheme: .pep440)
        }
        #expect(throws: VersionError.self) {
            try RangeEvaluation.evaluate(version: "1.0", affected: Self.affected([Self.introduced("0"), Self.fixed("bad version!")]),
                                         scheme: .pep440)
        }
    }
}

