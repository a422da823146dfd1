import ArgumentParser

/// `slipway image …`
struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Create, copy, inspect and unpack OCI images.",
        discussion: "Images are named oci:DIRECTORY[:TAG] (an OCI image layout) or docker://REFERENCE (a registry), as skopeo names them.",
        subcommands: [
            ImportRootfsCommand.self, InspectCommand.self, UnpackCommand.self, ImportCommand.self, ExportCommand.self,
            CopyCommand.self,
            ListCommand.self,
        ]
    )
}

extension ImageLocation {
    /// The layout path and tag, for commands that so far read and write layouts only.
    func requireLayout() throws -> (path: String, tag: String?) {
        switch self {
        case .layout(let path, let tag): return (path, tag)
        case .registry, .archive:
            throw CommandError("\(self): this command reads OCI layouts only; `slipway image copy` brings the image into oci:DIRECTORY:TAG first")
        }
    }
}
