import AsyncHTTPClient
import Foundation
import NIOCore
import SlipwayArchive
import SlipwayOCI
import SlipwayRegistryClient

/// `ADD https://…`: the file downloaded before the step (so its content is part of the cache key, as BuildKit keys
/// it), checked against `--checksum`, then written as the reference says: mode 0600 unless `--chmod`, the time
/// from `Last-Modified`, never unpacked.
struct RemoteSource {
    let url: String
    /// The downloaded bytes, in a file the builder removes after the step.
    let file: String
    let digest: Digest
    let lastModified: Date?

    /// The file name the URL gives (its last path component), for a destination that is a directory.
    var fileName: String {
        let path = URL(string: url)?.path ?? ""
        let name = (path as NSString).lastPathComponent
        return name.isEmpty || name == "/" ? "index.html" : name
    }

    static func isRemote(_ source: String) -> Bool { source.hasPrefix("http://") || source.hasPrefix("https://") }

    /// Downloads `url` into `directory` (redirects followed, at most 10 minutes), checking `checksum` when given.
    static func download(_ url: String, into directory: String, checksum: String?, step: String) async throws -> RemoteSource {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/" + UUID().uuidString.lowercased()
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .follow(max: 10, allowCycles: false)
        configuration.timeout = .init(connect: .seconds(30), read: .seconds(120))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let source = try await fetch(url, into: file, client: client, checksum: checksum, step: step)
            try? await client.shutdown()
            return source
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func fetch(_ url: String, into file: String, client: HTTPClient, checksum: String?, step: String) async throws
        -> RemoteSource
    {
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .minutes(10))
            guard response.status == .ok else {
                throw BuilderError.runtime(reason: "\(step): \(url) answered \(response.status.code) \(response.status.reasonPhrase)")
            }
            let writer = try FileWriter(path: file, mode: 0o600)
            var digester = Digester()
            for try await buffer in response.body {
                let bytes = Array(buffer.readableBytesView)
                digester.update(bytes)
                try writer.write(bytes)
            }
            try writer.close(sync: false)
            let digest = digester.finalize()
            if let checksum, checksum != digest.description {
                unlink(file)
                throw BuilderError.runtime(reason: "\(step): \(url) has digest \(digest), not the --checksum \(checksum)")
            }
            let modified = response.headers.first(name: "last-modified").flatMap(HTTPDate.parse)
            return RemoteSource(url: url, file: file, digest: digest, lastModified: modified)
        } catch let error as BuilderError {
            unlink(file)
            throw error
        } catch {
            unlink(file)
            throw BuilderError.runtime(reason: "\(step): cannot download \(url): \(error)")
        }
    }
}
