import Foundation
import SlipwayTestSupport
import Testing

@testable import SlipwayRegistryClient

@Suite struct AuthChallengeTests {
    @Test func parsesBearerAndBasic() throws {
        let bearer = try #require(AuthChallenge(header: #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull""#))
        #expect(bearer.scheme == .bearer)
        #expect(bearer.realm == "https://auth.docker.io/token")
        #expect(bearer.service == "registry.docker.io")
        #expect(bearer.scope == "repository:library/debian:pull")
        let basic = try #require(AuthChallenge(header: #"Basic realm="Registry Realm""#))
        #expect(basic.scheme == .basic && basic.realm == "Registry Realm")
        // Quoted commas, unquoted values, odd spacing, case.
        let odd = try #require(AuthChallenge(header: #"bearer  realm=http://h/token , scope="repository:a:pull,push",service=x"#))
        #expect(odd.realm == "http://h/token" && odd.scope == "repository:a:pull,push" && odd.service == "x")
        #expect(AuthChallenge(header: "Negotiate abc") == nil)
        #expect(AuthChallenge(header: "") == nil)
    }
}

@Suite struct RetryPolicyTests {
    @Test func backsOffExponentiallyUpToAMaximum() {
        let policy = RetryPolicy(attempts: 5, initialDelay: .milliseconds(100), maximumDelay: .seconds(1))
        #expect(policy.delay(beforeRetry: 1) == .milliseconds(100))
        #expect(policy.delay(beforeRetry: 2) == .milliseconds(200))
        #expect(policy.delay(beforeRetry: 3) == .milliseconds(400))
        #expect(policy.delay(beforeRetry: 10) == .seconds(1))
    }

    @Test func honoursRetryAfter() {
        let policy = RetryPolicy(maximumDelay: .seconds(30))
        #expect(policy.delay(beforeRetry: 1, retryAfter: "3") == .seconds(3))
        #expect(policy.delay(beforeRetry: 1, retryAfter: "120") == .seconds(30))  // capped
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(policy.delay(beforeRetry: 1, retryAfter: "Tue, 14 Nov 2023 22:13:25 GMT", now: now) == .seconds(5))
    }

    @Test func retryableStatuses() {
        for status in [429, 500, 502, 503, 504] { #expect(RetryPolicy.isRetryable(status: status)) }
        for status in [200, 400, 401, 403, 404, 501] { #expect(!RetryPolicy.isRetryable(status: status)) }
    }
}

@Suite struct CredentialStoreTests {
    let dir = TemporaryDirectory("slipway-credentials")

    @Test func readsDockerConfigAndPrefersTheEnvironment() throws {
        try dir.write("docker/config.json", """
            {"auths": {"registry.example.com": {"auth": "\(Data("robot:t0ken".utf8).base64EncodedString())"},
                       "https://index.docker.io/v1/": {"username": "hub", "password": "hubpass"}}}
            """)
        let store = CredentialStore(files: [dir("missing.json"), dir("docker/config.json")])
        #expect(store.credential(for: "registry.example.com") == Credential(username: "robot", password: "t0ken"))
        #expect(store.credential(for: "docker.io") == Credential(username: "hub", password: "hubpass"))
        #expect(store.credential(for: "other.example.com") == nil)
        let fromEnvironment = CredentialStore(files: [dir("docker/config.json")],
                                              environment: ["SLIPWAY_REGISTRY_USERNAME": "ci", "SLIPWAY_REGISTRY_PASSWORD": "x",
                                                            "SLIPWAY_REGISTRY_HOST": "registry.example.com"])
        #expect(fromEnvironment.credential(for: "registry.example.com")?.username == "ci")
        #expect(fromEnvironment.credential(for: "docker.io")?.username == "hub")  // the host limit applies
        #expect("\(Credential(username: "u", password: "secret"))" == "u:***")
    }

    @Test func savesOwnerOnlyAndRemoves() throws {
        let file = dir("home/auth.json")
        try CredentialStore.save(Credential(username: "a", password: "b"), for: "r1:5000", in: file)
        try CredentialStore.save(Credential(username: "c", password: "d"), for: "r2:5000", in: file)
        let store = CredentialStore(files: [file])
        #expect(store.credential(for: "r1:5000") == Credential(username: "a", password: "b"))
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int == 0o600)
        #expect(try CredentialStore.remove(registry: "r1:5000", from: file))
        #expect(store.credential(for: "r1:5000") == nil && store.credential(for: "r2:5000") != nil)
        #expect(try !CredentialStore.remove(registry: "r1:5000", from: file))
    }
}

@Suite struct LocationTests {
    @Test func pathsOfLocations() {
        #expect(RegistryClient.path(of: "/v2/a/blobs/uploads/1?x=y", adding: "digest=d") == "/v2/a/blobs/uploads/1?x=y&digest=d")
        #expect(RegistryClient.path(of: "http://h:5000/v2/a/blobs/uploads/1", adding: "digest=d") == "/v2/a/blobs/uploads/1?digest=d")
        #expect(RegistryClient.path(of: "/v2/a/blobs/uploads/1") == "/v2/a/blobs/uploads/1")
    }
}
