import ArgumentParser
import Foundation
import SlipwayConfig
import SlipwayDeploy
import SlipwayOCI
import SlipwayStore

/// `slipway tag-by-commit COMMIT [ENV]`
struct TagByCommitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag-by-commit",
        abstract: "Point an environment's tag at the image built from a commit.",
        discussion: """
            COMMIT is the full commit id or a unique prefix of at least 7 hex digits; an ambiguous prefix lists the \
            commits it matches. The next `run-deploy-and-cleanup` deploys the tagged image. Every move is recorded \
            (`slipway history`).
            """
    )

    @Argument(help: "The commit id, or a prefix of at least 7 hex digits.") var commit: String
    @Argument(help: "The environment (implied when the key, SLIPWAY_ENV or the config names just one).") var environment: String?
    @OptionGroup var options: DeployOptions

    func run() throws {
        try assignTag(environment, options: options) { try ImageCatalog.image(commit: commit, in: $0, repository: $1) }
    }
}

/// `slipway tag-by-branch BRANCH [ENV]`
struct TagByBranchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag-by-branch",
        abstract: "Point an environment's tag at the newest image built from a branch.")

    @Argument(help: "The branch, e.g. main or m2stage.") var branch: String
    @Argument(help: "The environment (implied when the key, SLIPWAY_ENV or the config names just one).") var environment: String?
    @OptionGroup var options: DeployOptions

    func run() throws {
        try assignTag(environment, options: options) { try ImageCatalog.image(branch: branch, in: $0, repository: $1) }
    }
}

/// Moves the environment's tag to the image `find` picks from the app's images, records who did it, and says so in
/// the line operators know.
private func assignTag(_ named: String?, options: DeployOptions,
                       find: ([ImageSummary], _ repository: String) throws -> ImageSummary) throws {
    let config = try options.loadConfig()
    let tag = try options.environment(named, in: config)
    let database = try options.database()
    let app = config.app
    let image = try find(try ImageCatalog.images(of: app, in: database), app)
    let digest = try Digest(parsing: image.digest)
    let line = "[commit(\(image.shortRevision)) digest(\(image.digest))]"
    if try database.digest(forTag: tag, in: app) == digest {
        print("\(localTimestamp()) [docker tag] Tag \(tag) already points to image \(line).")
        return
    }
    let event = try database.moveTag(tag, in: app, to: digest, revision: image.revision, actor: Operator.current())
    print("\(localTimestamp(event.at)) [docker tag] Assigning tag \(tag) to image \(line).")
}
