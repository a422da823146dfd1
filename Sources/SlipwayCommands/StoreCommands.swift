import ArgumentParser
import Foundation
import SlipwayOCI
import SlipwayRegistry
import SlipwayStore

/// `slipway image import oci:LAYOUT[:TAG] REPOSITORY[:TAG]`
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Copy an image from an OCI layout into Slipway's store ($SLIPWAY_HOME).",
        discussion: """
            Every blob is verified against its digest as it is copied; blobs the store has already are skipped. \
            The image (every platform of an index) becomes visible only once all its blobs are in.
            """
    )

    @Argument(help: "The image to import: oci:DIRECTORY[:TAG].")
    var image: String

    @Argument(help: "Its name in the store: REPOSITORY[:TAG] (tag defaults to latest).")
    var name: String

    func run() throws {
        let (path, tag) = try ImageLocation(parsing: image).requireLayout()
        let name = try StoreName(parsing: name)
        let layout = try OCILayout.open(at: path)
        let descriptor = try layout.descriptor(tag: tag)
        let registry = try Registry(home: SlipwayHome.fromEnvironment())
        let progress = Progress("Importing \(image)")
        let summary = try registry.importImage(descriptor, from: layout.blobs, repository: name.repository, tag: name.tag)
        progress.finish("\(summary.blobsCopied) blob(s), \(formatBytes(summary.bytesCopied)) copied, "
                            + "\(summary.blobsSkipped) already present")
        print("\(name) \(descriptor.digest)")
    }
}

/// `slipway image export REPOSITORY[:TAG] oci:LAYOUT:TAG`
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy an image from Slipway's store into an OCI layout (for skopeo, buildah and others).")

    @Argument(help: "The image in the store: REPOSITORY[:TAG].")
    var name: String

    @Argument(help: "Where to write it: oci:DIRECTORY:TAG.")
    var output: String

    func run() throws {
        let name = try StoreName(parsing: name)
        guard case .layout(let path, let tag?) = try ImageLocation(parsing: output) else {
            throw ValidationError("the output must be oci:DIRECTORY:TAG")
        }
        let home = SlipwayHome.fromEnvironment()
        let registry = try Registry(home: home)
        guard let record = try registry.manifest(.tag(name.tag), in: name.repository) else {
            throw CommandError("no image \(name) in the store \(home.path); `slipway image list` shows what is there")
        }
        let layout = try OCILayout.openOrCreate(at: path)
        let summary = try ImageTransfer.copy(record.descriptor, from: registry.store, to: layout.blobs)
        try layout.tag(record.descriptor, as: tag)
        note("Exported \(summary.blobsCopied) blob(s), \(formatBytes(summary.bytesCopied))")
        print("\(output) \(record.digest)")
    }
}

/// `slipway image list`
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the images in Slipway's store, oldest first.")

    @Flag(help: "Print as JSON.") var json = false

    struct Row: Encodable {
        var digest: String
        var repository: String
        var tags: [String]
        var size: Int64
        var revision: String?
        var branch: String?
        var pushed: Date
    }

    func run() throws {
        let rows = try SlipwayHome.fromEnvironment().database().manifests().map { manifest, tags in
            Row(digest: manifest.digest, repository: manifest.repository, tags: tags, size: manifest.size,
                revision: manifest.revision, branch: manifest.branch, pushed: manifest.pushedAt)
        }
        if json { return try printJSON(rows) }
        if rows.isEmpty { return note("No images yet: `slipway image import` adds one.") }
        print("DIGEST        REPOSITORY            TAGS                  COMMIT    BRANCH")
        for row in rows {
            let digest = (try? Digest(parsing: row.digest))?.short ?? row.digest
            print([digest.padding(toLength: 13, withPad: " ", startingAt: 0),
                   row.repository.padding(toLength: 21, withPad: " ", startingAt: 0),
                   row.tags.joined(separator: ",").padding(toLength: 21, withPad: " ", startingAt: 0),
                   String((row.revision ?? "-").prefix(7)).padding(toLength: 9, withPad: " ", startingAt: 0),
                   row.branch ?? "-"].joined(separator: " "))
        }
    }
}
