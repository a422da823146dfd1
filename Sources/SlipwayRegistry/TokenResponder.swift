import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The token endpoint of the Docker token flow (`GET /token?service=&scope=` with Basic credentials, and the
/// OAuth2 password grant `POST /token`). Grants are what was asked for, cut down to what the user may do.
/// https://distribution.github.io/distribution/spec/auth/token/
public struct TokenResponder<Context: RequestContext>: HTTPResponder {
    public let registry: Registry

    public init(registry: Registry) { self.registry = registry }

    public func respond(to request: Request, context: Context) async throws -> Response {
        guard case .token(let htpasswd, let signer, let lifetime) = registry.auth.mode else {
            return try RegistryError(.unsupported, "this registry does not issue tokens", status: .notFound)
                .response(from: request, context: context)
        }
        var request = request
        var scopes: [String]
        var user: String?
        var password: String?
        if request.method == .post {
            let body = try await request.collectBody(upTo: 64 * 1024)
            let form = Self.form(String(buffer: body))
            guard form["grant_type"] == "password" else {
                return try RegistryError(.unsupported, "only grant_type=password is supported", status: .badRequest)
                    .response(from: request, context: context)
            }
            user = form["username"]
            password = form["password"]
            scopes = (form["scope"] ?? "").split(separator: " ").map(String.init)
        } else {
            scopes = request.uri.queryParameters.getAll("scope").flatMap { $0.split(separator: " ").map(String.init) }
            if case .basic(let name, let secret) = RegistryAuth.credentials(request.headers) {
                user = name
                password = secret
            }
        }
        if let name = user {
            guard htpasswd.verify(user: name, password: password ?? "") else {
                return try RegistryError(.unauthorized, "wrong user name or password",
                                         headers: [.wwwAuthenticate: "Basic realm=\"\(RegistryAuth.realm)\""])
                    .response(from: request, context: context)
            }
        }
        var access: [String: Set<AccessRequest.Action>] = [:]
        for scope in scopes {
            let parts = scope.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "repository" else { continue }
            let name = String(parts[1])
            let wanted = Set(parts[2].split(separator: ",").compactMap { AccessRequest.Action(rawValue: String($0)) })
            let granted = wanted.intersection(registry.auth.rules.allowed(user: user, repository: name))
            if !granted.isEmpty { access[name, default: []].formUnion(granted) }
        }
        let token = try signer.issue(user: user, access: access, lifetime: lifetime)
        let body: [String: JSONValueLike] = [
            "token": .string(token), "access_token": .string(token),
            "expires_in": .int(Int(lifetime.components.seconds)),
            "issued_at": .string(ISO8601DateFormatter().string(from: Date())),
        ]
        let bytes = try JSONEncoder().encode(body)
        return Response(status: .ok, headers: [.contentType: "application/json", .contentLength: String(bytes.count)],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func form(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            out[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }
}

/// A string or a number in a small JSON answer.
enum JSONValueLike: Encodable {
    case string(String)
    case int(Int)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        }
    }
}
