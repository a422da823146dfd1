import Foundation
import Testing
@testable import SlipwayScanner

/// A vector with its officially published score.
struct KnownVector: Sendable, CustomTestStringConvertible {
    var vector: String
    var score: Double
    var rating: SeverityRating
    var version: CVSSVersion
    /// Where the score is published.
    var source: String

    var testDescription: String { "\(vector) = \(score) (\(source))" }
}

/// Scores from the FIRST v3.0 / v3.1 "Examples" documents, the v2 guide's section 3.3 examples, NVD entries, and
/// the FIRST v4.0 calculator and reference implementation.
let knownVectors: [KnownVector] = [
    // NVD, CVSS v3.1
    KnownVector(vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", score: 10.0, rating: .critical,
                version: .v3_1, source: "NVD CVE-2021-44228 (Log4Shell)"),
    KnownVector(vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H", score: 9.0, rating: .critical,
                version: .v3_1, source: "NVD CVE-2021-45046"),
    KnownVector(vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8, rating: .critical,
                version: .v3_1, source: "NVD CVE-2022-22965 (Spring4Shell)"),
    KnownVector(vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", score: 7.5, rating: .high,
                version: .v3_1, source: "NVD CVE-2014-0160 (Heartbleed)"),
    KnownVector(vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 8.1, rating: .high,
                version: .v3_1, source: "NVD CVE-2017-0144 (EternalBlue)"),
    KnownVector(vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", score: 7.8, rating: .high,
                version: .v3_1, source: "NVD CVE-2021-3156 (Baron Samedit)"),
    KnownVector(vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", score: 8.8, rating: .high,
                version: .v3_1, source: "NVD CVE-2023-4863 (libwebp)"),
    KnownVector(vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L", score: 9.8,
                rating: .critical, version: .v3_1, source: "base score unaffected by temporal/environmental"),
    KnownVector(vector: "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", score: 0.0, rating: .none,
                version: .v3_1, source: "v3.1 spec 7.1: Impact <= 0 gives 0"),
    // FIRST "CVSS v3.0 Examples" document
    KnownVector(vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", score: 6.1, rating: .medium,
                version: .v3_0, source: "v3.0 examples CVE-2013-1937 (phpMyAdmin XSS)"),
    KnownVector(vector: "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", score: 6.4, rating: .medium,
                version: .v3_0, source: "v3.0 examples CVE-2013-0375 (MySQL)"),
    KnownVector(vector: "CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", score: 3.1, rating: .low,
                version: .v3_0, source: "v3.0 examples CVE-2014-3566 (POODLE)"),
    KnownVector(vector: "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", score: 9.9, rating: .critical,
                version: .v3_0, source: "v3.0 examples CVE-2012-1516 (VMware)"),
    KnownVector(vector: "CVSS:3.0/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", score: 4.2, rating: .medium,
                version: .v3_0, source: "v3.0 examples CVE-2009-0783 (Tomcat)"),
    KnownVector(vector: "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", score: 8.8, rating: .high,
                version: .v3_0, source: "v3.0 examples CVE-2012-0384 (Cisco IOS)"),
    KnownVector(vector: "CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", score: 7.8, rating: .high,
                version: .v3_0, source: "v3.0 examples CVE-2015-1098 (iWork)"),
    KnownVector(vector: "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", score: 7.4, rating: .high,
                version: .v3_0, source: "v3.0 examples CVE-2014-0224 (OpenSSL CCS)"),
    KnownVector(vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", score: 9.6, rating: .critical,
                version: .v3_0, source: "v3.0 examples CVE-2012-5376 (Chrome)"),
    KnownVector(vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", score: 5.8, rating: .medium,
                version: .v3_0, source: "v3.0 examples CVE-2010-0467 (Joomla)"),
    KnownVector(vector: "CVSS:3.0/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", score: 9.3, rating: .critical,
                version: .v3_0, source: "v3.0 examples CVE-2013-6014 (Juniper)"),
    KnownVector(vector: "CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", score: 5.4, rating: .medium,
                version: .v3_0, source: "v3.0 examples CVE-2014-9253 (Telerik XSS)"),
    KnownVector(vector: "CVSS:3.0/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 8.8, rating: .high,
                version: .v3_0, source: "v3.0 examples CVE-2011-1265 (Bluetooth)"),
    KnownVector(vector: "CVSS:3.0/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 6.8, rating: .medium,
                version: .v3_0, source: "v3.0 examples CVE-2014-2005 (Sophos)"),
    KnownVector(vector: "CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", score: 6.8, rating: .medium,
                version: .v3_0, source: "v3.0 examples CVE-2016-0128 (Badlock)"),
    // CVSS v2 guide section 3.3 and NVD
    KnownVector(vector: "AV:N/AC:L/Au:N/C:N/I:N/A:C", score: 7.8, rating: .high,
                version: .v2, source: "v2 guide 3.3.1 CVE-2002-0392 (Apache chunked encoding)"),
    KnownVector(vector: "AV:N/AC:L/Au:N/C:C/I:C/A:C", score: 10.0, rating: .high,
                version: .v2, source: "v2 guide 3.3.2 CVE-2003-0818 (ASN.1)"),
    KnownVector(vector: "AV:L/AC:H/Au:N/C:C/I:C/A:C", score: 6.2, rating: .medium,
                version: .v2, source: "v2 guide 3.3.3 CVE-2003-0062 (NOD32)"),
    KnownVector(vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P", score: 7.5, rating: .high,
                version: .v2, source: "NVD (most common v2 vector)"),
    KnownVector(vector: "AV:N/AC:L/Au:N/C:P/I:N/A:N", score: 5.0, rating: .medium,
                version: .v2, source: "NVD CVE-2014-0160 v2"),
    KnownVector(vector: "AV:N/AC:M/Au:N/C:C/I:C/A:C", score: 9.3, rating: .high,
                version: .v2, source: "NVD CVE-2021-44228 v2"),
    KnownVector(vector: "AV:N/AC:L/Au:N/C:N/I:N/A:N", score: 0.0, rating: .low,
                version: .v2, source: "v2 guide 3.2.1: f(Impact) = 0"),
    KnownVector(vector: "(AV:N/AC:L/Au:N/C:P/I:P/A:P)", score: 7.5, rating: .high,
                version: .v2, source: "NVD legacy parenthesised form"),
    // CVSS v4.0: FIRST calculator / v4.0 examples / reference implementation
    KnownVector(vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", score: 9.3,
                rating: .critical, version: .v4_0, source: "FIRST v4.0 calculator default vector"),
    KnownVector(vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", score: 10.0,
                rating: .critical, version: .v4_0, source: "macrovector 000000 = 10"),
    KnownVector(vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", score: 0.0,
                rating: .none, version: .v4_0, source: "v4.0: no impact scores 0"),
    KnownVector(vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A", score: 8.7,
                rating: .high, version: .v4_0, source: "reference cvss40.js documentation example (CVSS-BTE)"),
    KnownVector(vector: "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", score: 8.5,
                rating: .high, version: .v4_0, source: "v4.0 examples (local privilege escalation)"),
    KnownVector(vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", score: 8.7,
                rating: .high, version: .v4_0, source: "v4.0 examples (Heartbleed-like disclosure)"),
    KnownVector(vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", score: 5.1,
                rating: .medium, version: .v4_0, source: "v4.0 examples CVE-2013-1937 (reflected XSS)"),
    KnownVector(vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P", score: 8.9,
                rating: .high, version: .v4_0, source: "FIRST v4.0 calculator, CVSS-BT with E:P"),
]

