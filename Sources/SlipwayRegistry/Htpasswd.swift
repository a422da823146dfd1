import CSlipwaySystem
import Foundation
import SlipwayOCI
import Synchronization

/// An htpasswd file of bcrypt entries (`htpasswd -B`), checked with libxcrypt's `crypt_r`.
public final class Htpasswd: Sendable {
    public let path: String
    private let hashes: [String: String]
    /// bcrypt is slow on purpose; a successful check is remembered for a while so that a client sending
    /// Basic credentials on every request does not pay for it each time.
    private let verified = Mutex<[String: Date]>([:])

    public init(path: String) throws {
        self.path = path
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AuthConfigurationError(message: "cannot read htpasswd file \(path): \(error.localizedDescription)")
        }
        var hashes: [String: String] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw AuthConfigurationError(message: "\(path):\(index + 1): expected USER:HASH")
            }
            let hash = String(parts[1])
            guard ["$2a$", "$2b$", "$2y$"].contains(where: hash.hasPrefix) else {
                throw AuthConfigurationError(
                    message: "\(path):\(index + 1): user \(parts[0]) has no bcrypt hash; create entries with htpasswd -B")
            }
            hashes[String(parts[0])] = hash
        }
        self.hashes = hashes
    }

    /// Whether `password` is `user`'s.
    public func verify(user: String, password: String) -> Bool {
        guard let hash = hashes[user] else { return false }
        let key = Digest(of: Array((user + "\u{0}" + password).utf8)).hex  // never the password itself
        if let when = verified.withLock({ $0[key] }), Date().timeIntervalSince(when) < 300 { return true }
        var data = crypt_data()
        let result = withUnsafeMutablePointer(to: &data) { crypt_r(password, hash, $0) }
        guard let result, String(cString: result) == hash else { return false }
        verified.withLock { $0[key] = Date() }
        return true
    }
}

/// Auth settings that cannot be used (a missing or malformed file, an unusable key).
public struct AuthConfigurationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
