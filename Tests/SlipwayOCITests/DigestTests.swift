import Foundation
import SlipwayOCI
import Testing

private let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
private let abcSHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
private let emptySHA512 =
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
private let abcSHA512 =
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"

@Suite struct DigestTests {
    // MARK: Known vectors

    @Test func sha256OfEmptyInput() {
        let digest = Digest(of: [UInt8]())
        #expect(digest.algorithm == .sha256)
        #expect(digest.hex == emptySHA256)
        #expect(digest.description == "sha256:" + emptySHA256)
    }

    @Test func sha256OfABC() {
        #expect(Digest(of: Array("abc".utf8)).description == "sha256:" + abcSHA256)
    }

    @Test func sha512Vectors() {
        let abc = Digest(of: Array("abc".utf8), algorithm: .sha512)
        #expect(abc.algorithm == .sha512)
        #expect(abc.description == "sha512:" + abcSHA512)
        #expect(Digest(of: [UInt8](), algorithm: .sha512).hex == emptySHA512)
    }

    @Test func differentInputsGiveDifferentDigests() {
        #expect(Digest(of: Array("abc".utf8)) != Digest(of: Array("abd".utf8)))
        #expect(Digest(of: Array("abc".utf8)) != Digest(of: Array("abc".utf8), algorithm: .sha512))
    }

    @Test func shortIsTheFirstTwelveHexDigits() {
        #expect(Digest(of: Array("abc".utf8)).short == "ba7816bf8f01")
    }

    @Test func hexLengths() {
        #expect(Digest.Algorithm.sha256.hexLength == 64)
        #expect(Digest.Algorithm.sha512.hexLength == 128)
    }

    @Test func ordersByDescription() throws {
        let low = try Digest(parsing: "sha256:" + String(repeating: "0", count: 64))
        let high = try Digest(parsing: "sha256:" + String(repeating: "f", count: 64))
        let sha512 = try Digest(parsing: "sha512:" + String(repeating: "0", count: 128))
        #expect(low < high)
        #expect(!(high < low))
        #expect(high < sha512)  // "sha256:" sorts before "sha512:"
        #expect([sha512, high, low].sorted() == [low, high, sha512])
    }

    // MARK: Streaming

