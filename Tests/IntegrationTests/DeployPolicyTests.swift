import Foundation
import SlipwayTestSupport
import Testing

/// An environment with `policy: {refuse: [critical]}`: pushes are scanned as they arrive, list-images shows the
/// counts, a deploy of an image with a critical finding is refused with that finding named, and
/// `--override-policy` deploys it anyway and records who and why.
@Suite struct DeployPolicyTests {
    @Test func aCriticalFindingStopsTheDeployUntilOverridden() throws {
        let vulndb = TemporaryDirectory("slipway-policy-db")
        let imported = try run([slipwayExecutable, "vulndb", "import", sharedData("vulndata/osv/npm"),
                                "--database", vulndb("vulndb.sqlite")])
        try #require(imported.status == 0, "\(imported.stderr)")
        let site = try DeploySite(extra: "policy: {refuse: [critical]}",
                                  serverEnvironment: ["SLIPWAY_VULNDB": vulndb("vulndb.sqlite")])
        let safe = try site.push(version: "1", commit: "aaaaaaa1111111111111111111111111111111111")
        let risky = try site.push(version: "2", commit: "bbbbbbb2222222222222222222222222222222222", variant: .vulnerable)

        struct Image: Decodable {
            var revision: String?
            var scan: Scan?
            struct Scan: Decodable { var critical: Int; var high: Int }
        }
        var images: [Image] = []
        try site.eventually("both pushes scanned") {
            images = try JSONDecoder().decode([Image].self, from: Data(try site.slipway(["list-images", "--json"]).stdout.utf8))
            return images.count == 2 && images.allSatisfy { $0.scan != nil }
        }
        #expect(images.first { $0.revision == safe }?.scan?.critical == 0)
        #expect(images.first { $0.revision == risky }?.scan?.critical == 1)
        #expect((images.first { $0.revision == risky }?.scan?.high ?? 0) >= 1)
        let listing = try site.slipway(["list-images"])
        #expect(listing.stdout.contains("1 critical"))

        #expect(try site.slipway(["tag-by-commit", safe, "staging"]).status == 0)
        let first = try site.slipway(["run-deploy-and-cleanup", "staging"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)\n\(site.server.log)")
        #expect(first.stdout.contains("Vulnerability policy: no findings"), "\(first.stdout)")

        #expect(try site.slipway(["tag-by-commit", risky, "staging"]).status == 0)
        let refused = try site.slipway(["run-deploy-and-cleanup", "staging"])
        #expect(refused.status == 1)
        let message = refused.stdout + refused.stderr
        #expect(message.contains("CRITICAL CVE-2021-44906 in minimist 1.2.5 (fixed in 1.2.6)"), "\(message)")
        #expect(message.contains("--override-policy"))
        #expect(try site.body() == "version 1\n", "the live cluster is untouched")

        let overridden = try site.slipway(["run-deploy-and-cleanup", "staging", "--override-policy", "internal tool, no user input"],
                                          actor: "carol")
        #expect(overridden.status == 0, "\(overridden.stdout)\(overridden.stderr)")
        #expect(overridden.stdout.contains("overridden by carol: internal tool, no user input"))
        #expect(try site.body() == "version 2\n")
        let history = try site.slipway(["history", "staging"])
        #expect(history.stdout.contains("policy overridden: carol: internal tool, no user input"), "\(history.stdout)")
    }
}
