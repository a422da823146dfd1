import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SlipwayOCI
import SlipwayStore
import SlipwayTestSupport
import Testing

@testable import SlipwayRegistry

/// An htpasswd file made by Apache's `htpasswd -B`, the tool people use.
func makeHtpasswd(_ dir: TemporaryDirectory, _ users: [(String, String)]) throws -> String {
    try requireTool("htpasswd")
    let path = dir("htpasswd")
    for (index, (user, password)) in users.enumerated() {
        let result = try run(["htpasswd", "-bB", "-C", "5"] + (index == 0 ? ["-c"] : []) + [path, user, password])
        #expect(result.status == 0, "\(result.stderr)")
    }
    return path
}

func basic(_ user: String, _ password: String) -> String {
    "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
}

@Suite struct AuthTests {
    let dir = TemporaryDirectory("slipway-auth")

    @Test func htpasswdChecksBcryptAndRefusesOtherHashes() throws {
        let htpasswd = try Htpasswd(path: try makeHtpasswd(dir, [("alice", "s3cret"), ("bob", "hunter2")]))
        #expect(htpasswd.verify(user: "alice", password: "s3cret"))
        #expect(htpasswd.verify(user: "alice", password: "s3cret"))  // the remembered path
        #expect(!htpasswd.verify(user: "alice", password: "hunter2"))
        #expect(!htpasswd.verify(user: "carol", password: "s3cret"))
        try dir.write("md5", "dave:$apr1$abc$def\n")
        do {
            _ = try Htpasswd(path: dir("md5"))
            Issue.record("an MD5 entry was accepted")
        } catch {
            #expect("\(error)".contains("md5:1") && "\(error)".contains("htpasswd -B"))
        }
        #expect(throws: AuthConfigurationError.self) { try Htpasswd(path: dir("missing")) }
    }

    @Test func permissionRules() {
        let rules = PermissionRules(rules: [
            .init(users: ["ci"], repositories: ["acme/*"], actions: [.pull, .push]),
            .init(users: ["*"], repositories: ["public/*"], actions: [.pull]),
            .init(users: ["anonymous"], repositories: ["open"], actions: [.pull]),
        ])
        #expect(rules.allowed(user: "ci", repository: "acme/web") == [.pull, .push])
        #expect(rules.allowed(user: "ci", repository: "other").isEmpty)
        #expect(rules.allowed(user: "someone", repository: "public/x") == [.pull])
        #expect(rules.allowed(user: nil, repository: "public/x").isEmpty)
        #expect(rules.allowed(user: nil, repository: "open") == [.pull])
        let none = PermissionRules(rules: [])
        #expect(none.allowed(user: "anyone", repository: "x") == [.pull, .push, .delete])
        #expect(none.allowed(user: nil, repository: "x").isEmpty)
    }

