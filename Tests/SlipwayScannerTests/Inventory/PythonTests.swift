import Foundation
import SlipwayScanner
import Testing

@Suite("Python")
struct PythonTests {
    @Test("dist-info METADATA, egg-info PKG-INFO and an .egg-info file", arguments: [
        ("python/attrs-26.1.0.dist-info/METADATA",
         "usr/lib/python3/site-packages/attrs-26.1.0.dist-info/METADATA",
         "attrs", "26.1.0", ["MIT"], "pkg:pypi/attrs@26.1.0"),
        ("python/requests-2.34.2.dist-info/METADATA",
         "usr/local/lib/python3.11/site-packages/requests-2.34.2.dist-info/METADATA",
         "requests", "2.34.2", ["Apache-2.0"], "pkg:pypi/requests@2.34.2"),
        ("python/typing_extensions-4.15.0.dist-info/METADATA",
         "usr/local/lib/python3.11/site-packages/typing_extensions-4.15.0.dist-info/METADATA",
         "typing_extensions", "4.15.0", ["PSF-2.0"], "pkg:pypi/typing-extensions@4.15.0"),
        ("python/Zope_Interface_Extras-1.0.post1.dist-info/METADATA",
         "opt/venv/lib/python3.12/site-packages/Zope_Interface_Extras-1.0.post1.dist-info/METADATA",
         "Zope_Interface_Extras", "1.0.post1", ["BSD License"], "pkg:pypi/zope-interface-extras@1.0.post1"),
        ("python/PyJWT-2.6.0.egg-info/PKG-INFO",
         "usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info/PKG-INFO",
         "PyJWT", "2.6.0", ["MIT"], "pkg:pypi/pyjwt@2.6.0"),
        ("python/wsgiref.egg-info",
         "usr/lib/python2.7/wsgiref.egg-info",
         "wsgiref", "0.1.2", ["PSF or ZPL"], "pkg:pypi/wsgiref@0.1.2"),
    ])
    func metadata(fixturePath: String, imagePath: String, name: String, version: String, licenses: [String],
                  purl: String) throws {
        #expect(Catalogers.wants(path: imagePath, size: 5000, isExecutable: false))
        let result = try catalogFixture(fixturePath, as: imagePath)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let package = try #require(result.packages.first)
        #expect(result.packages.count == 1)
        #expect(package.kind == .pypi)
        #expect(package.name == name)
        #expect(package.version == version)
        #expect(package.licenses == licenses)
        #expect(package.purl == purl)
        #expect(package.path == imagePath)
    }

    @Test("other files in dist-info and egg-info folders are not wanted")
    func otherFiles() {
        for path in ["usr/lib/python3/site-packages/attrs-26.1.0.dist-info/RECORD",
                     "usr/lib/python3/site-packages/attrs/METADATA",
                     "usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info/top_level.txt"] {
            #expect(!Catalogers.wants(path: path, size: 100, isExecutable: false), "\(path)")
        }
    }

    @Test("garbage METADATA", arguments: [
        ("python/garbage/noversion.dist-info/METADATA", 3, "not a 'Header: value'"),
        ("python/garbage/latin1.dist-info/METADATA", 2, "UTF-8"),
    ])
    func garbage(fixturePath: String, line: Int, message: String) throws {
        let result = try catalogFixture(fixturePath, as: "usr/lib/python3/site-packages/x-1.dist-info/METADATA")
        #expect(result.packages.isEmpty)
        #expect(result.warnings.contains { $0.line == line && $0.message.contains(message) }, "\(result.warnings)")
    }

    @Test("a binary file as METADATA")
    func binary() throws {
        let result = try catalogFixture("python/garbage/binary.dist-info/METADATA",
                                        as: "usr/lib/python3/site-packages/x-1.dist-info/METADATA")
        #expect(result.packages.isEmpty)
        #expect(!result.warnings.isEmpty)
    }
}
