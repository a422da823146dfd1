import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SlipwayOCI
import SlipwayStore
import SlipwayTestSupport
import Testing

@testable import SlipwayRegistry

/// A registry in a temporary home, served in-process (no sockets) for protocol tests.
struct TestRegistry {
    let home = TemporaryDirectory("slipway-registry")
    let registry: Registry

    init(immutableTags: [(repository: String, tags: [String])] = []) throws {
        registry = try Registry(home: SlipwayHome(path: home.path), immutableTags: immutableTags)
    }

    func run(_ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let app = Application(responder: RegistryResponder<BasicRequestContext>(registry: registry))
        try await app.test(.router) { client in try await body(Client(inner: client)) }
    }

    struct Client {
        let inner: any TestClientProtocol

        @discardableResult
        func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: [UInt8]? = nil)
            async throws -> TestResponse
        {
            try await inner.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
        }

        /// Pushes a blob monolithically and checks it was created.
        func pushBlob(_ name: String, _ bytes: [UInt8]) async throws -> Digest {
            let digest = Digest(of: bytes)
            let response = try await send(.post, "/v2/\(name)/blobs/uploads/?digest=\(digest)", body: bytes)
            #expect(response.status == .created, "\(String(buffer: response.body))")
            return digest
        }

        /// Pushes a config and a layer, then a manifest naming them; returns the manifest bytes and digest.
        func pushImage(_ name: String, tag: String, layer: String = "layer", subject: Descriptor? = nil,
                       artifactType: String? = nil, labels: [String: String] = [:]) async throws -> (bytes: [UInt8], digest: Digest) {
            let layerBytes = Array(layer.utf8)
            let config = ImageConfiguration(config: ContainerConfig(labels: labels), rootfs: .init(diffIDs: [Digest(of: layerBytes)]))
            let configBytes = try config.encoded()
            let configDigest = try await pushBlob(name, configBytes)
            let layerDigest = try await pushBlob(name, layerBytes)
            var manifest = ImageManifest(
                config: Descriptor(mediaType: MediaType.ociConfig, digest: configDigest, size: Int64(configBytes.count)),
                layers: [Descriptor(mediaType: MediaType.ociLayer, digest: layerDigest, size: Int64(layerBytes.count))],
                subject: subject, artifactType: artifactType)
            manifest.annotations = ["made.by": "test"]
            let bytes = try manifest.encoded()
            let response = try await send(.put, "/v2/\(name)/manifests/\(tag)",
                                          headers: [.contentType: MediaType.ociManifest], body: bytes)
            #expect(response.status == .created, "\(String(buffer: response.body))")
            return (bytes, Digest(of: bytes))
        }
    }
}

/// The code of a spec error body.
func errorCode(_ response: TestResponse) -> String? {
    struct Body: Decodable {
        struct Item: Decodable { var code: String }
        var errors: [Item]
    }
    return (try? JSONDecoder().decode(Body.self, from: Data(buffer: response.body)))?.errors.first?.code
}

extension HTTPField.Name {
    static let testRange = HTTPField.Name("Range")!
    static let testContentRange = HTTPField.Name("Content-Range")!
    static let testDigest = HTTPField.Name("Docker-Content-Digest")!
    static let testLink = HTTPField.Name("Link")!
    static let testSubject = HTTPField.Name("OCI-Subject")!
    static let testFilters = HTTPField.Name("OCI-Filters-Applied")!
}

