import ArgumentParser
import SlipwayArchive
import SlipwayOCI
import SlipwayStore

/// `slipway image unpack oci:LAYOUT[:TAG] DIR`
struct UnpackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpack",
        abstract: "Unpack an image's layers, in order, into a new directory.",
        discussion: """
            Whiteouts are applied; entries that would write outside the directory (absolute paths, '..', \
            symlinks or hardlinks that lead out) and device nodes are refused. Every layer is verified against \
            its digest as it streams. The directory appears only when every layer unpacked: on failure \
            nothing is left behind.
            """
    )

    @Argument(help: "The image: oci:DIRECTORY[:TAG].")
    var image: String

    @Argument(help: "The directory to create.", completion: .directory)
    var destination: String

    @Option(help: "The platform to pick from a multi-platform index, OS/ARCH[/VARIANT].")
    var platform = "linux/amd64"

    @Flag(help: "Create the device nodes the image holds (root only), as a container runtime would.")
    var allowDevices = false

    func run() throws {
        let (path, tag) = try ImageLocation(parsing: image).requireLayout()
        let layout = try OCILayout.open(at: path)
        let loaded = try layout.blobs.loadImage(try layout.descriptor(tag: tag), platform: try Platform(parsing: platform))
        let progress = Progress("Unpacking \(loaded.manifest.layers.count) layer(s) into \(destination)")
        let layers: [() throws -> any ByteReader] = try loaded.manifest.layers.map { layer in
            guard let compression = MediaType.layerCompression(layer.mediaType) else {
                throw CommandError("layer \(layer.digest) has media type \(layer.mediaType), which is not a filesystem layer")
            }
            return {
                let verified = ProgressReader(try layout.blobs.reader(for: layer.digest), progress: progress)
                switch compression {
                case .gzip: return try GzipReader(verified)
                case .none: return verified
                case .zstd: throw CommandError("layer \(layer.digest) is zstd-compressed, which Slipway cannot read yet")
                }
            }
        }
        var options = ExtractOptions()
        options.allowDevices = allowDevices
        try Extractor.unpack(layers: layers, to: destination, options: options)
        progress.finish("\(formatBytes(progress.bytes)) of layers")
    }
}

/// Counts the bytes that pass through, for progress.
final class ProgressReader: ByteReader {
    private let source: any ByteReader
    private let progress: Progress

    init(_ source: any ByteReader, progress: Progress) {
        self.source = source
        self.progress = progress
    }

    func read(upTo maxLength: Int) throws -> [UInt8] {
        let chunk = try source.read(upTo: maxLength)
        progress.advance(by: chunk.count)
        return chunk
    }
}
