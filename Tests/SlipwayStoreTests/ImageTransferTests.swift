import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayTestSupport
import Testing

@testable import SlipwayStore

@Suite struct ImageTransferTests {
    let dir = TemporaryDirectory("slipway-transfer")

    @Test func copiesAnImageAndSkipsWhatIsThere() throws {
        let layout = try OCILayout.openOrCreate(at: dir("layout"))
        let descriptor = try writeImage(layout, tag: "v1", files: ["a": "1", "b": "2"])
        let store = try BlobStore(root: dir("store"))
        let first = try ImageTransfer.copy(descriptor, from: layout.blobs, to: store)
        #expect(first.blobsCopied == 3 && first.blobsSkipped == 0)
        #expect(try store.loadImage(descriptor, verifyLayers: true).manifest.layers.count == 1)
        let second = try ImageTransfer.copy(descriptor, from: layout.blobs, to: store)
        #expect(second == ImageTransfer.Summary(blobsCopied: 0, blobsSkipped: 3, bytesCopied: 0))
    }

    @Test func copiesEveryImageOfAnIndex() throws {
        let layout = try OCILayout.openOrCreate(at: dir("layout"))
        let amd = try writeImage(layout, tag: "amd", files: ["arch": "amd64"])
        var arm = try writeImage(layout, tag: "arm", files: ["arch": "arm64"])
        arm.platform = Platform(os: "linux", architecture: "arm64")
        let (digest, size) = try layout.blobs.put(try ImageIndex(manifests: [amd, arm]).encoded())
        let index = Descriptor(mediaType: MediaType.ociIndex, digest: digest, size: size)
        let store = try BlobStore(root: dir("store"))
        let summary = try ImageTransfer.copy(index, from: layout.blobs, to: store)
        #expect(summary.blobsCopied == 7)  // index, 2 manifests, 2 configs, 2 layers
        let loaded = try store.loadImage(index, platform: Platform(os: "linux", architecture: "arm64"))
        #expect(loaded.descriptor.digest == arm.digest)
        #expect(loaded.index?.manifests.count == 2)
    }

    /// A corrupt layer in the source stops the copy, and the destination gets neither it nor the manifest.
    @Test func corruptSourceBlobStopsTheCopy() throws {
        let layout = try OCILayout.openOrCreate(at: dir("layout"))
        let descriptor = try writeImage(layout, tag: "v1", files: ["a": "1"])
        let image = try layout.blobs.loadImage(descriptor)
        let layerPath = layout.blobs.path(for: image.manifest.layers[0].digest)
        var bytes = try readFile(layerPath)
        bytes[bytes.count / 2] ^= 0xff
        try Data(bytes).write(to: URL(fileURLWithPath: layerPath))
        let store = try BlobStore(root: dir("store"))
        #expect(throws: StoreError.self) { try ImageTransfer.copy(descriptor, from: layout.blobs, to: store) }
        #expect(try !store.contains(descriptor.digest))
        #expect(try !store.contains(image.manifest.layers[0].digest))
    }
}
