import Foundation
import SlipwayScanner
import Testing

@Suite("apk")
struct APKTests {
    @Test("an Alpine installed database")
    func installed() throws {
        let alpine = OSRelease(parsing: "ID=alpine\nVERSION_ID=3.19.0\n")
        let result = try catalogFixture("apk/installed", as: "lib/apk/db/installed", osRelease: alpine)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(result.packages.map(\.name) == ["musl", "busybox", "libcrypto3"])
        let musl = try #require(find(result.packages, "musl"))
        #expect(musl.version == "1.2.4_git20230717-r4")
        #expect(musl.architecture == "x86_64")
        #expect(musl.licenses == ["MIT"])
        #expect(musl.purl == "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64")
        let crypto = try #require(find(result.packages, "libcrypto3"))
        #expect(crypto.sourceName == "openssl")
        #expect(crypto.purl == "pkg:apk/alpine/libcrypto3@3.1.4-r2?arch=x86_64")
        #expect(crypto.distroVersion == "3.19.0")
    }

    @Test("garbage: warnings with line numbers, good entries kept")
    func garbage() throws {
        let result = try catalogFixture("apk/installed-garbage", as: "lib/apk/db/installed")
        #expect(result.packages.map(\.name) == ["good"])
        let good = try #require(result.packages.first)
        #expect(good.sourceName == "goodsrc")
        #expect(good.licenses == ["MIT AND BSD-2-Clause"])
        #expect(good.purl == "pkg:apk/alpine/good@1.0-r0?arch=aarch64")
        let lines = Set(result.warnings.compactMap(\.line))
        // 7: not a field line; 8: entry without V; 11: entry without P; 15: bad version; 18: not UTF-8.
        #expect(lines.isSuperset(of: [7, 8, 11, 15, 18]), "\(result.warnings)")
    }
}
