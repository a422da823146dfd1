import ArgumentParser
import Foundation
import SlipwayDeploy

/// `slipway list-images`
struct ListImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-images",
        abstract: "List the app's images, oldest first and newest at the bottom.",
        discussion: """
            Each image shows its digest, the commit and branch it was built from (its org.opencontainers.image.revision \
            and slipway.git.branch labels), its tags (environment tags included), its age and its scan summary.
            """
    )

    @Option(help: "Show only the newest N images.") var limit: Int?
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup var options: DeployOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let config = try options.loadConfig()
        var images = try ImageCatalog.images(of: config.app, in: try options.database(), store: try options.home.blobStore())
        if let limit { images = Array(images.suffix(limit)) }
        if json { return try printJSON(images) }
        guard !images.isEmpty else {
            return note("No images of \(config.app) yet: push one to the registry as \(config.app):TAG.")
        }
        let rows = images.map { image in
            [String(image.digest.split(separator: ":").last?.prefix(12) ?? ""), image.shortRevision, image.branch ?? "-",
             image.tags.isEmpty ? "-" : image.tags.joined(separator: ","), age(of: image.pushedAt), formatBytes(image.size),
             image.scan?.summary ?? "not scanned"]
        }
        print(table(["DIGEST", "COMMIT", "BRANCH", "TAGS", "AGE", "SIZE", "SCAN"], rows))
    }
}