    /// NIST FIPS 180-2 test vector: one million 'a'.
    @Test func digesterOverChunksOfAMillionAs() {
        let chunkSizes = [1, 7, 64, 1000, 4096, 65_537]
        var digester = Digester()
        var remaining = 1_000_000
        var index = 0
        while remaining > 0 {
            let size = min(chunkSizes[index % chunkSizes.count], remaining)
            digester.update([UInt8](repeating: UInt8(ascii: "a"), count: size))
            remaining -= size
            index += 1
        }
        #expect(digester.count == 1_000_000)
        #expect(digester.finalize().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: [Digest.Algorithm.sha256, .sha512], [1, 3, 63, 64, 65, 1000])
    func streamingEqualsOneShot(algorithm: Digest.Algorithm, chunkSize: Int) {
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var digester = Digester(algorithm: algorithm)
        var start = 0
        while start < bytes.count {
            let end = min(start + chunkSize, bytes.count)
            digester.update(Array(bytes[start..<end]))
            start = end
        }
        #expect(digester.algorithm == algorithm)
        #expect(digester.count == 5000)
        #expect(digester.finalize() == Digest(of: bytes, algorithm: algorithm))
    }

    @Test func digesterAcceptsRawBuffersAndEmptyUpdates() {
        var digester = Digester()
        digester.update([])
        Array("a".utf8).withUnsafeBytes { digester.update($0) }
        digester.update(Array("bc".utf8))
        #expect(digester.count == 3)
        #expect(digester.finalize().hex == abcSHA256)
    }

    @Test func finalizeDoesNotConsumeTheDigester() {
        var digester = Digester()
        digester.update(Array("ab".utf8))
        let partial = digester.finalize()
        digester.update(Array("c".utf8))
        #expect(partial == Digest(of: Array("ab".utf8)))
        #expect(digester.finalize().hex == abcSHA256)
    }

    // MARK: Parsing

    @Test func parsesSHA256() throws {
        let digest = try Digest(parsing: "sha256:" + abcSHA256)
        #expect(digest.algorithm == .sha256)
        #expect(digest.hex == abcSHA256)
        #expect(digest == Digest(of: Array("abc".utf8)))
        #expect(digest.description == "sha256:" + abcSHA256)
    }

    @Test func parsesSHA512() throws {
        let digest = try Digest(parsing: "sha512:" + abcSHA512)
        #expect(digest.algorithm == .sha512)
        #expect(digest.hex == abcSHA512)
        #expect(digest == Digest(of: Array("abc".utf8), algorithm: .sha512))
    }

    struct InvalidDigest: Sendable, CustomTestStringConvertible {
        let input: String
        /// A fragment the error's reason must contain, so the message says what is wrong.
        let reason: String
        var testDescription: String { input.isEmpty ? "(empty)" : String(input.prefix(24)) + "…" }
    }

    static let invalidDigests: [InvalidDigest] = [
        .init(input: "", reason: "no ':'"),
        .init(input: abcSHA256, reason: "no ':'"),
        .init(input: "sha256" + abcSHA256, reason: "no ':'"),
        .init(input: "md5:900150983cd24fb0d6963f7d28e17f72", reason: "unsupported algorithm 'md5'"),
        .init(input: "sha1:a9993e364706816aba3e25717850c26c9cd0d89d", reason: "unsupported algorithm 'sha1'"),
        .init(input: "SHA256:" + abcSHA256, reason: "unsupported algorithm 'SHA256'"),
        .init(input: "blake3:" + abcSHA256, reason: "unsupported algorithm 'blake3'"),
        .init(input: ":" + abcSHA256, reason: "unsupported algorithm ''"),
        .init(input: "sha256:", reason: "found 0"),
        .init(input: "sha256:" + String(abcSHA256.dropLast()), reason: "needs 64 hex digits, found 63"),
        .init(input: "sha256:" + abcSHA256 + "0", reason: "needs 64 hex digits, found 65"),
        .init(input: "sha256:" + abcSHA256.uppercased(), reason: "0-9 and a-f"),
        .init(input: "sha256:" + String(abcSHA256.dropLast()) + "g", reason: "0-9 and a-f"),
        .init(input: "sha256:" + String(abcSHA256.dropLast()) + " ", reason: "0-9 and a-f"),
        .init(input: "sha256:" + String(abcSHA256.dropLast()) + ":", reason: "0-9 and a-f"),
        .init(input: "sha512:" + abcSHA256, reason: "needs 128 hex digits, found 64"),
        .init(input: "sha256:" + abcSHA512, reason: "needs 64 hex digits, found 128"),
        .init(input: " sha256:" + abcSHA256, reason: "unsupported algorithm ' sha256'"),
    ]

    @Test(arguments: invalidDigests)
    func invalidDigestIsRefusedWithAReason(_ test: InvalidDigest) throws {
        let error = try #require(throws: OCIError.self) { try Digest(parsing: test.input) }
        guard case .invalidDigest(let value, let reason) = error else {
            Issue.record("expected invalidDigest, got \(error)")
            return
        }
        #expect(value == test.input)
        #expect(reason.contains(test.reason), "reason was: \(reason)")
        #expect(error.description.hasPrefix("invalid digest '\(test.input)': "))
    }

    // MARK: Codable

    @Test func encodesAsAJSONString() throws {
        let digest = Digest(of: Array("abc".utf8))
        let json = String(decoding: try JSONEncoder().encode([digest]), as: UTF8.self)
        #expect(json == "[\"sha256:\(abcSHA256)\"]")
        let decoded = try JSONDecoder().decode([Digest].self, from: Data(json.utf8))
        #expect(decoded == [digest])
    }

    @Test(arguments: [
        "\"sha256:abc\"",
        "\"md5:900150983cd24fb0d6963f7d28e17f72\"",
        "\"\(abcSHA256)\"",
        "\"sha256:\(abcSHA256.uppercased())\"",
        "42",
    ])
    func decodingABadDigestFails(json: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Digest].self, from: Data("[\(json)]".utf8))
        }
    }

    @Test func decodingErrorCarriesTheReason() throws {
        let error = try #require(throws: DecodingError.self) {
            try JSONDecoder().decode([Digest].self, from: Data("[\"sha256:abc\"]".utf8))
        }
        guard case .dataCorrupted(let context) = error else {
            Issue.record("expected dataCorrupted, got \(error)")
            return
        }
        #expect(context.debugDescription.contains("needs 64 hex digits, found 3"))
    }
}
