import Foundation
import SlipwayScanner
import Testing

@Suite("dpkg")
struct DpkgTests {
    let debian = OSRelease(parsing: "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n")

    @Test("a real Debian 12 status excerpt: installed packages only, with Source and epochs")
    func realStatus() throws {
        let result = try catalogFixture("dpkg/status", as: "var/lib/dpkg/status", osRelease: debian)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(result.packages.count == 12)
        #expect(find(result.packages, "linux-image-6.1.0-9-amd64") == nil, "config-files only: not installed")
        #expect(result.packages.allSatisfy { $0.kind == .deb && $0.path == "var/lib/dpkg/status" })

        let bash = try #require(find(result.packages, "bash"))
        #expect(bash.version == "5.2.15-2+b8")
        #expect(bash.sourceName == "bash")
        #expect(bash.sourceVersion == "5.2.15-2")
        #expect(bash.architecture == "amd64")

        let bsdutils = try #require(find(result.packages, "bsdutils"))
        #expect(bsdutils.version == "1:2.38.1-5+deb12u3")
        #expect(bsdutils.sourceName == "util-linux")
        #expect(bsdutils.sourceVersion == "2.38.1-5+deb12u3")
        #expect(bsdutils.purl == "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12")

        let libssl = try #require(find(result.packages, "libssl3"))
        #expect(libssl.sourceName == "openssl")
        #expect(libssl.sourceVersion == nil)

        let openssl = try #require(find(result.packages, "openssl"))
        #expect(openssl.sourceName == nil)
        #expect(openssl.purl == "pkg:deb/debian/openssl@3.0.19-1~deb12u2?arch=amd64&distro=debian-12")

        let tzdata = try #require(find(result.packages, "tzdata"))
        #expect(tzdata.architecture == "all")
    }

    @Test("without os-release the namespace is debian and there is no distro qualifier")
    func noOSRelease() throws {
        let result = try catalogFixture("dpkg/status", as: "var/lib/dpkg/status", osRelease: nil)
        let openssl = try #require(find(result.packages, "openssl"))
        #expect(openssl.purl == "pkg:deb/debian/openssl@3.0.19-1~deb12u2?arch=amd64")
    }

    @Test("an Ubuntu image names its packages pkg:deb/ubuntu")
    func ubuntu() throws {
        let ubuntu = OSRelease(parsing: "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\n")
        let result = try catalogFixture("dpkg/status", as: "var/lib/dpkg/status", osRelease: ubuntu)
        let zlib = try #require(find(result.packages, "zlib1g"))
        #expect(zlib.purl == "pkg:deb/ubuntu/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=ubuntu-22.04")
    }

    @Test("garbage lines, missing fields and bad versions become warnings with line numbers")
    func garbage() throws {
        let result = try catalogFixture("dpkg/status-garbage", as: "var/lib/dpkg/status")
        #expect(result.packages.map(\.name) == ["good", "held"])
        let held = try #require(find(result.packages, "held"))
        #expect(held.version == "2:5.0-3+b1")
        #expect(held.sourceName == "heldsrc")
        #expect(held.sourceVersion == "5.0-3")
        #expect(held.architecture == "arm64")

        let lines = result.warnings.compactMap(\.line)
        #expect(result.warnings.allSatisfy { $0.path == "var/lib/dpkg/status" })
        for expected in [8, 9, 10, 17, 22, 24, 28] {
            #expect(lines.contains(expected), "no warning for line \(expected): \(result.warnings)")
        }
        #expect(result.warnings.contains { $0.line == 22 && $0.message.contains("UTF-8") })
        #expect(result.warnings.contains { $0.line == 10 && $0.message.contains("no Version") })
        #expect(!result.warnings.contains { $0.message.contains("halfremoved") })
    }

    @Test("distroless status.d files: one stanza per file, no Status needed, md5sums skipped")
    func distroless() throws {
        let base = try catalogFixture("dpkg/status.d/base-files", as: "var/lib/dpkg/status.d/base-files",
                                      osRelease: debian)
        #expect(base.warnings.isEmpty)
        #expect(base.packages.map(\.name) == ["base-files"])
        #expect(base.packages.first?.version == "12.4+deb12u11")
        #expect(base.packages.first?.path == "var/lib/dpkg/status.d/base-files")

        let libssl = try catalogFixture("dpkg/status.d/libssl3", as: "var/lib/dpkg/status.d/libssl3")
        #expect(libssl.packages.first?.sourceName == "openssl")

        #expect(!Catalogers.wants(path: "var/lib/dpkg/status.d/libssl3.md5sums", size: 100, isExecutable: false))
        let md5 = try catalogFixture("dpkg/status.d/libssl3.md5sums", as: "var/lib/dpkg/status.d/libssl3.md5sums")
        #expect(md5.packages.isEmpty && md5.warnings.isEmpty)
    }

    @Test("random bytes never crash the parser", arguments: [0, 1, 2, 3, 4])
    func randomBytes(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed))
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let result = Catalogers.catalog(path: "var/lib/dpkg/status", contents: Data(bytes), osRelease: nil)
        #expect(result.warnings.count <= 101)
    }
}

