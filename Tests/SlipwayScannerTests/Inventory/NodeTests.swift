import Foundation
import SlipwayScanner
import Testing

@Suite("npm")
struct NodeTests {
    @Test("package.json at package roots under node_modules, scoped and nested")
    func installedPackages() throws {
        let cases: [(String, String, String, [String], String)] = [
            ("express", "app/node_modules/express/package.json", "4.18.2", ["MIT"], "pkg:npm/express@4.18.2"),
            ("debug", "app/node_modules/express/node_modules/debug/package.json", "2.6.9", ["MIT"],
             "pkg:npm/debug@2.6.9"),
            ("@types/node", "app/node_modules/@types/node/package.json", "20.10.5", ["MIT"],
             "pkg:npm/%40types/node@20.10.5"),
            ("old-style", "app/node_modules/old-style/package.json", "0.3.1", ["MIT", "Apache-2.0"],
             "pkg:npm/old-style@0.3.1"),
        ]
        for (name, path, version, licenses, purl) in cases {
            let imagePath = "srv/" + path
            #expect(Catalogers.wants(path: imagePath, size: 1000, isExecutable: false), "\(imagePath)")
            let result = try catalogFixture("node/" + path, as: imagePath)
            #expect(result.warnings.isEmpty, "\(result.warnings)")
            let package = try #require(result.packages.first)
            #expect(package.name == name)
            #expect(package.version == version)
            #expect(package.licenses == licenses)
            #expect(package.purl == purl)
        }
    }

    @Test("package.json files that are not a package root are not wanted")
    func notRoots() {
        for path in ["srv/app/node_modules/express/lib/package.json", "srv/app/package.json",
                     "srv/app/node_modules/@types/package.json", "srv/app/node_modules/.bin/package.json",
                     "srv/app/node_modules/express/test/fixtures/package.json"] {
            #expect(!Catalogers.wants(path: path, size: 100, isExecutable: false), "\(path)")
        }
        #expect(Catalogers.wants(path: "srv/app/node_modules/.pnpm/a@1.0.0/node_modules/a/package.json", size: 100,
                                 isExecutable: false))
    }

    @Test("a truncated package.json is a warning")
    func truncated() throws {
        let result = try catalogFixture("node/app/node_modules/broken/package.json",
                                        as: "srv/app/node_modules/broken/package.json")
        #expect(result.packages.isEmpty)
        let warning = try #require(result.warnings.first)
        #expect(warning.path == "srv/app/node_modules/broken/package.json")
        #expect(warning.message.contains("JSON"))
    }

    @Test("package-lock.json version 3: packages map, root and links skipped, aliases by their real name")
    func lockfileV3() throws {
        #expect(Catalogers.wants(path: "srv/app/package-lock.json", size: 3000, isExecutable: false))
        #expect(!Catalogers.wants(path: "srv/app/node_modules/x/package-lock.json", size: 3000, isExecutable: false))
        let result = try catalogFixture("node/app/package-lock.json", as: "srv/app/package-lock.json")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let names = result.packages.map { "\($0.name)@\($0.version)" }.sorted()
        #expect(names == ["@types/node@20.10.5", "debug@2.6.9", "express@4.18.2", "mocha@10.2.0",
                          "string-width@4.2.3"])
        #expect(find(result.packages, "mocha")?.isDevelopment == true)
        #expect(find(result.packages, "express")?.isDevelopment == false)
        #expect(find(result.packages, "express")?.licenses == ["MIT"])
        #expect(find(result.packages, "@types/node")?.purl == "pkg:npm/%40types/node@20.10.5")
    }

    @Test("package-lock.json version 1: nested dependencies and npm: aliases")
    func lockfileV1() throws {
        let result = try catalogFixture("node/v1/package-lock.json", as: "srv/legacy/package-lock.json")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let names = result.packages.map { "\($0.name)@\($0.version)" }.sorted()
        #expect(names == ["@babel/code-frame@7.22.13", "chalk@2.4.2", "left-pad@1.3.0", "lodash@4.17.21"])
        #expect(find(result.packages, "chalk")?.isDevelopment == true)
    }

    @Test("a broken lockfile: a warning, and the entries that could be read")
    func brokenLockfile() throws {
        let result = try catalogFixture("node/broken-package-lock.json", as: "srv/app/package-lock.json")
        #expect(result.packages.isEmpty)
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.message.contains("JSON") == true)

        let partial = Catalogers.catalog(
            path: "srv/app/package-lock.json",
            contents: Data(#"""
                {"lockfileVersion": 2, "packages": {"node_modules/a": {"version": "1.0.0"},
                 "node_modules/b": {"version": 12}, "node_modules/c": "x"}}
                """#.utf8),
            osRelease: nil)
        #expect(partial.packages.map(\.name) == ["a"])
        #expect(partial.warnings.count == 2)
    }
}
