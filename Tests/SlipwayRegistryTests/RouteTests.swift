import Testing

@testable import SlipwayRegistry

@Suite struct RouteTests {
    @Test(arguments: [
        ("/v2", RegistryRoute.base),
        ("/v2/", .base),
        ("/v2/_catalog", .catalog),
        ("/v2/app/tags/list", .tags(name: "app")),
        ("/v2/acme/web/tags/list", .tags(name: "acme/web")),
        ("/v2/a/b/c/manifests/latest", .manifest(name: "a/b/c", reference: "latest")),
        ("/v2/app/manifests/sha256:abc", .manifest(name: "app", reference: "sha256:abc")),
        ("/v2/app/blobs/sha256:abc", .blob(name: "app", digest: "sha256:abc")),
        ("/v2/app/blobs/uploads/", .startUpload(name: "app")),
        ("/v2/app/blobs/uploads", .startUpload(name: "app")),
        ("/v2/acme/web/blobs/uploads/1234-abcd", .upload(name: "acme/web", id: "1234-abcd")),
        ("/v2/app/referrers/sha256:abc", .referrers(name: "app", digest: "sha256:abc")),
        // A repository may itself be called "blobs" or "manifests".
        ("/v2/blobs/manifests/v1", .manifest(name: "blobs", reference: "v1")),
        ("/v2/x/manifests/manifests/v1", .manifest(name: "x/manifests", reference: "v1")),
    ] as [(String, RegistryRoute)])
    func parses(path: String, route: RegistryRoute) {
        #expect(RegistryRoute.parse(path: path) == route)
    }

    @Test(arguments: ["/", "/v1/", "/v2x", "/v2/app", "/v2/app/unknown/x", "/v2/manifests/v1", "/v2/app/manifests/",
                      "/healthz"])
    func rejects(path: String) {
        #expect(RegistryRoute.parse(path: path) == nil)
    }

    @Test(arguments: ["app", "acme/web", "a.b/c_d/e__f/g-h", "a---b", String(repeating: "a", count: 255)])
    func validNames(name: String) throws {
        try RegistryRoute.validateName(name)
    }

    @Test(arguments: ["App", "a//b", "-a", "a-", "a_", "a___b", "a b", "", String(repeating: "a", count: 256), "a/"])
    func invalidNames(name: String) {
        #expect(throws: RegistryError.self) { try RegistryRoute.validateName(name) }
    }

    @Test func references() throws {
        #expect(try ManifestReference(parsing: "v1.2") == .tag("v1.2"))
        #expect(throws: RegistryError.self) { try ManifestReference(parsing: "-bad") }
        do {
            _ = try ManifestReference(parsing: "sha256:123")
            Issue.record("a short digest was accepted")
        } catch {
            #expect(error.code == .digestInvalid)
        }
    }
}

@Suite struct UploadProgressTests {
    @Test func chunksMustFollowOneAnother() {
        var progress = UploadProgress()
        #expect(progress.rangeHeader == "0-0")
        #expect(progress.check(contentRange: "0-9", contentLength: 10) == .append(expectedLength: 10))
        progress.received(10)
        #expect(progress.rangeHeader == "0-9")
        #expect(progress.check(contentRange: "0-9", contentLength: 10) == .rangeNotSatisfiable)  // a repeat
        #expect(progress.check(contentRange: "11-20", contentLength: 10) == .rangeNotSatisfiable)  // a gap
        #expect(progress.check(contentRange: "10-19", contentLength: 5) == .rangeNotSatisfiable)  // length disagrees
        #expect(progress.check(contentRange: "nonsense", contentLength: nil) == .rangeNotSatisfiable)
        #expect(progress.check(contentRange: "10-19", contentLength: nil) == .append(expectedLength: 10))
        #expect(progress.check(contentRange: nil, contentLength: nil) == .append(expectedLength: nil))
    }

    @Test(arguments: [
        ("bytes=0-9", 100, 0...9), ("bytes=90-", 100, 90...99), ("bytes=-10", 100, 90...99),
        ("bytes=50-500", 100, 50...99), ("bytes=-500", 100, 0...99),
    ] as [(String, Int64, ClosedRange<Int64>)])
    func byteRanges(header: String, size: Int64, range: ClosedRange<Int64>) {
        #expect(ByteRange.parse(header, size: size) == range)
    }

    @Test(arguments: ["bytes=100-", "bytes=5-2", "bytes=0-1,5-6", "items=0-1", "bytes=-0", "bytes=a-b"])
    func unsatisfiableRanges(header: String) {
        #expect(ByteRange.parse(header, size: 100) == nil)
    }
}
