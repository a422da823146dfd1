import Foundation
import SlipwayScanner
import Testing

@Suite("Ruby")
struct RubyTests {
    @Test("Gemfile.lock: GEM and GIT specs, platform suffixes split off")
    func gemfileLock() throws {
        #expect(Catalogers.wants(path: "app/Gemfile.lock", size: 2000, isExecutable: false))
        let result = try catalogFixture("ruby/Gemfile.lock", as: "app/Gemfile.lock")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let names = result.packages.map { "\($0.name)@\($0.version)" }
        #expect(names == ["rails-html-sanitizer@1.6.0", "crass@1.0.6", "loofah@2.22.0", "mini_portile2@2.8.5",
                          "nokogiri@1.15.5", "nokogiri@1.15.5", "racc@1.7.3", "rack@2.2.8", "sqlite3@1.7.0"])
        #expect(find(result.packages, "myapp") == nil, "PATH gems are the application itself")
        let platforms = result.packages.filter { $0.name == "nokogiri" }.compactMap(\.architecture)
        #expect(platforms == ["x86_64-linux", "aarch64-linux"])
        #expect(find(result.packages, "rack")?.purl == "pkg:gem/rack@2.2.8")
        #expect(find(result.packages, "sqlite3")?.purl == "pkg:gem/sqlite3@1.7.0?platform=x86_64-linux")
    }

    @Test("installed gemspecs", arguments: [
        ("ruby/specifications/rack-2.2.8.gemspec", "rack", "2.2.8", ["MIT"], "pkg:gem/rack@2.2.8"),
        ("ruby/specifications/nokogiri-1.15.5-x86_64-linux.gemspec", "nokogiri", "1.15.5", ["MIT"],
         "pkg:gem/nokogiri@1.15.5?platform=x86_64-linux"),
        ("ruby/specifications/old-style-0.9.gemspec", "old-style", "0.9", ["Ruby"], "pkg:gem/old-style@0.9"),
    ])
    func gemspec(fixturePath: String, name: String, version: String, licenses: [String], purl: String) throws {
        let imagePath = "usr/local/bundle/specifications/" + (fixturePath.split(separator: "/").last ?? "")
        #expect(Catalogers.wants(path: imagePath, size: 2000, isExecutable: false))
        let result = try catalogFixture(fixturePath, as: imagePath)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        let package = try #require(result.packages.first)
        #expect(package.name == name)
        #expect(package.version == version)
        #expect(package.licenses == licenses)
        #expect(package.purl == purl)
    }

    @Test("gemspecs outside a specifications folder are not wanted")
    func notInstalled() {
        #expect(!Catalogers.wants(path: "app/myapp.gemspec", size: 2000, isExecutable: false))
    }

    @Test("garbage Gemfile.lock spec lines are warnings with line numbers")
    func garbageLock() throws {
        let result = try catalogFixture("ruby/garbage/Gemfile.lock", as: "app/Gemfile.lock")
        #expect(result.packages.map(\.name) == ["good"])
        #expect(Set(result.warnings.compactMap(\.line)) == [5, 6, 7], "\(result.warnings)")
    }

    @Test("garbage gemspecs", arguments: [
        ("ruby/garbage/noname.gemspec", nil as Int?, "s.name"),
        ("ruby/garbage/latin1.gemspec", 2 as Int?, "UTF-8"),
    ])
    func garbageGemspec(fixturePath: String, line: Int?, message: String) throws {
        let result = try catalogFixture(fixturePath, as: "usr/local/bundle/specifications/x-1.0.gemspec")
        #expect(result.packages.isEmpty)
        #expect(result.warnings.contains { $0.line == line && $0.message.contains(message) }, "\(result.warnings)")
    }
}
