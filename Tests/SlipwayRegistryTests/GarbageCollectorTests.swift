import Foundation
import HTTPTypes
import SlipwayOCI
import SlipwayStore
import Testing

@testable import SlipwayRegistry

@Suite struct GarbageCollectorTests {
    @Test func sweepsOnlyWhatNothingReferences() async throws {
        let test = try TestRegistry()
        nonisolated(unsafe) var kept: [Digest] = []
        nonisolated(unsafe) var orphan: Digest?
        nonisolated(unsafe) var deletedImageLayer: Digest?
        try await test.run { client in
            let (bytes, digest) = try await client.pushImage("app", tag: "v1", layer: "kept layer")
            let manifest = try ImageManifest.decode(bytes)
            kept = [digest, manifest.config.digest, manifest.layers[0].digest]
            orphan = try await client.pushBlob("app", Array("uploaded, never used".utf8))
            let (otherBytes, other) = try await client.pushImage("app", tag: "old", layer: "layer of a deleted image")
            deletedImageLayer = try ImageManifest.decode(otherBytes).layers[0].digest
            #expect(try await client.send(.delete, "/v2/app/manifests/\(other)").status == .accepted)
        }
        let store = test.registry.store
        let collector = GarbageCollector(registry: test.registry, gracePeriod: 60)

        // Within the grace period nothing unreferenced is removed: a push may still be on its way.
        var report = try collector.run()
        #expect(report.swept.isEmpty && report.keptYoung >= 2)

        let later = Date().addingTimeInterval(120)
        report = try collector.run(dryRun: true, now: later)
        #expect(Set(report.swept).isSuperset(of: [orphan!, deletedImageLayer!]))
        #expect(Set(report.swept).isDisjoint(with: kept))
        #expect(try store.contains(orphan!))  // a dry run deletes nothing

        report = try collector.run(now: later)
        #expect(try !store.contains(orphan!) && !store.contains(deletedImageLayer!))
        for digest in kept { #expect(try store.contains(digest)) }
        #expect(try test.registry.database.linkedBlobSize(orphan!, in: "app") == nil)
        // The image that is still tagged still loads whole.
        let record = try #require(try test.registry.manifest(.tag("v1"), in: "app"))
        _ = try store.loadImage(record.descriptor, verifyLayers: true)
    }

    @Test func keepsIndexChildrenAndExtraRoots() async throws {
        let test = try TestRegistry()
        nonisolated(unsafe) var child: Digest?
        nonisolated(unsafe) var rootLayer: Digest?
        try await test.run { client in
            let (bytes, digest) = try await client.pushImage("app", tag: "amd64")
            child = try ImageManifest.decode(bytes).layers[0].digest
            let index = try ImageIndex(manifests: [
                Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: Int64(bytes.count), platform: .linuxAMD64)
            ]).encoded()
            #expect(try await client.send(.put, "/v2/app/manifests/multi", headers: [.contentType: MediaType.ociIndex], body: index).status == .created)
            rootLayer = try await client.pushBlob("app", Array("deployed elsewhere".utf8))
        }
        let report = try GarbageCollector(registry: test.registry, gracePeriod: 0)
            .run(extraRoots: [rootLayer!], now: Date().addingTimeInterval(10))
        #expect(report.swept.isEmpty)
        #expect(try test.registry.store.contains(child!) && test.registry.store.contains(rootLayer!))
    }
}

@Suite struct MetricsTests {
    @Test func countsRequestsBytesAndUploads() async throws {
        let test = try TestRegistry()
        try await test.run { client in
            _ = try await client.pushBlob("app", Array(repeating: 7, count: 1000))
            _ = try await client.send(.get, "/v2/app/manifests/missing")
        }
        let text = test.registry.metrics.render()
        #expect(text.contains(#"slipway_http_requests_total{route="upload",method="POST",status="201"} 1"#))
        #expect(text.contains(#"slipway_http_requests_total{route="manifest",method="GET",status="404"} 1"#))
        #expect(text.contains("slipway_http_received_bytes_total 1000"))
        #expect(text.contains("slipway_blob_upload_seconds_count 1"))
    }
}
