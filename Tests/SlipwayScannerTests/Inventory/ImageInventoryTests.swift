import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayStore
import SlipwayTestSupport
import Testing
@testable import SlipwayScanner

/// Images built layer by layer in a blob store, then inventoried: whiteouts, opaque directories, replacement and
/// hardlinks decide what the final filesystem holds, and each package keeps the layer that put it there.
@Suite struct ImageInventoryTests {
    let work = TemporaryDirectory("slipway-inventory")

    typealias File = (path: String, contents: String, mode: UInt32)

    static let osRelease = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"
    static let dpkgStatus = """
        Package: tar
        Status: install ok installed
        Architecture: amd64
        Version: 1.34+dfsg-1.2
        Description: GNU version of the tar archiving utility

        Package: libssl3
        Status: install ok installed
        Architecture: amd64
        Source: openssl
        Version: 3.0.11-1~deb12u1
        Description: Secure Sockets Layer toolkit

        """

    static func metadata(_ name: String, _ version: String) -> String {
        "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\nLicense: MIT\n\n"
    }

    func layer(_ store: BlobStore, _ build: (TarWriter) throws -> Void) throws -> Descriptor {
        try store.putLayer(build).descriptor
    }

    func add(_ tar: TarWriter, _ path: String, _ text: String, mode: UInt32 = 0o644) throws {
        let bytes = Array(text.utf8)
        try tar.append(TarEntry(name: path, kind: .regular, mode: mode, size: Int64(bytes.count)),
                       content: MemoryReader(bytes))
    }

    func inventory(_ store: BlobStore, _ layers: [Descriptor]) throws -> ImageInventory {
        let manifest = ImageManifest(config: Descriptor(mediaType: MediaType.ociConfig, digest: Digest(of: [UInt8]()), size: 0),
                                     layers: layers)
        return try ImageInventory.read(manifest: manifest) { try store.reader(for: $0.digest) }
    }

    @Test func packagesComeFromTheFinalFilesystemWithTheirLayers() throws {
        let store = try BlobStore(root: work("blobs"))
        let base = try layer(store) { tar in
            try add(tar, "etc/os-release", Self.osRelease)
            try add(tar, "var/lib/dpkg/status", Self.dpkgStatus)
            try add(tar, "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA", Self.metadata("six", "1.16.0"))
            try add(tar, "usr/lib/python3/dist-packages/gone-1.0.dist-info/METADATA", Self.metadata("gone", "1.0"))
            try add(tar, "opt/old/lib/python3/site-packages/hidden-1.0.dist-info/METADATA", Self.metadata("hidden", "1.0"))
        }
        let app = try layer(store) { tar in
            // Whiteout of one package's directory, an opaque directory over another tree, and a replaced file.
            try tar.append(TarEntry(name: "usr/lib/python3/dist-packages/.wh.gone-1.0.dist-info", kind: .regular), content: nil)
            try tar.append(TarEntry(name: "opt/old/.wh..wh..opq", kind: .regular), content: nil)
            try add(tar, "./app/node_modules/minimist/package.json", #"{"name": "minimist", "version": "1.2.5"}"#)
            try add(tar, "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA", Self.metadata("six", "1.17.0"))
            try tar.append(TarEntry(name: "app/lib/copy-METADATA.dist-info/METADATA", kind: .hardlink,
                                    linkName: "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"), content: nil)
        }
        let inventory = try inventory(store, [base, app])
        #expect(inventory.os?.id == "debian")
        #expect(inventory.os?.versionID == "12")
        let found = Dictionary(inventory.packages.map { ("\($0.package.kind.rawValue):\($0.package.name):\($0.package.path)", $0) },
                               uniquingKeysWith: { first, _ in first })
        let tar = try #require(found["deb:tar:var/lib/dpkg/status"])
        #expect(tar.layerIndex == 0 && tar.layer == base.digest.description)
        #expect(found["deb:libssl3:var/lib/dpkg/status"]?.package.sourceName == "openssl")
        let six = try #require(found["pypi:six:usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"])
        #expect(six.package.version == "1.17.0", "the upper layer's file replaces the lower one")
        #expect(six.layerIndex == 1)
        #expect(found["npm:minimist:app/node_modules/minimist/package.json"]?.layerIndex == 1)
        #expect(!inventory.packages.contains { $0.package.name == "gone" }, "whited out")
        #expect(!inventory.packages.contains { $0.package.name == "hidden" }, "under an opaque directory")
        #expect(found["pypi:six:app/lib/copy-METADATA.dist-info/METADATA"]?.package.version == "1.17.0", "hardlink")
    }

    @Test func aWhiteoutOfADatabaseRemovesItsPackages() throws {
        let store = try BlobStore(root: work("blobs"))
        let base = try layer(store) { tar in
            try add(tar, "etc/os-release", Self.osRelease)
            try add(tar, "var/lib/dpkg/status", Self.dpkgStatus)
        }
        let slim = try layer(store) { tar in
            try tar.append(TarEntry(name: "var/lib/.wh.dpkg", kind: .regular), content: nil)
        }
        #expect(try inventory(store, [base, slim]).packages.isEmpty)
        #expect(try inventory(store, [base]).packages.count == 2)
    }

    @Test func aTruncatedLayerNamesItsDigest() throws {
        let store = try BlobStore(root: work("blobs"))
        let good = try layer(store) { tar in try add(tar, "var/lib/dpkg/status", Self.dpkgStatus + String(repeating: "x", count: 100_000)) }
        let bytes = try store.bytes(of: good.digest)
        let (digest, size) = try store.put(Array(bytes.prefix(bytes.count / 2)))
        let truncated = Descriptor(mediaType: MediaType.ociLayerGzip, digest: digest, size: size)
        #expect {
            try inventory(store, [truncated])
        } throws: { error in
            "\(error)".contains(digest.description)
        }
    }

    @Test func garbageInAPackageDatabaseIsAWarningNotACrash() throws {
        let store = try BlobStore(root: work("blobs"))
        let base = try layer(store) { tar in
            try add(tar, "etc/os-release", Self.osRelease)
            try add(tar, "var/lib/dpkg/status", "\u{1}\u{2}garbage without a colon\n" + Self.dpkgStatus)
            try add(tar, "app/node_modules/broken/package.json", "{ not json")
        }
        let inventory = try inventory(store, [base])
        #expect(inventory.packages.count == 2)
        #expect(inventory.warnings.contains { $0.path == "var/lib/dpkg/status" && $0.line == 1 })
        #expect(inventory.warnings.contains { $0.path == "app/node_modules/broken/package.json" })
    }
}