@Suite("Known vectors")
struct KnownVectorTests {
    @Test("Official scores", arguments: knownVectors)
    func officialScore(_ known: KnownVector) throws {
        let result = try CVSS.score(known.vector)
        #expect(result.baseScore == known.score)
        #expect(result.rating == known.rating)
        #expect(result.version == known.version)
        #expect(result.vector == known.vector)
    }

    @Test("Surrounding whitespace is ignored and the trimmed vector is kept")
    func whitespace() throws {
        let result = try CVSS.score("  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n")
        #expect(result.baseScore == 9.8)
        #expect(result.vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    }

    @Test("Metric order does not matter")
    func metricOrder() throws {
        let ordered = try CVSS.score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
        let shuffled = try CVSS.score("CVSS:4.0/SA:N/VC:H/AV:N/SI:N/AC:L/VA:H/AT:N/SC:N/PR:N/VI:H/UI:N")
        #expect(ordered.baseScore == shuffled.baseScore)
    }

    @Test("v4.0 supplemental metrics never change the score")
    func supplementalMetricsIgnored() throws {
        let base = "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:N/SA:N"
        let plain = try CVSS.score(base)
        let supplemented = try CVSS.score(base + "/S:P/AU:Y/R:I/V:C/RE:H/U:Red")
        #expect(plain.baseScore == supplemented.baseScore)
    }

    @Test("v4.0 threat and environmental metrics do change the score")
    func threatAndEnvironmentalApplied() throws {
        let base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        let cvssB = try CVSS.score(base).baseScore
        #expect(try CVSS.score(base + "/E:X").baseScore == cvssB)
        #expect(try CVSS.score(base + "/E:A/CR:X/MAV:X").baseScore == cvssB)
        #expect(try CVSS.score(base + "/E:U").baseScore < cvssB)
        #expect(try CVSS.score(base + "/MAV:P").baseScore < cvssB)
        #expect(try CVSS.score(base + "/MSI:S").baseScore > cvssB)
    }

    @Test("v3 temporal and environmental metrics do not change the base score")
    func v3TemporalEnvironmentalIgnored() throws {
        let base = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:N"
        let plain = try CVSS.score(base)
        let extras = "/E:U/RL:O/RC:R/CR:L/IR:H/AR:M/MAV:P/MAC:H/MPR:H/MUI:R/MS:C/MC:N/MI:N/MA:N"
        let extended = try CVSS.score(base + extras)
        #expect(plain.baseScore == extended.baseScore)
    }

    @Test("Codable round trip")
    func codable() throws {
        let score = try CVSS.score("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N")
        let data = try JSONEncoder().encode(score)
        let decoded = try JSONDecoder().decode(CVSSScore.self, from: data)
        #expect(decoded == score)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"3.0\""))
        #expect(json.contains("\"medium\""))
    }
}
