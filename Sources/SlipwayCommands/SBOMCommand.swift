import ArgumentParser
import Foundation
import SlipwayScanner
import SlipwayStore

/// `slipway sbom REF`
struct SBOMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbom",
        abstract: "Write an image's software bill of materials: CycloneDX 1.5 or SPDX 2.3 JSON.",
        discussion: """
            REF is named as for `slipway scan`. Every package found (OS packages from dpkg, apk and rpm; Python, \
            Node, PHP Composer, Ruby, Go and Java packages) is listed with its package URL, licences and the \
            layer and file it was found in.
            """
    )

    @Argument(help: "The image.") var reference: String
    @Option(help: "cyclonedx or spdx.") var format: Format = .cyclonedx
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
    @OptionGroup var client: ClientOptions

    enum Format: String, ExpressibleByArgument, CaseIterable { case cyclonedx, spdx }

    func run() async throws {
        let home = SlipwayHome.fromEnvironment()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-sbom-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let target = try await ScanTarget.resolve(reference, client: client, home: home, scratch: scratch)
        var store = target.store
        if store == nil, let pull = target.pull { store = try await pull() }
        guard let store else { throw CommandError("\(reference): nothing to read the image from") }
        let image = try store.loadImage(target.descriptor)
        let inventory = try ImageInventory.read(manifest: image.manifest) { layer in try store.reader(for: layer.digest) }
        for warning in inventory.warnings {
            note("warning: \(warning.path)\(warning.line.map { ":\($0)" } ?? ""): \(warning.message)")
        }
        let data: Data
        switch format {
        case .cyclonedx:
            data = try CycloneDXDocument.render(image: target.name, digest: target.descriptor.digest.description,
                                                inventory: inventory, findings: nil, toolVersion: SlipwayCommand.version)
        case .spdx:
            data = try SPDXDocument.render(image: target.name, digest: target.descriptor.digest.description,
                                           inventory: inventory, toolVersion: SlipwayCommand.version)
        }
        if let output {
            try writeFileAtomically(output, Array(data))
            note("\(inventory.packages.count) packages written to \(output)")
        } else {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }
}
