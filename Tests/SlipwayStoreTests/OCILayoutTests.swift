import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayTestSupport
import Testing

@testable import SlipwayStore

/// Writes a small one-layer image into a layout and returns its manifest descriptor.
func writeImage(_ layout: OCILayout, tag: String, files: [String: String]) throws -> Descriptor {
    let (layer, diffID) = try layout.blobs.putLayer { tar in
        for (name, content) in files.sorted(by: { $0.key < $1.key }) {
            try tar.append(TarEntry(name: name, kind: .regular, size: Int64(content.utf8.count)),
                           content: MemoryReader(Array(content.utf8)))
        }
    }
    let configuration = ImageConfiguration(
        config: ContainerConfig(env: ["PATH=/bin"], cmd: ["/bin/app"], labels: ["org.opencontainers.image.revision": "abc"]),
        rootfs: .init(diffIDs: [diffID]))
    let manifest = try layout.blobs.putImage(configuration: configuration, layers: [layer])
    try layout.tag(manifest, as: tag)
    return manifest
}

@Suite struct OCILayoutTests {
    let dir = TemporaryDirectory("slipway-layout")

    @Test func createTagAndResolve() throws {
        let layout = try OCILayout.openOrCreate(at: dir("layout"))
        #expect(try String(contentsOfFile: dir("layout/oci-layout"), encoding: .utf8) == #"{"imageLayoutVersion":"1.0.0"}"#)
        let first = try writeImage(layout, tag: "v1", files: ["a": "1"])
        let second = try writeImage(layout, tag: "v2", files: ["a": "2"])
        _ = try writeImage(layout, tag: "v1", files: ["a": "3"])  // moves v1
        #expect(try layout.tags() == ["v1", "v2"])
        #expect(try layout.descriptor(tag: "v2").digest == second.digest)
        #expect(try layout.descriptor(tag: "v1").digest != first.digest)
        let image = try layout.blobs.loadImage(try layout.descriptor(tag: "v2"), verifyLayers: true)
        #expect(image.configuration.config?.cmd == ["/bin/app"])
        #expect(image.manifest.layers.count == 1)
        #expect(throws: StoreError.tagUnknown(layout: dir("layout"), tag: "v3", available: ["v1", "v2"])) {
            try layout.descriptor(tag: "v3")
        }
        #expect(throws: StoreError.self) { try layout.descriptor(tag: nil) }  // two images: must name one
    }

    @Test func refusesWhatIsNotALayout() throws {
        try dir.write("plain/file", "x")
        #expect(throws: StoreError.self) { try OCILayout.openOrCreate(at: dir("plain")) }
        try dir.write("bad/oci-layout", #"{"imageLayoutVersion":"9.0"}"#)
        #expect(throws: StoreError.self) { try OCILayout.open(at: dir("bad")) }
        try dir.write("broken/oci-layout", "{not json")
        #expect(throws: StoreError.self) { try OCILayout.open(at: dir("broken")) }
    }

    @Test func layerSizeDisagreeingWithBlobIsNamed() throws {
        let layout = try OCILayout.openOrCreate(at: dir("layout"))
        let descriptor = try writeImage(layout, tag: "v1", files: ["a": "1"])
        let image = try layout.blobs.loadImage(descriptor)
        // Rewrite the manifest to claim a different layer size.
        var manifest = image.manifest
        manifest.layers[0].size += 1
        let (digest, size) = try layout.blobs.put(try manifest.encoded())
        let lying = Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: size)
        do {
            _ = try layout.blobs.loadImage(lying)
            Issue.record("a wrong layer size was accepted")
        } catch let error as StoreError {
            #expect(error.description.contains(manifest.layers[0].digest.description))
            #expect(error.description.contains("descriptor says \(manifest.layers[0].size)"))
        }
    }

    @Test func missingLayerAndMismatchedDiffIDsAreNamed() throws {
        let layout = try OCILayout.openOrCreate(at: dir("layout"))
        let descriptor = try writeImage(layout, tag: "v1", files: ["a": "1"])
        let image = try layout.blobs.loadImage(descriptor)
        var manifest = image.manifest
        manifest.layers.append(manifest.layers[0])
        let (digest, size) = try layout.blobs.put(try manifest.encoded())
        #expect(throws: StoreError.self) {
            try layout.blobs.loadImage(Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: size))
        }
        try layout.blobs.delete(image.manifest.layers[0].digest)
        #expect(throws: StoreError.blobUnknown(image.manifest.layers[0].digest)) {
            try layout.blobs.loadImage(descriptor)
        }
    }

    @Test func malformedManifestIsNamed() throws {
        let layout = try OCILayout.openOrCreate(at: dir("layout"))
        let (digest, size) = try layout.blobs.put(Array(#"{"schemaVersion":2,"layers":[]}"#.utf8))
        do {
            _ = try layout.blobs.loadImage(Descriptor(mediaType: MediaType.ociManifest, digest: digest, size: size))
            Issue.record("a manifest without config was accepted")
        } catch {
            #expect("\(error)".contains("config"))
            #expect("\(error)".contains(digest.description))
        }
    }

    /// skopeo reads what Slipway writes: it copies the image out of the layout and the blobs are ours, byte for byte.
    @Test func skopeoReadsSlipwayLayouts() throws {
        try requireTool("skopeo")
        let layout = try OCILayout.openOrCreate(at: dir("layout"))
        let descriptor = try writeImage(layout, tag: "app", files: ["srv/index.html": "<p>hi</p>"])
        let image = try layout.blobs.loadImage(descriptor)
        let result = try run(["skopeo", "copy", "oci:\(dir("layout")):app", "dir:\(dir("out"))"])
        #expect(result.status == 0, "\(result.stderr)")
        let layer = image.manifest.layers[0].digest
        #expect(try readFile(dir("out/\(layer.hex)")) == layout.blobs.bytes(of: layer))
        #expect(try readFile(dir("out/manifest.json")) == layout.blobs.bytes(of: descriptor.digest))
        let inspect = try run(["skopeo", "inspect", "oci:\(dir("layout")):app"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("\"org.opencontainers.image.revision\": \"abc\""))
    }

    /// Slipway reads what skopeo writes: skopeo converts an image to Docker schema 2 and back into a new
    /// layout of its own making, and Slipway loads and verifies every blob of it.
    @Test func slipwayReadsSkopeoLayouts() throws {
        try requireTool("skopeo")
        let layout = try OCILayout.openOrCreate(at: dir("layout"))
        _ = try writeImage(layout, tag: "app", files: ["etc/motd": "welcome"])
        var result = try run(["skopeo", "copy", "--format", "v2s2", "oci:\(dir("layout")):app", "dir:\(dir("v2s2"))"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try run(["skopeo", "copy", "dir:\(dir("v2s2"))", "oci:\(dir("theirs")):copied"])
        #expect(result.status == 0, "\(result.stderr)")

        let theirs = try OCILayout.open(at: dir("theirs"))
        #expect(try theirs.tags() == ["copied"])
        let image = try theirs.blobs.loadImage(try theirs.descriptor(tag: "copied"), verifyLayers: true)
        #expect(image.configuration.config?.cmd == ["/bin/app"])
        // Unpack the layer skopeo wrote and find the file.
        let layer = image.manifest.layers[0]
        try Extractor.unpack(layers: [{ try GzipReader(try theirs.blobs.reader(for: layer.digest)) }], to: dir("rootfs"))
        #expect(try String(contentsOfFile: dir("rootfs/etc/motd"), encoding: .utf8) == "welcome")
    }
}
