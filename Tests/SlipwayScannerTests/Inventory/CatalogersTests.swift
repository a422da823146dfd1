import Foundation
import SlipwayScanner
import Testing

@Suite("Catalogers")
struct CatalogersTests {
    @Test("which paths are wanted", arguments: [
        ("var/lib/dpkg/status", true),
        ("/var/lib/dpkg/status", true),
        ("var/lib/dpkg/status-old", false),
        ("var/lib/dpkg/status.d/tzdata", true),
        ("var/lib/dpkg/status.d/tzdata.md5sums", false),
        ("var/lib/dpkg/status.d/sub/dir", false),
        ("lib/apk/db/installed", true),
        ("var/lib/rpm/rpmdb.sqlite", true),
        ("var/lib/rpm/rpmdb.sqlite-wal", false),
        ("etc/os-release", true),
        ("usr/lib/os-release", true),
        ("usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA", true),
        ("usr/lib/python3/dist-packages/six-1.16.0.dist-info/WHEEL", false),
        ("app/node_modules/left-pad/package.json", true),
        ("app/node_modules/@babel/core/package.json", true),
        ("app/node_modules/left-pad/lib/package.json", false),
        ("app/package-lock.json", true),
        ("app/composer.lock", true),
        ("app/vendor/composer/installed.json", true),
        ("app/Gemfile.lock", true),
        ("usr/local/bundle/specifications/rack-2.2.8.gemspec", true),
        ("opt/app.jar", true),
        ("opt/app.WAR", true),
        ("opt/app.ear", true),
        ("opt/notes.txt", false),
        ("etc/passwd", false),
    ])
    func wants(path: String, expected: Bool) {
        #expect(Catalogers.wants(path: path, size: 4096, isExecutable: false) == expected)
    }

    @Test("sizes: giant files are skipped, executables are candidates for Go")
    func sizes() {
        #expect(!Catalogers.wants(path: "var/lib/dpkg/status", size: 1 << 40, isExecutable: false))
        #expect(!Catalogers.wants(path: "var/lib/dpkg/status", size: -1, isExecutable: false))
        #expect(Catalogers.wants(path: "usr/local/bin/tool", size: 5 << 20, isExecutable: true))
        #expect(!Catalogers.wants(path: "usr/local/bin/tool", size: 5 << 20, isExecutable: false))
        #expect(!Catalogers.wants(path: "usr/local/bin/tiny", size: 100, isExecutable: true))
        #expect(!Catalogers.wants(path: "usr/local/bin/huge", size: 4 << 30, isExecutable: true))
    }

    @Test("files of no cataloger give nothing")
    func unknown() {
        let result = Catalogers.catalog(path: "etc/passwd", contents: Data("root:x:0:0::/root:/bin/sh\n".utf8),
                                        osRelease: nil)
        #expect(result.packages.isEmpty && result.warnings.isEmpty)
    }

    @Test("every cataloger survives random bytes", arguments: [
        "var/lib/dpkg/status", "var/lib/dpkg/status.d/x", "lib/apk/db/installed", "var/lib/rpm/rpmdb.sqlite",
        "a/b-1.dist-info/METADATA", "a/node_modules/b/package.json", "a/package-lock.json", "a/composer.lock",
        "a/vendor/composer/installed.json", "a/Gemfile.lock", "a/specifications/b.gemspec", "a/b.jar", "bin/x",
    ])
    func randomBytes(path: String) {
        var generator = SeededGenerator(seed: UInt64(path.utf8.count))
        for length in [0, 1, 7, 100, 5000] {
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if path == "bin/x", length >= 4 { bytes.replaceSubrange(0..<4, with: [0x7F, 0x45, 0x4C, 0x46]) }
            let result = Catalogers.catalog(path: path, contents: Data(bytes), osRelease: nil)
            #expect(result.warnings.count <= 101)
            #expect(result.warnings.allSatisfy { $0.path == path })
        }
    }

    @Test("warnings are capped at 100 plus a summary")
    func cap() {
        let garbage = String(repeating: "garbage line\n", count: 500)
        let result = Catalogers.catalog(path: "lib/apk/db/installed", contents: Data(garbage.utf8), osRelease: nil)
        #expect(result.warnings.count == 101)
        #expect(result.warnings.last?.message == "400 more warnings not shown")
    }
}

@Suite("Catalogers on bad JSON")
struct BadJSONTests {
    @Test("bytes that are not UTF-8 in a JSON file: a warning with the path and line", arguments: [
        "app/node_modules/x/package.json", "app/package-lock.json", "app/composer.lock",
        "app/vendor/composer/installed.json",
    ])
    func notUTF8(path: String) {
        var bytes = Array("{\n  \"name\": \"x\",\n  \"version\": \"1.0".utf8)
        bytes += [0xC3, 0x28, 0xFF]
        bytes += Array("\"\n}\n".utf8)
        let result = Catalogers.catalog(path: path, contents: Data(bytes), osRelease: nil)
        #expect(result.packages.isEmpty)
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.path == path)
        #expect(result.warnings.first?.line == 3, "\(result.warnings)")
    }

    @Test("JSON of the wrong shape", arguments: ["[]", "42", "\"text\"", "null", "{}", "   "])
    func wrongShape(json: String) {
        for path in ["app/node_modules/x/package.json", "app/package-lock.json", "app/composer.lock"] {
            let result = Catalogers.catalog(path: path, contents: Data(json.utf8), osRelease: nil)
            #expect(result.packages.isEmpty)
            #expect(!result.warnings.isEmpty || json == "[]" && path.hasSuffix("composer.lock"), "\(path): \(json)")
        }
    }
}