@Suite struct ProtocolTests {
    @Test func versionCheck() async throws {
        try await TestRegistry().run { client in
            let response = try await client.send(.get, "/v2/")
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("Docker-Distribution-API-Version")!] == "registry/2.0")
            #expect(try await client.send(.head, "/v2/").status == .ok)
        }
    }

    @Test func monolithicPushAndPull() async throws {
        try await TestRegistry().run { client in
            let bytes = Array("hello blob".utf8)
            let digest = try await client.pushBlob("acme/app", bytes)
            let head = try await client.send(.head, "/v2/acme/app/blobs/\(digest)")
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == String(bytes.count))
            #expect(head.headers[.testDigest] == digest.description)
            let get = try await client.send(.get, "/v2/acme/app/blobs/\(digest)")
            #expect(Array(buffer: get.body) == bytes)
            // Another repository cannot read it without a mount.
            let other = try await client.send(.get, "/v2/other/blobs/\(digest)")
            #expect(other.status == .notFound && errorCode(other) == "BLOB_UNKNOWN")
        }
    }

    @Test func wrongDigestIsRefusedAndNothingIsStored() async throws {
        let registry = try TestRegistry()
        try await registry.run { client in
            let claimed = Digest(of: Array("something else".utf8))
            let response = try await client.send(.post, "/v2/app/blobs/uploads/?digest=\(claimed)", body: Array("actual".utf8))
            #expect(response.status == .badRequest && errorCode(response) == "DIGEST_INVALID")
            #expect(try await client.send(.head, "/v2/app/blobs/\(claimed)").status == .notFound)
            let malformed = try await client.send(.post, "/v2/app/blobs/uploads/?digest=sha256:nothex", body: [1])
            #expect(malformed.status == .badRequest && errorCode(malformed) == "DIGEST_INVALID")
        }
        #expect(try registry.registry.store.digests().isEmpty)
    }

    @Test func chunkedUploadWithAnOutOfOrderChunk() async throws {
        try await TestRegistry().run { client in
            let bytes = [UInt8]((0..<300).map { UInt8(truncatingIfNeeded: $0) })
            let start = try await client.send(.post, "/v2/app/blobs/uploads/")
            #expect(start.status == .accepted)
            let location = try #require(start.headers[.location])
            #expect(location.hasPrefix("/v2/app/blobs/uploads/"))
            #expect(start.headers[.testRange] == "0-0")

            var response = try await client.send(.patch, location, headers: [.testContentRange: "0-99", .contentLength: "100"],
                                                 body: Array(bytes[0..<100]))
            #expect(response.status == .accepted)
            #expect(response.headers[.testRange] == "0-99")
            // A chunk that skips ahead is refused with 416, and the session survives.
            response = try await client.send(.patch, location, headers: [.testContentRange: "150-199", .contentLength: "50"],
                                             body: Array(bytes[150..<200]))
            #expect(response.status == .rangeNotSatisfiable)
            #expect(response.headers[.testRange] == "0-99")
            let status = try await client.send(.get, location)
            #expect(status.status == .noContent && status.headers[.testRange] == "0-99")
            // A streamed chunk without Content-Range continues where the upload stands.
            response = try await client.send(.patch, location, body: Array(bytes[100..<250]))
            #expect(response.headers[.testRange] == "0-249")
            // The last chunk rides on the PUT that completes the upload.
            let digest = Digest(of: bytes)
            response = try await client.send(.put, location + "?digest=\(digest)",
                                             headers: [.testContentRange: "250-299", .contentLength: "50"],
                                             body: Array(bytes[250..<300]))
            #expect(response.status == .created, "\(String(buffer: response.body))")
            #expect(response.headers[.location] == "/v2/app/blobs/\(digest)")
            #expect(Array(buffer: try await client.send(.get, "/v2/app/blobs/\(digest)").body) == bytes)
            // The session is gone once completed.
            let gone = try await client.send(.get, location)
            #expect(gone.status == .notFound && errorCode(gone) == "BLOB_UPLOAD_UNKNOWN")
        }
    }

    @Test func postThenPutAndCancel() async throws {
        try await TestRegistry().run { client in
            let bytes = Array("whole blob in the put".utf8)
            let location = try #require(try await client.send(.post, "/v2/app/blobs/uploads/").headers[.location])
            let put = try await client.send(.put, location + "?digest=\(Digest(of: bytes))",
                                            headers: [.contentLength: String(bytes.count)], body: bytes)
            #expect(put.status == .created)

            let other = try #require(try await client.send(.post, "/v2/app/blobs/uploads/").headers[.location])
            try await client.send(.patch, other, body: Array("partial".utf8))
            #expect(try await client.send(.delete, other).status == .noContent)
            #expect(try await client.send(.patch, other, body: [1]).status == .notFound)
            #expect(try await client.send(.delete, other).status == .notFound)
        }
    }

    @Test func truncatedOrWrongUploadFailsAtCompletion() async throws {
        try await TestRegistry().run { client in
            let bytes = Array("the complete content".utf8)
            let location = try #require(try await client.send(.post, "/v2/app/blobs/uploads/").headers[.location])
            try await client.send(.patch, location, body: Array(bytes.prefix(8)))
            let put = try await client.send(.put, location + "?digest=\(Digest(of: bytes))")
            #expect(put.status == .badRequest && errorCode(put) == "DIGEST_INVALID")
            #expect(try await client.send(.head, "/v2/app/blobs/\(Digest(of: bytes))").status == .notFound)
            let missing = try #require(try await client.send(.post, "/v2/app/blobs/uploads/").headers[.location])
            let noDigest = try await client.send(.put, missing)
            #expect(noDigest.status == .badRequest && errorCode(noDigest) == "DIGEST_INVALID")
        }
    }

    @Test func crossRepositoryMount() async throws {
        try await TestRegistry().run { client in
            let digest = try await client.pushBlob("source", Array("shared layer".utf8))
            let mounted = try await client.send(.post, "/v2/target/blobs/uploads/?mount=\(digest)&from=source")
            #expect(mounted.status == .created)
            #expect(mounted.headers[.location] == "/v2/target/blobs/\(digest)")
            #expect(try await client.send(.head, "/v2/target/blobs/\(digest)").status == .ok)
            // Not in the named source: a session is opened instead.
            let unknown = Digest(of: Array("nowhere".utf8))
            let session = try await client.send(.post, "/v2/target/blobs/uploads/?mount=\(unknown)&from=source")
            #expect(session.status == .accepted)
            #expect(session.headers[.location]?.hasPrefix("/v2/target/blobs/uploads/") == true)
        }
    }

    @Test func manifestsByTagAndDigest() async throws {
        try await TestRegistry().run { client in
            let (bytes, digest) = try await client.pushImage("acme/web", tag: "v1")
            for reference in ["v1", digest.description] {
                let get = try await client.send(.get, "/v2/acme/web/manifests/\(reference)",
                                                headers: [.accept: "\(MediaType.dockerManifest), \(MediaType.ociManifest)"])
                #expect(get.status == .ok)
                #expect(Array(buffer: get.body) == bytes)
                #expect(get.headers[.contentType] == MediaType.ociManifest)
                #expect(get.headers[.testDigest] == digest.description)
                #expect(get.headers[.contentLength] == String(bytes.count))
                let head = try await client.send(.head, "/v2/acme/web/manifests/\(reference)")
                #expect(head.status == .ok && head.headers[.contentLength] == String(bytes.count))
            }
            // Accept that excludes the stored type.
            let refused = try await client.send(.get, "/v2/acme/web/manifests/v1", headers: [.accept: MediaType.dockerManifestList])
            #expect(refused.status == .notFound && errorCode(refused) == "MANIFEST_UNKNOWN")
            // Put by digest: the digest must be the content's.
            let byDigest = try await client.send(.put, "/v2/acme/web/manifests/\(digest)",
                                                 headers: [.contentType: MediaType.ociManifest], body: bytes)
            #expect(byDigest.status == .created)
            let wrong = try await client.send(.put, "/v2/acme/web/manifests/\(Digest(of: Array("x".utf8)))",
                                              headers: [.contentType: MediaType.ociManifest], body: bytes)
            #expect(wrong.status == .badRequest && errorCode(wrong) == "DIGEST_INVALID")
            let unknown = try await client.send(.get, "/v2/acme/web/manifests/v2")
            #expect(unknown.status == .notFound && errorCode(unknown) == "MANIFEST_UNKNOWN")
        }
    }

    @Test func badManifestsAreRefused() async throws {
        try await TestRegistry().run { client in
            let layer = Descriptor(mediaType: MediaType.ociLayer, digest: Digest(of: Array("never pushed".utf8)), size: 12)
            let config = try await client.pushBlob("app", Array("{}".utf8))
            let missing = try ImageManifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: config, size: 2),
                                            layers: [layer]).encoded()
            var response = try await client.send(.put, "/v2/app/manifests/v1", headers: [.contentType: MediaType.ociManifest], body: missing)
            #expect(response.status == .badRequest && errorCode(response) == "MANIFEST_BLOB_UNKNOWN")
            #expect(String(buffer: response.body).contains(layer.digest.description))

            response = try await client.send(.put, "/v2/app/manifests/v1", headers: [.contentType: MediaType.ociManifest],
                                             body: Array("{not json".utf8))
            #expect(response.status == .badRequest && errorCode(response) == "MANIFEST_INVALID")

            let wrongSize = try ImageManifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: config, size: 3), layers: []).encoded()
            response = try await client.send(.put, "/v2/app/manifests/v1", headers: [.contentType: MediaType.ociManifest], body: wrongSize)
            #expect(response.status == .badRequest && errorCode(response) == "MANIFEST_INVALID")

            response = try await client.send(.put, "/v2/app/manifests/v1", headers: [.contentType: "text/plain"], body: Array("{}".utf8))
            #expect(response.status == .badRequest && errorCode(response) == "MANIFEST_INVALID")

            let huge = [UInt8](repeating: UInt8(ascii: " "), count: Registry.maxManifestSize + 1)
            response = try await client.send(.put, "/v2/app/manifests/v1", headers: [.contentType: MediaType.ociManifest], body: huge)
            #expect(response.status == .contentTooLarge && errorCode(response) == "SIZE_INVALID")

            response = try await client.send(.get, "/v2/App/manifests/v1")
            #expect(response.status == .badRequest && errorCode(response) == "NAME_INVALID")
            response = try await client.send(.get, "/v2/app/blobs/sha256:zz")
            #expect(response.status == .badRequest && errorCode(response) == "DIGEST_INVALID")
            response = try await client.send(.get, "/v2/app/manifests/-tag")
            #expect(response.status == .badRequest)
        }
    }

    @Test func indexNeedsItsManifests() async throws {
        try await TestRegistry().run { client in
            let (bytes, digest) = try await client.pushImage("app", tag: "amd64")
            let entry = Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count),
                                   platform: .linuxAMD64)
            let absent = Descriptor(mediaType: MediaType.ociManifest, digest: Digest(of: Array("no".utf8)), size: 2,
                                    platform: Platform(os: "linux", architecture: "arm64"))
            var response = try await client.send(.put, "/v2/app/manifests/multi", headers: [.contentType: MediaType.ociIndex],
                                                 body: try ImageIndex(manifests: [entry, absent]).encoded())
            #expect(response.status == .badRequest && errorCode(response) == "MANIFEST_BLOB_UNKNOWN")
            response = try await client.send(.put, "/v2/app/manifests/multi", headers: [.contentType: MediaType.ociIndex],
                                             body: try ImageIndex(manifests: [entry]).encoded())
            #expect(response.status == .created)
            #expect(try await client.send(.get, "/v2/app/manifests/multi").headers[.contentType] == MediaType.ociIndex)
        }
    }

    @Test func blobRanges() async throws {
        try await TestRegistry().run { client in
            let bytes = Array("0123456789abcdefghij".utf8)
            let digest = try await client.pushBlob("app", bytes)
            var response = try await client.send(.get, "/v2/app/blobs/\(digest)", headers: [.testRange: "bytes=5-9"])
            #expect(response.status == .partialContent)
            #expect(String(buffer: response.body) == "56789")
            #expect(response.headers[.testContentRange] == "bytes 5-9/20")
            response = try await client.send(.get, "/v2/app/blobs/\(digest)", headers: [.testRange: "bytes=15-"])
            #expect(String(buffer: response.body) == "fghij")
            response = try await client.send(.get, "/v2/app/blobs/\(digest)", headers: [.testRange: "bytes=40-50"])
            #expect(response.status == .rangeNotSatisfiable)
            #expect(response.headers[.testContentRange] == "bytes */20")
        }
    }

    @Test func tagsAndCatalogPaginate() async throws {
        try await TestRegistry().run { client in
            for tag in ["v3", "v1", "latest", "v2"] { _ = try await client.pushImage("web", tag: tag) }
            _ = try await client.pushImage("api", tag: "v1")
            var response = try await client.send(.get, "/v2/web/tags/list")
            #expect(String(buffer: response.body) == #"{"name":"web","tags":["latest","v1","v2","v3"]}"#)
            #expect(response.headers[.testLink] == nil)
            response = try await client.send(.get, "/v2/web/tags/list?n=2")
            #expect(String(buffer: response.body) == #"{"name":"web","tags":["latest","v1"]}"#)
            #expect(response.headers[.testLink] == #"</v2/web/tags/list?n=2&last=v1>; rel="next""#)
            response = try await client.send(.get, "/v2/web/tags/list?n=2&last=v1")
            #expect(String(buffer: response.body) == #"{"name":"web","tags":["v2","v3"]}"#)
            response = try await client.send(.get, "/v2/web/tags/list?n=0")
            #expect(String(buffer: response.body) == #"{"name":"web","tags":[]}"#)
            response = try await client.send(.get, "/v2/nothing/tags/list")
            #expect(response.status == .notFound && errorCode(response) == "NAME_UNKNOWN")
            response = try await client.send(.get, "/v2/web/tags/list?n=-1")
            #expect(response.status == .badRequest)

            response = try await client.send(.get, "/v2/_catalog?n=1")
            #expect(String(buffer: response.body) == #"{"repositories":["api"]}"#)
            #expect(response.headers[.testLink] == #"</v2/_catalog?n=1&last=api>; rel="next""#)
            response = try await client.send(.get, "/v2/_catalog?n=1&last=api")
            #expect(String(buffer: response.body) == #"{"repositories":["web"]}"#)
        }
    }

    @Test func deletes() async throws {
        try await TestRegistry().run { client in
            let (_, digest) = try await client.pushImage("app", tag: "v1")
            try await client.send(.put, "/v2/app/manifests/v2", headers: [.contentType: MediaType.ociManifest],
                                  body: Array(try await client.send(.get, "/v2/app/manifests/v1").body.readableBytesView))
            // Deleting a tag leaves the manifest and the other tag.
            #expect(try await client.send(.delete, "/v2/app/manifests/v1").status == .accepted)
            #expect(try await client.send(.get, "/v2/app/manifests/v1").status == .notFound)
            #expect(try await client.send(.get, "/v2/app/manifests/\(digest)").status == .ok)
            // Deleting the manifest takes its remaining tags with it.
            #expect(try await client.send(.delete, "/v2/app/manifests/\(digest)").status == .accepted)
            #expect(try await client.send(.get, "/v2/app/manifests/v2").status == .notFound)
            let again = try await client.send(.delete, "/v2/app/manifests/\(digest)")
            #expect(again.status == .notFound && errorCode(again) == "MANIFEST_UNKNOWN")

            let blob = try await client.pushBlob("app", Array("blob".utf8))
            #expect(try await client.send(.delete, "/v2/app/blobs/\(blob)").status == .accepted)
            #expect(try await client.send(.get, "/v2/app/blobs/\(blob)").status == .notFound)
            let gone = try await client.send(.delete, "/v2/app/blobs/\(blob)")
            #expect(gone.status == .notFound && errorCode(gone) == "BLOB_UNKNOWN")
            let method = try await client.send(.post, "/v2/app/manifests/v1")
            #expect(method.status == .methodNotAllowed && errorCode(method) == "UNSUPPORTED")
        }
    }

    @Test func referrers() async throws {
        try await TestRegistry().run { client in
            let (bytes, digest) = try await client.pushImage("app", tag: "v1")
            let subject = Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count))
            let signatureType = "application/vnd.example.signature"
            let sbomType = "application/spdx+json"
            // The push of a manifest with a subject answers with OCI-Subject.
            let config = try await client.pushBlob("app", Array("{}".utf8))
            let signature = try ImageManifest(
                config: Descriptor(mediaType: MediaType.ociEmpty, digest: config, size: 2), layers: [],
                subject: subject, artifactType: signatureType).encoded()
            let put = try await client.send(.put, "/v2/app/manifests/\(Digest(of: signature))",
                                            headers: [.contentType: MediaType.ociManifest], body: signature)
            #expect(put.status == .created)
            #expect(put.headers[.testSubject] == digest.description)
            _ = try await client.pushImage("app", tag: "sbom", layer: "sbom", subject: subject, artifactType: sbomType)

            var response = try await client.send(.get, "/v2/app/referrers/\(digest)")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == MediaType.ociIndex)
            var index = try ImageIndex.decode(Array(buffer: response.body))
            #expect(Set(index.manifests.compactMap(\.artifactType)) == [signatureType, sbomType])
            #expect(index.manifests.first { $0.artifactType == sbomType }?.annotations == ["made.by": "test"])

            response = try await client.send(.get, "/v2/app/referrers/\(digest)?artifactType=\(sbomType)")
            #expect(response.headers[.testFilters] == "artifactType")
            index = try ImageIndex.decode(Array(buffer: response.body))
            #expect(index.manifests.map(\.artifactType) == [sbomType])

            response = try await client.send(.get, "/v2/app/referrers/\(Digest(of: Array("none".utf8)))")
            #expect(try ImageIndex.decode(Array(buffer: response.body)).manifests.isEmpty)
        }
    }

    @Test func pushesAreAnnounced() async throws {
        let test = try TestRegistry()
        let events = test.registry.pushes()
        try await test.run { client in
            _ = try await client.pushImage("app", tag: "v7", labels: [Annotation.revision: "abc123", Annotation.branch: "main"])
        }
        var iterator = events.makeAsyncIterator()
        let event = try #require(await iterator.next())
        #expect(event.repository == "app" && event.tag == "v7")
        #expect(event.labels[Annotation.revision] == "abc123")
        let listed = try test.registry.database.manifests()
        #expect(listed.first?.manifest.branch == "main")
    }
}

@Suite struct UploadSessionTests {
    @Test func idleSessionsArePurgedAndTheirFilesRemoved() async throws {
        let test = try TestRegistry()
        nonisolated(unsafe) var location = ""
        try await test.run { client in
            location = try #require(try await client.send(.post, "/v2/app/blobs/uploads/").headers[.location])
            try await client.send(.patch, location, body: Array("partial".utf8))
        }
        let staging = test.home("blobs/ingest")
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging).count == 1)
        #expect(test.registry.uploads.purge(idleFor: 24 * 3600) == 0)  // fresh: kept
        #expect(test.registry.uploads.purge(idleFor: 24 * 3600, now: Date().addingTimeInterval(25 * 3600)) == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging).isEmpty)
        try await test.run { client in
            let response = try await client.send(.get, location)
            #expect(response.status == .notFound && errorCode(response) == "BLOB_UPLOAD_UNKNOWN")
        }
    }
}
