import Crypto

/// A content digest, `algorithm:hex`, as the OCI image spec defines it.
///
/// Only the registered algorithms `sha256` and `sha512` are accepted; the hex part must be lowercase and of
/// the algorithm's exact length. See https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#digests
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// A registered digest algorithm.
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha256
        case sha512

        /// Length of the lowercase hex encoding of a digest of this algorithm.
        public var hexLength: Int { self == .sha256 ? 64 : 128 }
    }

    public let algorithm: Algorithm
    /// Lowercase hex encoding of the hash.
    public let hex: String

    /// Parses `algorithm:hex`, throwing an error that names what is wrong.
    public init(parsing string: String) throws(OCIError) {
        guard let colon = string.firstIndex(of: ":") else {
            throw .invalidDigest(string, reason: "expected ALGORITHM:HEX, found no ':'")
        }
        let name = String(string[..<colon])
        let hex = String(string[string.index(after: colon)...])
        guard let algorithm = Algorithm(rawValue: name) else {
            throw .invalidDigest(string, reason: "unsupported algorithm '\(name)' (use sha256 or sha512)")
        }
        guard hex.utf8.count == algorithm.hexLength else {
            throw .invalidDigest(
                string, reason: "\(name) needs \(algorithm.hexLength) hex digits, found \(hex.utf8.count)")
        }
        guard hex.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw .invalidDigest(string, reason: "the hex part may hold only 0-9 and a-f")
        }
        self.algorithm = algorithm
        self.hex = hex
    }

    /// Computes the digest of bytes held in memory.
    public init(of bytes: some Sequence<UInt8>, algorithm: Algorithm = .sha256) {
        var digester = Digester(algorithm: algorithm)
        digester.update(Array(bytes))
        self = digester.finalize()
    }

    init(algorithm: Algorithm, uncheckedHex: String) {
        self.algorithm = algorithm
        self.hex = uncheckedHex
    }

    public var description: String { "\(algorithm.rawValue):\(hex)" }

    /// The first 12 hex digits, as tools show digests to people.
    public var short: String { String(hex.prefix(12)) }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }
}

extension Digest: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        do {
            self = try Digest(parsing: string)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Computes a digest incrementally, so content is hashed while it streams and is never held whole.
public struct Digester: Sendable {
    private enum State: Sendable {
        case sha256(SHA256)
        case sha512(SHA512)
    }

    private var state: State
    public let algorithm: Digest.Algorithm
    /// Number of bytes hashed so far.
    public private(set) var count: Int64 = 0

    public init(algorithm: Digest.Algorithm = .sha256) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha256: state = .sha256(SHA256())
        case .sha512: state = .sha512(SHA512())
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        count += Int64(bytes.count)
        switch state {
        case .sha256(var hasher):
            hasher.update(bufferPointer: bytes)
            state = .sha256(hasher)
        case .sha512(var hasher):
            hasher.update(bufferPointer: bytes)
            state = .sha512(hasher)
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func finalize() -> Digest {
        let hashed: [UInt8]
        switch state {
        case .sha256(let hasher): hashed = Array(hasher.finalize())
        case .sha512(let hasher): hashed = Array(hasher.finalize())
        }
        return Digest(algorithm: algorithm, uncheckedHex: hexString(hashed))
    }
}

func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
