import SlipwayOCI
import Testing

private let hex64 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
private let hex128 =
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
private let tag128 = "v" + String(repeating: "a1._-", count: 25) + "xy"  // 1 + 125 + 2 = 128

/// Expected results follow github.com/distribution/reference (`ParseNormalizedNamed`, normalize.go and
/// reference.go/regexp.go), which is what `docker pull` uses.
@Suite struct ImageReferenceTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let input: String
        let registry: String
        let repository: String
        let tag: String?
        let digest: String?
        let description: String
        var testDescription: String { input.count > 60 ? String(input.prefix(57)) + "…" : input }

        init(_ input: String, _ registry: String, _ repository: String, tag: String? = "latest",
             digest: String? = nil, _ description: String) {
            self.input = input
            self.registry = registry
            self.repository = repository
            self.tag = tag
            self.digest = digest
            self.description = description
        }
    }

    static let valid: [Valid] = [
        // Docker Hub normalisation.
        .init("nginx", "docker.io", "library/nginx", "docker.io/library/nginx:latest"),
        .init("ubuntu:22.04", "docker.io", "library/ubuntu", tag: "22.04", "docker.io/library/ubuntu:22.04"),
        .init("library/nginx", "docker.io", "library/nginx", "docker.io/library/nginx:latest"),
        .init("docker.io/nginx", "docker.io", "library/nginx", "docker.io/library/nginx:latest"),
        .init("docker.io/library/nginx", "docker.io", "library/nginx", "docker.io/library/nginx:latest"),
        .init("index.docker.io/nginx", "docker.io", "library/nginx", "docker.io/library/nginx:latest"),
        .init("index.docker.io/library/nginx:1.25", "docker.io", "library/nginx", tag: "1.25",
              "docker.io/library/nginx:1.25"),
        .init("acme/app", "docker.io", "acme/app", "docker.io/acme/app:latest"),
        .init("docker.io/acme/app", "docker.io", "acme/app", "docker.io/acme/app:latest"),
        .init("acme/team/app", "docker.io", "acme/team/app", "docker.io/acme/team/app:latest"),
        // A first component is a registry when it has '.' or ':', is "localhost", or has uppercase.
        .init("localhost/app", "localhost", "app", "localhost/app:latest"),
        .init("localhost:5000/a/b:tag", "localhost:5000", "a/b", tag: "tag", "localhost:5000/a/b:tag"),
        .init("host:5000/a/b:tag", "host:5000", "a/b", tag: "tag", "host:5000/a/b:tag"),
        .init("localhost:65535/app", "localhost:65535", "app", "localhost:65535/app:latest"),
        .init("127.0.0.1:5000/app", "127.0.0.1:5000", "app", "127.0.0.1:5000/app:latest"),
        .init("registry.example.com/a/b/c/d", "registry.example.com", "a/b/c/d",
              "registry.example.com/a/b/c/d:latest"),
        .init("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
              tag: "some-long-tag", "sub-dom1.foo.com/bar/baz/quux:some-long-tag"),
        .init("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
              tag: "test.example.com", "b.gcr.io/test.example.com/my-app:test.example.com"),
        .init("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", tag: "xn--n3h.com",
              "xn--n3h.com/myimage:xn--n3h.com"),
        .init("Foo/bar", "Foo", "bar", "Foo/bar:latest"),
        .init("DOCKER/docker", "DOCKER", "docker", "DOCKER/docker:latest"),
        .init("Docker.io/nginx", "Docker.io", "nginx", "Docker.io/nginx:latest"),  // not the default registry
        // IPv6 registries.
        .init("[::1]:5000/app", "[::1]:5000", "app", "[::1]:5000/app:latest"),
        .init("[2001:db8::1]/repo", "[2001:db8::1]", "repo", "[2001:db8::1]/repo:latest"),
        .init("[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", tag: "tag",
              "[2001:db8::1]:5000/repo:tag"),
        // Without a slash, a colon starts a tag, even when the name looks like a host.
        .init("localhost", "docker.io", "library/localhost", "docker.io/library/localhost:latest"),
        .init("localhost:5000", "docker.io", "library/localhost", tag: "5000", "docker.io/library/localhost:5000"),
        .init("foo_bar.com:8080", "docker.io", "library/foo_bar.com", tag: "8080",
              "docker.io/library/foo_bar.com:8080"),
        .init("192.168.0.1", "docker.io", "library/192.168.0.1", "docker.io/library/192.168.0.1:latest"),
        // Digests.
        .init("ghcr.io/acme/app@sha256:\(hex64)", "ghcr.io", "acme/app", tag: nil, digest: "sha256:\(hex64)",
              "ghcr.io/acme/app@sha256:\(hex64)"),
        .init("ghcr.io/acme/app:v1@sha256:\(hex64)", "ghcr.io", "acme/app", tag: "v1", digest: "sha256:\(hex64)",
              "ghcr.io/acme/app:v1@sha256:\(hex64)"),
        .init("nginx@sha256:\(hex64)", "docker.io", "library/nginx", tag: nil, digest: "sha256:\(hex64)",
              "docker.io/library/nginx@sha256:\(hex64)"),
        .init("host:5000/app@sha512:\(hex128)", "host:5000", "app", tag: nil, digest: "sha512:\(hex128)",
              "host:5000/app@sha512:\(hex128)"),
        // Path component separators.
        .init("a.b", "docker.io", "library/a.b", "docker.io/library/a.b:latest"),
        .init("a_b", "docker.io", "library/a_b", "docker.io/library/a_b:latest"),
        .init("a__b", "docker.io", "library/a__b", "docker.io/library/a__b:latest"),
        .init("a---b", "docker.io", "library/a---b", "docker.io/library/a---b:latest"),
        .init("acme/a-b.c_d__e/f0", "docker.io", "acme/a-b.c_d__e/f0", "docker.io/acme/a-b.c_d__e/f0:latest"),
        .init("0/9", "docker.io", "0/9", "docker.io/0/9:latest"),
        // Tags: [\w][\w.-]{0,127}, uppercase allowed.
        .init("nginx:v1.2.3-rc_1", "docker.io", "library/nginx", tag: "v1.2.3-rc_1",
              "docker.io/library/nginx:v1.2.3-rc_1"),
        .init("nginx:_private", "docker.io", "library/nginx", tag: "_private", "docker.io/library/nginx:_private"),
        .init("lowercase:Uppercase", "docker.io", "library/lowercase", tag: "Uppercase",
              "docker.io/library/lowercase:Uppercase"),
        .init("nginx:\(tag128)", "docker.io", "library/nginx", tag: tag128, "docker.io/library/nginx:\(tag128)"),
        // Exactly 255 characters of name: "docker.io/library/" is 18.
        .init(String(repeating: "a", count: 237), "docker.io", "library/" + String(repeating: "a", count: 237),
              "docker.io/library/\(String(repeating: "a", count: 237)):latest"),
        // A 64-hex name is refused only when it is the whole reference (it would be an image ID).
        .init("docker.io/\(hex64)", "docker.io", "library/\(hex64)", "docker.io/library/\(hex64):latest"),
        .init("acme/\(hex64)", "docker.io", "acme/\(hex64)", "docker.io/acme/\(hex64):latest"),
        .init("\(hex64):v1", "docker.io", "library/\(hex64)", tag: "v1", "docker.io/library/\(hex64):v1"),
        .init("\(hex64)@sha256:\(hex64)", "docker.io", "library/\(hex64)", tag: nil, digest: "sha256:\(hex64)",
              "docker.io/library/\(hex64)@sha256:\(hex64)"),
    ]

    @Test(arguments: valid)
    func parsesValidReference(_ test: Valid) throws {
        let reference = try ImageReference(parsing: test.input)
        #expect(reference.registry == test.registry)
        #expect(reference.repository == test.repository)
        #expect(reference.tag == test.tag)
        #expect(reference.digest?.description == test.digest)
        #expect(reference.description == test.description)
        #expect(reference.name == "\(test.registry)/\(test.repository)")
        // The normalised form parses back to the same reference.
        #expect(try ImageReference(parsing: reference.description) == reference)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let input: String
        /// The `part` the error must name.
        let part: String
        var testDescription: String {
            input.isEmpty ? "(empty)" : input.count > 60 ? String(input.prefix(57)) + "…" : input
        }

        init(_ input: String, _ part: String) {
            self.input = input
            self.part = part
        }
    }

    static let invalid: [Invalid] = [
        .init("", "reference"),
        // Repository: lowercase path components, [a-z0-9]+ joined by '.', '_', '__' or '-'+.
        .init("docker.io/Library/nginx", "repository"),
        .init("Nginx", "repository"),
        .init("acme/App", "repository"),
        .init("test:5000/Uppercase/lowercase:tag", "repository"),
        .init("a..b", "repository"),
        .init("a/", "repository"),
        .init("/a", "repository"),
        .init("a//b", "repository"),
        .init("docker///docker", "repository"),
        .init("-a", "repository"),
        .init("a-", "repository"),
        .init("a_", "repository"),
        .init("a___b", "repository"),
        .init("a_-b", "repository"),
        .init("a.-b", "repository"),
        .init("a b", "repository"),
        .init("aa/asdf$$^/aa", "repository"),
        .init("nginx:tag:extra", "repository"),  // the last ':' starts the tag, leaving "nginx:tag" as the name
        .init(":justtag", "repository"),
        .init("@sha256:\(hex64)", "repository"),
        .init("[fc00::1]:5000", "repository"),  // tag 5000 on the Docker Hub name "library/[fc00::1]"
        .init(hex64, "repository"),
        .init(String(repeating: "a", count: 238), "repository"),  // 256 characters with docker.io/library/
        .init("example.com/" + String(repeating: "a/", count: 121) + "ab", "repository"),  // 256
        // Tag.
        .init("nginx:", "tag"),
        .init("nginx:-bad", "tag"),
        .init("nginx:.bad", "tag"),
        .init("nginx:bad tag", "tag"),
        .init("nginx:t" + String(repeating: "a", count: 128), "tag"),  // 129 characters
        .init("[2001:db8::1]", "tag"),  // "1]" is read as the tag
        // Digest.
        .init("nginx@sha256:short", "digest"),
        .init("nginx@md5:900150983cd24fb0d6963f7d28e17f72", "digest"),
        .init("nginx@sha256:\(hex64.uppercased())", "digest"),
        .init("nginx@", "digest"),
        .init("nginx@\(hex64)", "digest"),
        .init("nginx@sha512:\(hex64)", "digest"),
        // Registry: DNS labels or a bracketed IPv6 address, with an optional numeric port.
        .init("host:port/x", "registry"),
        .init("host:99999/x", "registry"),
        .init("host:/x", "registry"),
        .init("nginx:tag/x", "registry"),
        .init("[::1/app", "registry"),
        .init("[fe80::1%eth0]:5000/debian", "registry"),
        .init("[2001:db8:3:4::192.0.2.33]:5000/debian", "registry"),
        .init("fc00::1:5000/debian", "registry"),
        .init("https://github.com/docker/docker", "registry"),
        .init("-docker.io/docker/docker", "registry"),
        .init("host_name.com/x", "registry"),
        .init("example.com./x", "registry"),
        .init("UPPER_CASE/app", "registry"),
        .init("a-b.c_d__e/f0", "registry"),  // the '.' makes the first component a host, and '_' is not allowed there
    ]

    @Test(arguments: invalid)
    func refusesInvalidReference(_ test: Invalid) throws {
        let error = try #require(throws: OCIError.self) { try ImageReference(parsing: test.input) }
        guard case .invalidReference(let value, let part, let reason) = error else {
            Issue.record("expected invalidReference, got \(error)")
            return
        }
        #expect(value == test.input)
        #expect(part == test.part, "reason: \(reason)")
        #expect(!reason.isEmpty)
        #expect(error.description == "invalid image reference '\(test.input)': \(part) \(reason)")
    }

    @Test func tableSizes() {
        #expect(Self.valid.count + Self.invalid.count >= 40)
        #expect(tag128.count == 128)
    }

    // MARK: Derived values

    @Test func manifestReferencePrefersTheDigest() throws {
        #expect(try ImageReference(parsing: "nginx").manifestReference == "latest")
        #expect(try ImageReference(parsing: "nginx:1.25").manifestReference == "1.25")
        #expect(try ImageReference(parsing: "nginx@sha256:\(hex64)").manifestReference == "sha256:\(hex64)")
        #expect(try ImageReference(parsing: "nginx:1.25@sha256:\(hex64)").manifestReference == "sha256:\(hex64)")
        #expect(ImageReference(registry: "r.io", repository: "a").manifestReference == "latest")
    }

    @Test func nameIsRegistryAndRepository() throws {
        #expect(try ImageReference(parsing: "nginx:1.25").name == "docker.io/library/nginx")
        #expect(try ImageReference(parsing: "localhost:5000/a/b@sha256:\(hex64)").name == "localhost:5000/a/b")
        #expect(try ImageReference(parsing: "[::1]:5000/app:x").name == "[::1]:5000/app")
    }

    @Test func memberwiseInitialiserKeepsWhatItIsGiven() throws {
        let digest = try Digest(parsing: "sha256:\(hex64)")
        let reference = ImageReference(registry: "ghcr.io", repository: "acme/app", digest: digest)
        #expect(reference.tag == nil)
        #expect(reference.description == "ghcr.io/acme/app@sha256:\(hex64)")
        #expect(try ImageReference(parsing: "ghcr.io/acme/app@sha256:\(hex64)") == reference)
    }

    @Test func defaults() {
        #expect(ImageReference.defaultRegistry == "docker.io")
        #expect(ImageReference.defaultTag == "latest")
    }

    @Test(arguments: [
        ("latest", true), ("_", true), ("A", true), ("9", true), ("v1.0-rc_2", true), (tag128, true),
        ("", false), ("-x", false), (".x", false), ("x/y", false), ("x+y", false), ("é", false),
        (tag128 + "z", false),
    ])
    func tagGrammar(tag: String, valid: Bool) {
        #expect(ImageReference.isValidTag(tag) == valid)
    }
}