    @Test func tokensAreSignedScopedAndExpire() throws {
        let signer = RegistryTokenSigner(service: "slipway", key: P256.Signing.PrivateKey())
        let token = try signer.issue(user: "ci", access: ["acme/web": [.pull, .push]], lifetime: .seconds(60))
        let verified = try #require(signer.verify(token))
        #expect(verified.user == "ci" && verified.access == ["acme/web": [.pull, .push]])
        #expect(signer.verify(token, now: Date().addingTimeInterval(120)) == nil)  // expired
        let other = RegistryTokenSigner(service: "slipway", key: P256.Signing.PrivateKey())
        #expect(other.verify(token) == nil)  // signed by someone else
        var parts = token.split(separator: ".").map(String.init)
        parts[1] = RegistryTokenSigner.base64URL(Data(#"{"iss":"slipway","sub":"ci","aud":"slipway","exp":9999999999,"nbf":0,"iat":0,"jti":"x","access":[{"type":"repository","name":"acme/web","actions":["delete"]}]}"#.utf8))
        #expect(signer.verify(parts.joined(separator: ".")) == nil)  // tampered claims
        let wrongService = RegistryTokenSigner(service: "elsewhere", key: P256.Signing.PrivateKey())
        let foreign = try wrongService.issue(user: "ci", access: [:], lifetime: .seconds(60))
        #expect(signer.verify(foreign) == nil)
    }

    func registry(_ mode: (Htpasswd) -> RegistryAuth.Mode, rules: [PermissionRules.Rule] = []) throws -> Registry {
        let htpasswd = try Htpasswd(path: try makeHtpasswd(dir, [("alice", "s3cret"), ("bob", "hunter2")]))
        return try Registry(home: SlipwayHome(path: dir("home")),
                            auth: RegistryAuth(mode: mode(htpasswd), rules: PermissionRules(rules: rules)))
    }

    @Test func basicAuthChallengesAndDenies() async throws {
        let registry = try registry({ .basic($0) }, rules: [
            .init(users: ["alice"], repositories: ["*"], actions: [.pull, .push, .delete]),
            .init(users: ["bob"], repositories: ["acme/*"], actions: [.pull]),
            .init(users: ["bob"], repositories: ["bob/*"], actions: [.pull, .push]),
        ])
        let app = Application(responder: RegistryResponder<BasicRequestContext>(registry: registry))
        try await app.test(.router) { client in
            var response = try await client.execute(uri: "/v2/", method: .get)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == #"Basic realm="slipway""#)
            response = try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic("alice", "wrong")])
            #expect(response.status == .unauthorized && errorCode(response) == "UNAUTHORIZED")
            response = try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: basic("alice", "s3cret")])
            #expect(response.status == .ok)
            let blob = Array("layer".utf8)
            response = try await client.execute(uri: "/v2/acme/web/blobs/uploads/?digest=\(Digest(of: blob))", method: .post,
                                                headers: [.authorization: basic("alice", "s3cret")], body: ByteBuffer(bytes: blob))
            #expect(response.status == .created)
            response = try await client.execute(uri: "/v2/acme/web/blobs/\(Digest(of: blob))", method: .get,
                                                headers: [.authorization: basic("bob", "hunter2")])
            #expect(response.status == .ok)
            response = try await client.execute(uri: "/v2/acme/web/blobs/uploads/", method: .post,
                                                headers: [.authorization: basic("bob", "hunter2")])
            #expect(response.status == .forbidden && errorCode(response) == "DENIED")
            response = try await client.execute(uri: "/v2/other/tags/list", method: .get,
                                                headers: [.authorization: basic("bob", "hunter2")])
            #expect(response.status == .forbidden)
            // A mount from a repository bob may not read is not a mount: he gets an upload session instead.
            let secret = Array("secret layer".utf8)
            response = try await client.execute(uri: "/v2/secret/x/blobs/uploads/?digest=\(Digest(of: secret))", method: .post,
                                                headers: [.authorization: basic("alice", "s3cret")], body: ByteBuffer(bytes: secret))
            #expect(response.status == .created)
            response = try await client.execute(uri: "/v2/bob/x/blobs/uploads/?mount=\(Digest(of: secret))&from=secret/x",
                                                method: .post, headers: [.authorization: basic("bob", "hunter2")])
            #expect(response.status == .accepted)
            response = try await client.execute(uri: "/v2/bob/x/blobs/\(Digest(of: secret))", method: .get,
                                                headers: [.authorization: basic("bob", "hunter2")])
            #expect(response.status == .notFound)
        }
    }

    @Test func tokenFlowGrantsOnlyWhatIsAllowed() async throws {
        let signer = RegistryTokenSigner(service: "slipway", key: P256.Signing.PrivateKey())
        let registry = try registry({ .token($0, signer, lifetime: .seconds(300)) }, rules: [
            .init(users: ["alice"], repositories: ["acme/*"], actions: [.pull, .push]),
        ])
        let router = CallbackResponder<BasicRequestContext> { request, context in
            if request.uri.path == "/token" {
                return try await TokenResponder<BasicRequestContext>(registry: registry).respond(to: request, context: context)
            }
            return try await RegistryResponder<BasicRequestContext>(registry: registry).respond(to: request, context: context)
        }
        try await Application(responder: router).test(.router) { client in
            var response = try await client.execute(uri: "/v2/acme/web/tags/list", method: .get)
            #expect(response.status == .unauthorized)
            let challenge = try #require(response.headers[.wwwAuthenticate])
            #expect(challenge.hasPrefix(#"Bearer realm="http://"#) && challenge.contains(#"/token",service="slipway""#))
            #expect(challenge.contains(#"scope="repository:acme/web:pull""#))

            response = try await client.execute(uri: "/token?service=slipway&scope=repository:acme/web:pull,push,delete",
                                                method: .get, headers: [.authorization: basic("alice", "s3cret")])
            #expect(response.status == .ok)
            struct TokenBody: Decodable { var token: String; var access_token: String; var expires_in: Int }
            let body = try JSONDecoder().decode(TokenBody.self, from: Data(buffer: response.body))
            #expect(body.token == body.access_token && body.expires_in == 300)
            // delete was asked for but not allowed: the token carries pull and push only.
            #expect(signer.verify(body.token)?.access == ["acme/web": [.pull, .push]])

            let bearer = "Bearer \(body.token)"
            response = try await client.execute(uri: "/v2/acme/web/blobs/uploads/", method: .post, headers: [.authorization: bearer])
            #expect(response.status == .accepted)
            response = try await client.execute(uri: "/v2/acme/other/blobs/uploads/", method: .post, headers: [.authorization: bearer])
            #expect(response.status == .forbidden && errorCode(response) == "DENIED")
            response = try await client.execute(uri: "/v2/acme/web/manifests/\(Digest(of: [1]))", method: .delete,
                                                headers: [.authorization: bearer])
            #expect(response.status == .forbidden)
            response = try await client.execute(uri: "/token?service=slipway", method: .get,
                                                headers: [.authorization: basic("alice", "nope")])
            #expect(response.status == .unauthorized)
            response = try await client.execute(uri: "/v2/", method: .get, headers: [.authorization: "Bearer not.a.token"])
            #expect(response.status == .unauthorized)
            // The OAuth2 password grant gives the same.
            let form = "grant_type=password&username=alice&password=s3cret&service=slipway&scope=repository%3Aacme%2Fweb%3Apull"
            response = try await client.execute(uri: "/token", method: .post,
                                                headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: form))
            #expect(response.status == .ok)
            let granted = try JSONDecoder().decode(TokenBody.self, from: Data(buffer: response.body))
            #expect(signer.verify(granted.access_token)?.access == ["acme/web": [.pull]])
        }
    }

    @Test func immutableTagsCannotMove() async throws {
        let test = try TestRegistry(immutableTags: [("acme/*", ["v*"])])
        try await test.run { client in
            _ = try await client.pushImage("acme/web", tag: "v1", layer: "one")
            _ = try await client.pushImage("acme/web", tag: "latest", layer: "one")
            // Re-pushing the same manifest under the tag is fine; moving it is not.
            let same = try await client.send(.get, "/v2/acme/web/manifests/v1")
            var response = try await client.send(.put, "/v2/acme/web/manifests/v1", headers: [.contentType: MediaType.ociManifest],
                                                 body: Array(same.body.readableBytesView))
            #expect(response.status == .created)
            _ = try await client.pushImage("acme/web", tag: "latest", layer: "two")  // not covered: moves
            let layer = Array("three".utf8)
            let (bytes, _) = try await client.pushImage("acme/web", tag: "scratch", layer: "three")
            response = try await client.send(.put, "/v2/acme/web/manifests/v1", headers: [.contentType: MediaType.ociManifest], body: bytes)
            #expect(response.status == .forbidden && errorCode(response) == "DENIED")
            #expect(String(buffer: response.body).contains("immutable"))
            _ = layer
        }
    }
}
