import Foundation
import SlipwayArchive
import SlipwayOCI
import SlipwayStore

/// A package found in an image, with the layer that put the file recording it there.
public struct LocatedPackage: Codable, Hashable, Sendable {
    public var package: InstalledPackage
    /// The digest of that layer and its position (0 = the base layer).
    public var layer: String?
    public var layerIndex: Int?

    public init(package: InstalledPackage, layer: String?, layerIndex: Int?) {
        self.package = package
        self.layer = layer
        self.layerIndex = layerIndex
    }
}

/// Everything installed in an image: its layers applied in order with whiteouts honoured, read as tar streams and
/// never executed or unpacked to disk. Only files a cataloger wants are read.
public struct ImageInventory: Codable, Sendable {
    public var os: OSRelease?
    public var packages: [LocatedPackage]
    public var warnings: [CatalogWarning]
    public var layers: [String]

    public init(os: OSRelease?, packages: [LocatedPackage], warnings: [CatalogWarning], layers: [String]) {
        self.os = os
        self.packages = packages
        self.warnings = warnings
        self.layers = layers
    }

    /// Files bigger than this are not read (a database or binary that big is not a package record).
    static let fileLimit: Int64 = 512 << 20

    /// Reads the layers of `manifest` through `open`, which gives a layer blob's bytes (compressed as stored).
    public static func read(manifest: ImageManifest, open: (Descriptor) throws -> any ByteReader) throws -> ImageInventory {
        var files: [String: CollectedFile] = [:]
        for (index, layer) in manifest.layers.enumerated() {
            try apply(layer: layer, index: index, open: open, to: &files)
        }
        var os: OSRelease?
        for path in ["etc/os-release", "usr/lib/os-release"] {
            if case .contents(let data)? = files[path]?.content {
                os = OSRelease(parsing: String(decoding: data, as: UTF8.self))
                break
            }
        }
        var packages: [LocatedPackage] = []
        var warnings: [CatalogWarning] = []
        for path in files.keys.sorted() {
            guard let file = files[path] else { continue }
            let result: CatalogResult
            switch file.content {
            case .contents(let data):
                if path.hasSuffix("os-release") { continue }
                result = Catalogers.catalog(path: path, contents: data, osRelease: os)
            case .catalogued(let catalogued): result = catalogued
            }
            let digest = manifest.layers[file.layer].digest.description
            packages += result.packages.map { LocatedPackage(package: $0, layer: digest, layerIndex: file.layer) }
            warnings += result.warnings
        }
        return ImageInventory(os: os, packages: packages, warnings: warnings,
                              layers: manifest.layers.map(\.digest.description))
    }

    struct CollectedFile {
        var layer: Int
        var content: Content
        enum Content {
            /// Bytes kept until every layer is read (package databases need the final os-release).
            case contents(Data)
            /// Executables are catalogued as they stream past, so big binaries are not kept in memory.
            case catalogued(CatalogResult)
        }
    }

    static func apply(layer: Descriptor, index: Int, open: (Descriptor) throws -> any ByteReader,
                      to files: inout [String: CollectedFile]) throws {
        let raw = try open(layer)
        let stream: any ByteReader
        switch MediaType.layerCompression(layer.mediaType) {
        case .gzip: stream = try GzipReader(raw)
        case .some(.none): stream = raw
        case .zstd, nil:
            throw ScannerError.layer(digest: layer.digest.description,
                                     reason: "media type \(layer.mediaType) cannot be read (gzip or plain tar only)")
        }
        let reader = TarReader(stream)
        var opaqueDirectories: [String] = []
        var whiteouts: [String] = []
        var written: [String: CollectedFile] = [:]
        var replaced = Set<String>()
        do {
            while let entry = try reader.next() {
                let path = normalise(entry.name)
                guard !path.isEmpty else { continue }
                let name = (path as NSString).lastPathComponent
                if name == ".wh..wh..opq" {
                    opaqueDirectories.append((path as NSString).deletingLastPathComponent)
                    continue
                }
                if name.hasPrefix(".wh.") {
                    let parent = (path as NSString).deletingLastPathComponent
                    let target = String(name.dropFirst(4))
                    whiteouts.append(parent.isEmpty ? target : parent + "/" + target)
                    continue
                }
                replaced.insert(path)
                switch entry.kind {
                case .regular:
                    let executable = entry.mode & 0o111 != 0
                    guard entry.size <= fileLimit,
                          Catalogers.wants(path: path, size: entry.size, isExecutable: executable) else { continue }
                    var bytes = try reader.readContent(upTo: 4)
                    if executable, !bytes.elementsEqual([0x7F, 0x45, 0x4C, 0x46]),
                       !Catalogers.wants(path: path, size: entry.size, isExecutable: false) {
                        continue  // an executable that is not ELF: a script, nothing to catalog
                    }
                    while true {
                        let chunk = try reader.readContent(upTo: streamChunkSize)
                        if chunk.isEmpty { break }
                        bytes += chunk
                    }
                    let data = Data(bytes)
                    if executable, bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) {
                        let result = Catalogers.catalog(path: path, contents: data, osRelease: nil)
                        if !result.packages.isEmpty || !result.warnings.isEmpty {
                            written[path] = CollectedFile(layer: index, content: .catalogued(result))
                        }
                    } else {
                        written[path] = CollectedFile(layer: index, content: .contents(data))
                    }
                case .hardlink:
                    let target = normalise(entry.linkName)
                    if let file = written[target] ?? files[target] { written[path] = CollectedFile(layer: index, content: file.content) }
                default:
                    break
                }
            }
        } catch let error as ArchiveError {
            throw ScannerError.layer(digest: layer.digest.description, reason: "\(error)")
        }
        // What this layer hides of the layers below, then what it adds (its own files are never hidden by its
        // own whiteouts: the OCI image spec forbids a layer from holding both).
        for directory in opaqueDirectories {
            let prefix = directory.isEmpty ? "" : directory + "/"
            for path in files.keys where path.hasPrefix(prefix) { files[path] = nil }
        }
        for hidden in whiteouts {
            files[hidden] = nil
            for path in files.keys where path.hasPrefix(hidden + "/") { files[path] = nil }
        }
        for path in replaced { files[path] = nil }
        for (path, file) in written { files[path] = file }
    }

    /// `./usr/bin/x` and `/usr/bin/x` both name `usr/bin/x`.
    static func normalise(_ name: String) -> String {
        var path = Substring(name)
        while path.hasPrefix("./") { path = path.dropFirst(2) }
        while path.hasPrefix("/") { path = path.dropFirst() }
        while path.hasSuffix("/") { path = path.dropLast() }
        return path == "." ? "" : String(path)
    }
}
