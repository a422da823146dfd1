import Foundation
import HTTPTypes

/// How the registry decides who a request is from and whether it may proceed.
///
/// - `anonymous`: everyone may do everything (the default, for a registry on loopback).
/// - `basic`: Basic credentials checked against htpasswd on each request.
/// - `token`: the Docker token flow; `/token` exchanges Basic credentials for a signed, scoped JWT, and
///   requests carry it as a Bearer token.
///
/// Missing or wrong credentials are 401 with a challenge; credentials that are right but lack the
/// permission are 403 `DENIED`.
public struct RegistryAuth: Sendable {
    public enum Mode: Sendable {
        case anonymous
        case basic(Htpasswd)
        case token(Htpasswd, RegistryTokenSigner, lifetime: Duration)
    }

    public var mode: Mode
    public var rules: PermissionRules
    public static let realm = "slipway"

    public init(mode: Mode, rules: PermissionRules = PermissionRules(rules: [])) {
        self.mode = mode
        self.rules = rules
    }

    public static let anonymous = RegistryAuth(mode: .anonymous)

    /// Checks a request; returns the user (nil: anonymous) or throws the 401/403 to send.
    func authorize(_ needed: AccessRequest, headers: HTTPFields, host: String) throws(RegistryError) -> String? {
        switch mode {
        case .anonymous:
            return nil
        case .basic(let htpasswd):
            let user: String?
            switch Self.credentials(headers) {
            case .basic(let name, let password):
                guard htpasswd.verify(user: name, password: password) else {
                    throw challenge(needed, host: host, "wrong user name or password")
                }
                user = name
            case .none: user = nil
            case .bearer: throw challenge(needed, host: host, "this registry takes Basic credentials")
            }
            try check(needed, allowed: needed.repository.map { rules.allowed(user: user, repository: $0) }, user: user, host: host)
            return user
        case .token(_, let signer, _):
            guard case .bearer(let token) = Self.credentials(headers) else {
                // Anonymous access may still be granted by the rules, but only through a token.
                throw challenge(needed, host: host, "authentication required")
            }
            guard let (user, access) = signer.verify(token) else {
                throw challenge(needed, host: host, "the token is invalid or has expired")
            }
            try check(needed, allowed: needed.repository.map { access[$0] ?? [] }, user: user, host: host)
            return user
        }
    }

    private func check(_ needed: AccessRequest, allowed: Set<AccessRequest.Action>?, user: String?, host: String)
        throws(RegistryError)
    {
        guard let allowed else {
            // Registry-wide endpoints need only an authenticated user.
            if user == nil { throw challenge(needed, host: host, "authentication required") }
            return
        }
        guard needed.actions.isSubset(of: allowed) else {
            if user == nil, allowed.isEmpty { throw challenge(needed, host: host, "authentication required") }
            let missing = needed.actions.subtracting(allowed).sorted().map(\.rawValue).joined(separator: ", ")
            throw RegistryError(.denied, "\(user ?? "anonymous") may not \(missing) \(needed.repository ?? "")")
        }
    }

    /// A 401 with the challenge the client needs to authenticate.
    func challenge(_ needed: AccessRequest, host: String, _ message: String) -> RegistryError {
        var headers = HTTPFields()
        switch mode {
        case .anonymous, .basic:
            headers[.wwwAuthenticate] = "Basic realm=\"\(Self.realm)\""
        case .token(_, let signer, _):
            var value = "Bearer realm=\"http://\(host)/token\",service=\"\(signer.service)\""
            if let scope = needed.scope { value += ",scope=\"\(scope)\"" }
            headers[.wwwAuthenticate] = value
        }
        return RegistryError(.unauthorized, message, headers: headers)
    }

    enum Credentials {
        case none
        case basic(String, String)
        case bearer(String)
    }

    static func credentials(_ headers: HTTPFields) -> Credentials {
        guard let value = headers[.authorization] else { return .none }
        if value.hasPrefix("Bearer ") { return .bearer(String(value.dropFirst(7))) }
        guard value.hasPrefix("Basic "), let data = Data(base64Encoded: String(value.dropFirst(6))),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return .none }
        return .basic(String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
