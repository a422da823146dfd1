import Foundation
import SlipwayScanner
import Testing

@Suite("os-release")
struct OSReleaseTests {
    @Test("real os-release files")
    func real() throws {
        let debian = OSRelease(parsing: String(decoding: try fixture("osrelease/debian"), as: UTF8.self))
        #expect(debian.id == "debian")
        #expect(debian.versionID == "12")
        #expect(debian.versionCodename == "bookworm")
        #expect(debian.prettyName == "Debian GNU/Linux 12 (bookworm)")
        #expect(debian.idLike.isEmpty)

        let rocky = OSRelease(parsing: String(decoding: try fixture("osrelease/rocky"), as: UTF8.self))
        #expect(rocky.id == "rocky")
        #expect(rocky.versionID == "9.3")
        #expect(rocky.idLike == ["rhel", "centos", "fedora"])
        #expect(rocky.fields["PLATFORM_ID"] == "platform:el9")

        let alpine = OSRelease(parsing: String(decoding: try fixture("osrelease/alpine"), as: UTF8.self))
        #expect(alpine.id == "alpine")
        #expect(alpine.versionID == "3.19.0")
        #expect(alpine.versionCodename == nil)
    }

    @Test("shell quoting, escapes, comments and garbage lines")
    func quoting() throws {
        let tricky = OSRelease(parsing: String(decoding: try fixture("osrelease/tricky"), as: UTF8.self))
        #expect(tricky.id == "my distro")
        #expect(tricky.versionID == "1.0 \"quoted\" $HOME")
        #expect(tricky.prettyName == "Bare Words")
        #expect(tricky.idLike.isEmpty)
        #expect(OSRelease(parsing: "").id == "linux")
        #expect(OSRelease(parsing: "\u{0}\u{1}garbage\n==\n").id == "linux")
    }

    @Test("etc/os-release first, then usr/lib/os-release")
    func paths() throws {
        #expect(Catalogers.osReleasePaths == ["etc/os-release", "usr/lib/os-release"])
        for path in Catalogers.osReleasePaths {
            #expect(Catalogers.wants(path: path, size: 300, isExecutable: false))
            let result = Catalogers.catalog(path: path, contents: try fixture("osrelease/debian"), osRelease: nil)
            #expect(result.packages.isEmpty && result.warnings.isEmpty)
        }
        #expect(Catalogers.osRelease(path: "etc/os-release", contents: try fixture("osrelease/alpine"))?.id == "alpine")
        #expect(Catalogers.osRelease(path: "etc/passwd", contents: Data()) == nil)
    }
}
