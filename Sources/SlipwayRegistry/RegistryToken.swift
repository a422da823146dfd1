import Crypto
import Foundation

/// Docker registry tokens: JWTs signed with ES256 (P-256), carrying `access` claims
/// (`[{"type":"repository","name":…,"actions":[…]}]`).
/// https://distribution.github.io/distribution/spec/auth/jwt/
public struct RegistryTokenSigner: Sendable {
    public let service: String
    private let key: P256.Signing.PrivateKey

    struct Claims: Codable {
        struct Grant: Codable, Equatable {
            var type: String
            var name: String
            var actions: [String]
        }
        var iss: String
        var sub: String
        var aud: String
        var exp: Int64
        var nbf: Int64
        var iat: Int64
        var jti: String
        var access: [Grant]
    }

    public init(service: String, key: P256.Signing.PrivateKey) {
        self.service = service
        self.key = key
    }

    /// Loads the signing key from `path`, creating it (owner-only) on first use.
    public static func loadOrCreateKey(at path: String) throws -> P256.Signing.PrivateKey {
        if let pem = try? String(contentsOfFile: path, encoding: .utf8) {
            do {
                return try P256.Signing.PrivateKey(pemRepresentation: pem)
            } catch {
                throw AuthConfigurationError(message: "token signing key \(path) is not a P-256 private key in PEM: \(error)")
            }
        }
        let key = P256.Signing.PrivateKey()
        let created = FileManager.default.createFile(atPath: path, contents: Data(key.pemRepresentation.utf8),
                                                     attributes: [.posixPermissions: 0o600])
        guard created else { throw AuthConfigurationError(message: "cannot write token signing key \(path)") }
        return key
    }

    /// A token for `user` granting `access` (repository → actions), valid for `lifetime`.
    public func issue(user: String?, access: [String: Set<AccessRequest.Action>], lifetime: Duration,
                      now: Date = Date()) throws -> String {
        let issued = Int64(now.timeIntervalSince1970)
        let claims = Claims(
            iss: service, sub: user ?? "", aud: service, exp: issued + lifetime.components.seconds, nbf: issued - 5,
            iat: issued, jti: UUID().uuidString,
            access: access.keys.sorted().map { Claims.Grant(type: "repository", name: $0,
                                                            actions: access[$0]!.sorted().map(\.rawValue)) })
        let header = Self.base64URL(Data(#"{"alg":"ES256","typ":"JWT"}"#.utf8))
        let payload = Self.base64URL(try JSONEncoder().encode(claims))
        let signature = try key.signature(for: Data("\(header).\(payload)".utf8))
        return "\(header).\(payload).\(Self.base64URL(signature.rawRepresentation))"
    }

    /// The user and grants of a token this signer issued, or nil when the token is forged, for another
    /// service, or expired.
    public func verify(_ token: String, now: Date = Date()) -> (user: String?, access: [String: Set<AccessRequest.Action>])? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Self.base64URLDecode(parts[1]), let signatureBytes = Self.base64URLDecode(parts[2]),
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
              key.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8)),
              let claims = try? JSONDecoder().decode(Claims.self, from: payload)
        else { return nil }
        let time = Int64(now.timeIntervalSince1970)
        guard claims.aud == service, claims.iss == service, time < claims.exp, time >= claims.nbf else { return nil }
        var access: [String: Set<AccessRequest.Action>] = [:]
        for grant in claims.access where grant.type == "repository" {
            access[grant.name, default: []].formUnion(grant.actions.compactMap(AccessRequest.Action.init(rawValue:)))
        }
        return (claims.sub.isEmpty ? nil : claims.sub, access)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
