import Foundation
import SlipwayScanner
import Testing

@Suite("Composer")
struct ComposerTests {
    @Test("composer.lock: packages and packages-dev")
    func lockfile() throws {
        #expect(Catalogers.wants(path: "var/www/composer.lock", size: 5000, isExecutable: false))
        let result = try catalogFixture("composer/composer.lock", as: "var/www/composer.lock")
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(result.packages.map(\.name) == ["guzzlehttp/guzzle", "monolog/monolog", "symfony/polyfill-mbstring",
                                                "phpunit/phpunit"])
        let polyfill = try #require(find(result.packages, "symfony/polyfill-mbstring"))
        #expect(polyfill.version == "v1.28.0", "kept as written")
        #expect(polyfill.purl == "pkg:composer/symfony/polyfill-mbstring@v1.28.0")
        #expect(find(result.packages, "phpunit/phpunit")?.isDevelopment == true)
        #expect(find(result.packages, "phpunit/phpunit")?.licenses == ["BSD-3-Clause"])
        #expect(find(result.packages, "guzzlehttp/guzzle")?.isDevelopment == false)
    }

    @Test("vendor/composer/installed.json, Composer 1 (array) and 2 (object)")
    func installed() throws {
        let v1Path = "var/www/vendor/composer/installed.json"
        #expect(Catalogers.wants(path: v1Path, size: 5000, isExecutable: false))
        #expect(!Catalogers.wants(path: "var/www/composer/installed.json", size: 5000, isExecutable: false))
        let v1 = try catalogFixture("composer/v1/vendor/composer/installed.json", as: v1Path)
        #expect(v1.warnings.isEmpty)
        #expect(v1.packages.map { "\($0.name)@\($0.version)" } == ["psr/log@1.1.4", "symfony/console@v4.4.49"])

        let v2 = try catalogFixture("composer/v2/vendor/composer/installed.json", as: v1Path)
        #expect(v2.warnings.isEmpty)
        #expect(v2.packages.map(\.name) == ["psr/container", "Laravel/Framework", "mockery/mockery"])
        #expect(find(v2.packages, "mockery/mockery")?.isDevelopment == true)
        #expect(find(v2.packages, "psr/container")?.isDevelopment == false)
        #expect(find(v2.packages, "Laravel/Framework")?.purl == "pkg:composer/laravel/framework@v10.39.0")
    }

    @Test("garbage and truncated lock files")
    func garbage() throws {
        let garbage = try catalogFixture("composer/garbage.lock", as: "app/composer.lock")
        #expect(garbage.packages.map(\.name) == ["good/one"])
        #expect(garbage.warnings.count == 4, "\(garbage.warnings)")

        let truncated = try catalogFixture("composer/truncated.lock", as: "app/composer.lock")
        #expect(truncated.packages.isEmpty)
        #expect(truncated.warnings.count == 1)
        #expect(truncated.warnings.first?.line == 1, "\(truncated.warnings)")
    }
}
