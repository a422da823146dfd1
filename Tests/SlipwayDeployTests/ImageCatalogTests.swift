import Foundation
import SlipwayConfig
@testable import SlipwayDeploy
import Testing

@Suite struct ImageCatalogTests {
    func image(_ revision: String?, _ branch: String?, _ digest: String, _ at: TimeInterval) -> ImageSummary {
        ImageSummary(digest: "sha256:" + String(repeating: digest, count: 64), revision: revision, branch: branch, source: nil,
                     tags: [], pushedAt: Date(timeIntervalSince1970: at), size: 1)
    }

    var images: [ImageSummary] {
        [image("abc1234aaaa0000000000000000000000000000a", "main", "1", 1),
         image("abc1234bbbb0000000000000000000000000000b", "m2stage", "2", 2),
         image("def5678000000000000000000000000000000000", "main", "3", 3),
         image("def5678000000000000000000000000000000000", "main", "4", 4),  // the same commit, rebuilt
         image(nil, nil, "5", 5)]
    }

    @Test func commitsByFullIdOrUniquePrefix() throws {
        #expect(try ImageCatalog.image(commit: "abc1234aaaa", in: images, repository: "example").digest.hasSuffix("1111"))
        #expect(try ImageCatalog.image(commit: "ABC1234BBBB0000000000000000000000000000B", in: images, repository: "example")
                    .digest.hasSuffix("2222"))
        // A commit built twice: the newest build.
        #expect(try ImageCatalog.image(commit: "def5678", in: images, repository: "example").digest.hasSuffix("4444"))
    }

    @Test func ambiguousPrefixListsTheCandidates() {
        #expect {
            try ImageCatalog.image(commit: "abc1234", in: images, repository: "example")
        } throws: { error in
            let text = "\(error)"
            return text.contains("matches 2 commits") && text.contains("abc1234aaaa") && text.contains("abc1234bbbb")
                && text.contains("m2stage")
        }
    }

    @Test func badAndUnknownCommits() {
        #expect(throws: CatalogError.badCommit("abc12")) { try ImageCatalog.image(commit: "abc12", in: images, repository: "example") }
        #expect(throws: CatalogError.badCommit("xyz1234")) { try ImageCatalog.image(commit: "xyz1234", in: images, repository: "example") }
        #expect(throws: CatalogError.unknownCommit("1234567", repository: "example")) {
            try ImageCatalog.image(commit: "1234567", in: images, repository: "example")
        }
    }

    @Test func newestImageOfABranch() throws {
        #expect(try ImageCatalog.image(branch: "main", in: images, repository: "example").digest.hasSuffix("4444"))
        #expect(throws: CatalogError.unknownBranch("dev", repository: "example", known: ["m2stage", "main"])) {
            try ImageCatalog.image(branch: "dev", in: images, repository: "example")
        }
    }
}

@Suite struct EnvironmentChoiceTests {
    func config(_ names: [String]) -> SlipwayConfig {
        var config = SlipwayConfig()
        for name in names { config.environments[name] = .init(listen: "127.0.0.1:0") }
        return config
    }

    @Test func namedImpliedOrRefused() throws {
        let two = config(["production", "staging"])
        #expect(try EnvironmentChoice.resolve("staging", config: two, environment: [:]) == "staging")
        #expect(try EnvironmentChoice.resolve(nil, config: two, environment: ["SLIPWAY_ENV": "production"]) == "production")
        #expect(try EnvironmentChoice.resolve(nil, config: config(["staging"]), environment: [:]) == "staging")
        #expect(throws: EnvironmentError.unspecified(choices: ["production", "staging"])) {
            try EnvironmentChoice.resolve(nil, config: two, environment: [:])
        }
        #expect(throws: EnvironmentError.unknown("prod", choices: ["production", "staging"])) {
            try EnvironmentChoice.resolve("prod", config: two, environment: [:])
        }
    }

    @Test func aKeyBoundToAnEnvironmentCannotNameAnother() throws {
        let two = config(["production", "staging"])
        #expect(try EnvironmentChoice.resolve(nil, config: two, environment: ["SLIPWAY_KEY_ENV": "staging"]) == "staging")
        #expect(throws: EnvironmentError.notPermitted("production", bound: "staging")) {
            try EnvironmentChoice.resolve("production", config: two, environment: ["SLIPWAY_KEY_ENV": "staging"])
        }
    }
}
