import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import SlipwayArchive
import SlipwayOCI
import Synchronization

/// How a client reaches registries.
public struct ClientConfiguration: Sendable {
    public var credentials: CredentialStore
    /// Mirrors per registry, tried in order before the registry itself (`docker.io` → `127.0.0.1:5001`), as
    /// containerd's `hosts.toml` does.
    public var mirrors: [String: [String]] = [:]
    /// Registries reached over plain HTTP besides loopback ones.
    public var insecure: Set<String> = []
    public var retry = RetryPolicy()
    /// Layers copied at once.
    public var parallelism = 4
    /// When set, blobs are pushed in chunks of this size (resumable); otherwise in one request.
    public var chunkSize: Int?
    /// A PEM file of extra certificate authorities to trust for TLS registries (a private CA).
    public var caFile: String?

    public init(credentials: CredentialStore) { self.credentials = credentials }
}

/// Talks to OCI registries: resolve, pull and push manifests and blobs, with auth challenges, retries, mirrors.
public final class RegistryClient: Sendable {
    public let configuration: ClientConfiguration
    let http: HTTPClient
    private let tokens = Mutex<[String: (token: String, expires: Date)]>([:])
    /// Registries known to want Basic credentials, so they are sent up front.
    private let basicRegistries = Mutex<Set<String>>([])

    public init(configuration: ClientConfiguration) throws {
        self.configuration = configuration
        var http = HTTPClient.Configuration()
        if let caFile = configuration.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ClientError.io(path: caFile, reason: "cannot read this CA file")
            }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.file(caFile)]
            http.tlsConfiguration = tls
        }
        http.redirectConfiguration = .disallow  // followed by hand: the Authorization header stays on its own host
        http.timeout = .init(connect: .seconds(10), read: .seconds(120))
        // A refused connection fails the request at once; RetryPolicy decides what is worth another try.
        http.connectionPool.retryConnectionEstablishment = false
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
    }

    deinit { try? http.syncShutdown() }

    /// The accept list for manifests: every image and index type Slipway reads.
    static let manifestAccept = [MediaType.ociManifest, MediaType.ociIndex, MediaType.dockerManifest,
                                 MediaType.dockerManifestList].joined(separator: ", ")

    // MARK: Endpoints

    /// The hosts to try for a registry: its mirrors (for pulls), then itself. Docker Hub's API host is
    /// registry-1.docker.io.
    func hosts(for registry: String, pulling: Bool) -> [String] {
        let own = registry == "docker.io" ? "registry-1.docker.io" : registry
        return (pulling ? configuration.mirrors[registry] ?? [] : []) + [own]
    }

    func scheme(for host: String) -> String {
        if host.hasPrefix("http://") || host.hasPrefix("https://") { return "" }
        let name = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }.dropFirst()) : String(host.split(separator: ":").first ?? "")
        let loopback = name == "localhost" || name.hasPrefix("127.") || name == "::1"
        return loopback || configuration.insecure.contains(host) ? "http://" : "https://"
    }

    func url(_ host: String, _ path: String) -> String { scheme(for: host) + host + path }

    /// Fetches a manifest or index by tag or digest, verifying the bytes against the digest asked for, or
    /// against `Docker-Content-Digest` when asked by tag.
    public func manifest(_ reference: ImageReference, tagOrDigest: String? = nil) async throws -> (Descriptor, [UInt8]) {
        let target = tagOrDigest ?? reference.manifestReference
        let path = "/v2/\(reference.repository)/manifests/\(target)"
        var lastError: (any Error)?
        for host in hosts(for: reference.registry, pulling: true) {
            do {
                let response = try await send(.GET, host: host, path: path, registry: reference.registry,
                                              scope: "repository:\(reference.repository):pull",
                                              headers: ["Accept": Self.manifestAccept], what: "manifest \(target) of \(reference)")
                let body = try await response.body.collect(upTo: 4 << 20)
                let bytes = Array(body.readableBytesView)
                let mediaType = (response.headers.first(name: "Content-Type") ?? "").split(separator: ";").first.map(String.init) ?? ""
                try Self.checkNotHTML(mediaType, url: url(host, path))
                let digest = Digest(of: bytes)
                let expected = (try? Digest(parsing: target)) ?? response.headers.first(name: "Docker-Content-Digest").flatMap { try? Digest(parsing: $0) }
                if let expected, expected != Digest(of: bytes, algorithm: expected.algorithm) {
                    throw ClientError.digestMismatch(reference: "\(reference)", expected: expected, actual: digest)
                }
                guard MediaType.manifests.contains(mediaType) || MediaType.indexes.contains(mediaType) else {
                    throw ClientError.unsupportedMediaType(reference: "\(reference)", mediaType: mediaType)
                }
                return (Descriptor(mediaType: mediaType, digest: expected ?? digest, size: Int64(bytes.count)), bytes)
            } catch let error as ClientError {
                if case .digestMismatch = error { throw error }
                lastError = error
            }
        }
        throw lastError!
    }

    /// Resolves a reference to the descriptor of what it names, with a HEAD request (which registries such as
    /// Docker Hub do not count against pull limits), then a GET when the HEAD answer lacks
    /// `Docker-Content-Digest`, its media type, or fails. A reference by digest is checked the same way: the
    /// registry must have it.
    public func resolve(_ reference: ImageReference) async throws -> Descriptor {
        let target = reference.manifestReference
        let path = "/v2/\(reference.repository)/manifests/\(target)"
        for host in hosts(for: reference.registry, pulling: true) {
            guard let response = try? await send(.HEAD, host: host, path: path, registry: reference.registry,
                                                 scope: "repository:\(reference.repository):pull",
                                                 headers: ["Accept": Self.manifestAccept], what: "manifest \(target) of \(reference)")
            else { continue }
            let mediaType = (response.headers.first(name: "Content-Type") ?? "").split(separator: ";").first.map(String.init) ?? ""
            guard let digest = response.headers.first(name: "Docker-Content-Digest").flatMap({ try? Digest(parsing: $0) }),
                  let size = response.headers.first(name: "Content-Length").flatMap(Int64.init),
                  MediaType.manifests.contains(mediaType) || MediaType.indexes.contains(mediaType)
            else { break }
            if let asked = reference.digest, asked != digest {
                throw ClientError.digestMismatch(reference: "\(reference)", expected: asked, actual: digest)
            }
            return Descriptor(mediaType: mediaType, digest: digest, size: size)
        }
        return try await manifest(reference).0
    }

    /// Whether the registry has the manifest a reference names.
    public func manifestExists(_ reference: ImageReference) async throws -> Bool {
        let response = try await send(.HEAD, host: hosts(for: reference.registry, pulling: false).last!,
                                      path: "/v2/\(reference.repository)/manifests/\(reference.manifestReference)",
                                      registry: reference.registry, scope: "repository:\(reference.repository):pull",
                                      headers: ["Accept": Self.manifestAccept], accept404: true,
                                      what: "manifest \(reference.manifestReference) of \(reference)")
        return response.status == .ok
    }

    /// The size of a blob in a repository, or nil when the registry does not have it there.
    public func blobSize(_ digest: Digest, in reference: ImageReference) async throws -> Int64? {
        let response = try await send(.HEAD, host: hosts(for: reference.registry, pulling: false).last!,
                                      path: "/v2/\(reference.repository)/blobs/\(digest)", registry: reference.registry,
                                      scope: "repository:\(reference.repository):pull", accept404: true,
                                      what: "blob \(digest) of \(reference)")
        guard response.status == .ok else { return nil }
        return response.headers.first(name: "Content-Length").flatMap(Int64.init)
    }

    /// Opens a blob for reading: the 200 answer whose body streams it, after following redirects (CDNs)
    /// without sending the Authorization header to another host. Mirrors are tried first.
    public func openBlob(_ descriptor: Descriptor, from reference: ImageReference) async throws -> HTTPClientResponse {
        var lastError: (any Error)?
        for host in hosts(for: reference.registry, pulling: true) {
            do {
                let path = "/v2/\(reference.repository)/blobs/\(descriptor.digest)"
                var response = try await send(.GET, host: host, path: path, registry: reference.registry,
                                              scope: "repository:\(reference.repository):pull",
                                              allowRedirect: true, what: "blob \(descriptor.digest) of \(reference)")
                var hops = 0
                while [301, 302, 303, 307, 308].contains(Int(response.status.code)), let location = response.headers.first(name: "Location") {
                    hops += 1
                    guard hops <= 5 else { throw ClientError.transport(url: location, reason: "too many redirects") }
                    let target = location.hasPrefix("/") ? url(host, location) : location
                    let sameHost = URL(string: target)?.host == URL(string: url(host, "/"))?.host
                    var request = HTTPClientRequest(url: target)
                    if sameHost, let authorization = authorization(for: reference.registry, scope: "repository:\(reference.repository):pull") {
                        request.headers.add(name: "Authorization", value: authorization)
                    }
                    response = try await http.execute(request, timeout: .seconds(600))
                }
                guard response.status == .ok else {
                    throw await error(response, host: host, what: "blob \(descriptor.digest) of \(reference)", registry: reference.registry)
                }
                return response
            } catch let error as ClientError {
                lastError = error
            }
        }
        throw lastError!
    }

    /// Streams a blob into `sink`, verifying size and digest.
    public func fetchBlob(_ descriptor: Descriptor, from reference: ImageReference, into sink: any ByteWriter,
                          progress: (@Sendable (Int) -> Void)? = nil) async throws {
        let response = try await openBlob(descriptor, from: reference)
        for try await buffer in VerifiedBody(body: response.body, descriptor: descriptor, reference: "\(reference)", progress: progress) {
            try buffer.withUnsafeReadableBytes { try sink.write($0) }
        }
    }

    /// Links a blob the registry holds in another repository (a cross-repository mount); false when the
    /// registry would rather have it uploaded.
    public func mountBlob(_ digest: Digest, from source: String, into reference: ImageReference) async throws -> Bool {
        let response = try await send(.POST, host: hosts(for: reference.registry, pulling: false).last!,
                                      path: "/v2/\(reference.repository)/blobs/uploads/?mount=\(digest)&from=\(source)",
                                      registry: reference.registry,
                                      scope: "repository:\(reference.repository):pull,push repository:\(source):pull",
                                      what: "mount of \(digest) into \(reference)")
        if response.status == .created { return true }
        if let location = response.headers.first(name: "Location") {
            _ = try? await send(.DELETE, host: hosts(for: reference.registry, pulling: false).last!,
                                path: Self.path(of: location), registry: reference.registry,
                                scope: "repository:\(reference.repository):pull,push", accept404: true, what: "upload cancel")
        }
        return false
    }

    /// Uploads a blob: `open` gives a fresh reader of its bytes for each attempt.
    public func pushBlob(_ descriptor: Descriptor, to reference: ImageReference, open: @escaping @Sendable () throws -> any ByteReader,
                         progress: (@Sendable (Int) -> Void)? = nil) async throws {
        let host = hosts(for: reference.registry, pulling: false).last!
        let scope = "repository:\(reference.repository):pull,push"
        var location = try await startUpload(descriptor, host: host, reference: reference, scope: scope)
        if let chunkSize = configuration.chunkSize {
            location = try await pushChunks(descriptor, host: host, location: location, reference: reference, scope: scope,
                                            chunkSize: chunkSize, open: open, progress: progress)
            let finish = try await send(.PUT, host: host, path: Self.path(of: location, adding: "digest=\(descriptor.digest)"),
                                        registry: reference.registry, scope: scope, what: "upload of \(descriptor.digest)")
            guard finish.status == .created else { throw await error(finish, host: host, what: "upload of \(descriptor.digest)") }
            return
        }
        let size = descriptor.size
        let response = try await send(
            .PUT, host: host, path: Self.path(of: location, adding: "digest=\(descriptor.digest)"), registry: reference.registry,
            scope: scope, headers: ["Content-Type": "application/octet-stream"],
            body: { .stream(ReaderSequence(reader: try open(), progress: progress), length: .known(size)) },
            what: "upload of \(descriptor.digest) to \(reference)")
        guard response.status == .created else { throw await error(response, host: host, what: "upload of \(descriptor.digest)") }
    }

    /// Uploads a blob straight from another registry's response body, without touching the disk. It cannot be
    /// retried (the body is read once); callers fall back to a spooled copy when it fails.
    public func pushBlob(_ descriptor: Descriptor, to reference: ImageReference, streaming body: HTTPClientResponse.Body,
                         source: String, progress: (@Sendable (Int) -> Void)? = nil) async throws {
        let host = hosts(for: reference.registry, pulling: false).last!
        let scope = "repository:\(reference.repository):pull,push"
        let location = try await startUpload(descriptor, host: host, reference: reference, scope: scope)
        let verified = VerifiedBody(body: body, descriptor: descriptor, reference: source, progress: progress)
        let size = descriptor.size
        let response = try await send(
            .PUT, host: host, path: Self.path(of: location, adding: "digest=\(descriptor.digest)"), registry: reference.registry,
            scope: scope, headers: ["Content-Type": "application/octet-stream"],
            body: { .stream(verified, length: .known(size)) }, retries: false,
            what: "upload of \(descriptor.digest) to \(reference)")
        guard response.status == .created else { throw await error(response, host: host, what: "upload of \(descriptor.digest)") }
    }

    /// Opens an upload session; returns its Location.
    private func startUpload(_ descriptor: Descriptor, host: String, reference: ImageReference, scope: String) async throws -> String {
        let path = "/v2/\(reference.repository)/blobs/uploads/"
        let start = try await send(.POST, host: host, path: path, registry: reference.registry, scope: scope,
                                   what: "upload of \(descriptor.digest) to \(reference)")
        guard start.status == .accepted, let location = start.headers.first(name: "Location") else {
            throw ClientError.http(url: url(host, path), status: Int(start.status.code), code: nil,
                                   message: "expected 202 with a Location")
        }
        return location
    }

    /// Chunked upload, resuming from the server's `Range` after a failed chunk.
    private func pushChunks(_ descriptor: Descriptor, host: String, location: String, reference: ImageReference, scope: String,
                            chunkSize: Int, open: @escaping @Sendable () throws -> any ByteReader,
                            progress: (@Sendable (Int) -> Void)?) async throws -> String {
        var location = location
        var offset: Int64 = 0
        var failures = 0
        while offset < descriptor.size {
            let reader = try open()
            try Self.skip(offset, in: reader)
            let chunk = try Self.read(min(Int64(chunkSize), descriptor.size - offset), from: reader)
            do {
                let response = try await send(
                    .PATCH, host: host, path: Self.path(of: location), registry: reference.registry, scope: scope,
                    headers: ["Content-Type": "application/octet-stream", "Content-Range": "\(offset)-\(offset + Int64(chunk.count) - 1)"],
                    body: { .bytes(ByteBuffer(bytes: chunk)) }, retries: false, what: "chunk of \(descriptor.digest)")
                guard response.status == .accepted else { throw await error(response, host: host, what: "chunk of \(descriptor.digest)") }
                location = response.headers.first(name: "Location") ?? location
                offset += Int64(chunk.count)
                progress?(chunk.count)
            } catch {
                failures += 1
                guard failures < configuration.retry.attempts else { throw error }
                try await Task.sleep(for: configuration.retry.delay(beforeRetry: failures))
                // Ask where the upload stands and go on from there.
                let status = try await send(.GET, host: host, path: Self.path(of: location), registry: reference.registry,
                                            scope: scope, what: "upload status of \(descriptor.digest)")
                if let range = status.headers.first(name: "Range"), let end = range.split(separator: "-").last.flatMap({ Int64($0) }) {
                    offset = offset == 0 && end == 0 && range == "0-0" ? 0 : end + 1
                }
            }
        }
        return location
    }

    /// Pushes a manifest or index under a tag or digest.
    public func pushManifest(_ bytes: [UInt8], mediaType: String, to reference: ImageReference, tagOrDigest: String) async throws {
        let host = hosts(for: reference.registry, pulling: false).last!
        let response = try await send(.PUT, host: host, path: "/v2/\(reference.repository)/manifests/\(tagOrDigest)",
                                      registry: reference.registry, scope: "repository:\(reference.repository):pull,push",
                                      headers: ["Content-Type": mediaType], body: { .bytes(ByteBuffer(bytes: bytes)) },
                                      what: "manifest \(tagOrDigest) of \(reference)")
        guard response.status == .created else { throw await error(response, host: host, what: "manifest \(tagOrDigest)") }
    }

    // MARK: Requests

    /// Sends a request with auth and retries. A 401 is answered once by authenticating from the challenge.
    func send(_ method: HTTPMethod, host: String, path: String, registry: String, scope: String,
              headers: [String: String] = [:], body: (@Sendable () throws -> HTTPClientRequest.Body)? = nil,
              accept404: Bool = false, allowRedirect: Bool = false, retries: Bool = true, what: String) async throws -> HTTPClientResponse {
        var attempt = 0
        var authenticated = false
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url(host, path))
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let authorization = authorization(for: registry, scope: scope) {
                request.headers.add(name: "Authorization", value: authorization)
            }
            if let body { request.body = try body() }
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: .seconds(600))
            } catch {
                guard retries, attempt < configuration.retry.attempts, Self.isTransient(error) else {
                    throw ClientError.transport(url: url(host, path), reason: "\(error)")
                }
                try await Task.sleep(for: configuration.retry.delay(beforeRetry: attempt))
                continue
            }
            let status = Int(response.status.code)
            if status == 401, !authenticated, let challenge = response.headers.first(name: "WWW-Authenticate").flatMap(AuthChallenge.init) {
                _ = try? await response.body.collect(upTo: 1 << 20)
                try await authenticate(challenge, registry: registry, scope: scope)
                authenticated = true
                continue
            }
            if retries, RetryPolicy.isRetryable(status: status), attempt < configuration.retry.attempts {
                let retryAfter = response.headers.first(name: "Retry-After")
                _ = try? await response.body.collect(upTo: 1 << 20)
                try await Task.sleep(for: configuration.retry.delay(beforeRetry: attempt, retryAfter: retryAfter))
                continue
            }
            if (200..<300).contains(status) || (accept404 && status == 404) || (allowRedirect && (300..<400).contains(status)) {
                return response
            }
            throw await error(response, host: host, what: what, registry: registry)
        }
    }

    private func authorization(for registry: String, scope: String) -> String? {
        if let token = tokens.withLock({ $0[registry + " " + scope] }), token.expires > Date() {
            return "Bearer \(token.token)"
        }
        if basicRegistries.withLock({ $0.contains(registry) }), let credential = configuration.credentials.credential(for: registry) {
            return "Basic " + Data("\(credential.username):\(credential.password)".utf8).base64EncodedString()
        }
        return nil
    }

    /// Answers a challenge: remembers Basic, or fetches a Bearer token for the scope.
    private func authenticate(_ challenge: AuthChallenge, registry: String, scope: String) async throws {
        let credential = configuration.credentials.credential(for: registry)
        switch challenge.scheme {
        case .basic:
            guard credential != nil else { throw ClientError.unauthorized(registry: registry, message: "no credentials for it") }
            basicRegistries.withLock { _ = $0.insert(registry) }
        case .bearer:
            guard let realm = challenge.realm, var components = URLComponents(string: realm) else {
                throw ClientError.unauthorized(registry: registry, message: "Bearer challenge without a realm")
            }
            var items = components.queryItems ?? []
            if let service = challenge.service { items.append(URLQueryItem(name: "service", value: service)) }
            for part in scope.split(separator: " ") { items.append(URLQueryItem(name: "scope", value: String(part))) }
            components.queryItems = items
            guard let tokenURL = components.url?.absoluteString else {
                throw ClientError.unauthorized(registry: registry, message: "bad realm \(realm)")
            }
            var request = HTTPClientRequest(url: tokenURL)
            if let credential {
                request.headers.add(name: "Authorization",
                                    value: "Basic " + Data("\(credential.username):\(credential.password)".utf8).base64EncodedString())
            }
            let response = try await http.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else {
                throw ClientError.unauthorized(registry: registry, message: "the token service answered \(response.status.code)")
            }
            struct TokenResponse: Decodable {
                var token: String?
                var access_token: String?
                var expires_in: Int?
            }
            let decoded = try JSONDecoder().decode(TokenResponse.self, from: Data(body.readableBytesView))
            guard let token = decoded.token ?? decoded.access_token else {
                throw ClientError.unauthorized(registry: registry, message: "the token service sent no token")
            }
            let lifetime = TimeInterval(max(decoded.expires_in ?? 60, 60)) - 10
            tokens.withLock { $0[registry + " " + scope] = (token, Date().addingTimeInterval(lifetime)) }
        }
    }

    /// Turns an error answer into a `ClientError` with the spec's code and message when the body has them.
    func error(_ response: HTTPClientResponse, host: String, what: String, registry: String? = nil) async -> ClientError {
        let body = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        if contentType.hasPrefix("text/html") { return .notARegistry(url: "\(host) (\(what))", contentType: contentType) }
        struct Errors: Decodable {
            struct Item: Decodable { var code: String; var message: String? }
            var errors: [Item]
        }
        let item = (try? JSONDecoder().decode(Errors.self, from: Data(body.utf8)))?.errors.first
        let status = Int(response.status.code)
        switch status {
        case 401: return .unauthorized(registry: registry ?? host, message: item?.message ?? "HTTP 401")
        case 403: return .denied(reference: what, message: item?.message ?? "HTTP 403")
        case 404: return .notFound(reference: what, what: item?.code == "MANIFEST_UNKNOWN" ? "manifest" : "it")
        default: return .http(url: "\(host) (\(what))", status: status, code: item?.code, message: item?.message ?? "")
        }
    }

    /// Whether a failed request may succeed if tried again: a dropped or reset connection, a read that timed
    /// out. An unknown host, a refused or timed-out connection, or a TLS failure will not fix itself.
    static func isTransient(_ error: any Error) -> Bool {
        if error is NIOSSLError { return false }
        if let error = error as? HTTPClientError {
            return [.remoteConnectionClosed, .readTimeout, .cancelled].contains(error)
        }
        let text = String(describing: error)
        return !(text.contains("NIOConnectionError") || text.contains("connectTimeout") || text.contains("SSL")
                 || text.contains("certificate") || text.contains("handshake") || text.contains("DNS")
                 || text.contains("UnknownHost") || text.contains("Connection refused"))
    }

    static func checkNotHTML(_ mediaType: String, url: String) throws {
        if mediaType.hasPrefix("text/html") { throw ClientError.notARegistry(url: url, contentType: mediaType) }
    }

    /// The path and query of a Location header (absolute or relative), with `query` added.
    static func path(of location: String, adding query: String? = nil) -> String {
        var path = location
        if let url = URL(string: location), url.host != nil {
            path = url.path + (url.query.map { "?\($0)" } ?? "")
        }
        guard let query else { return path }
        return path + (path.contains("?") ? "&" : "?") + query
    }

    static func skip(_ count: Int64, in reader: any ByteReader) throws {
        var remaining = count
        while remaining > 0 {
            let chunk = try reader.read(upTo: Int(min(remaining, Int64(streamChunkSize))))
            if chunk.isEmpty { break }
            remaining -= Int64(chunk.count)
        }
    }

    static func read(_ count: Int64, from reader: any ByteReader) throws -> [UInt8] {
        var out: [UInt8] = []
        while Int64(out.count) < count {
            let chunk = try reader.read(upTo: Int(count) - out.count)
            if chunk.isEmpty { break }
            out += chunk
        }
        return out
    }
}

/// A `ByteReader` as an async sequence of buffers, for a request body. It is iterated once, by the one task
/// that sends the request, so the reader it holds is never shared.
struct ReaderSequence: AsyncSequence, @unchecked Sendable {
    typealias Element = ByteBuffer
    let reader: any ByteReader
    let progress: (@Sendable (Int) -> Void)?

    struct AsyncIterator: AsyncIteratorProtocol {
        let reader: any ByteReader
        let progress: (@Sendable (Int) -> Void)?
        mutating func next() async throws -> ByteBuffer? {
            let chunk = try reader.read(upTo: 1 << 20)
            if chunk.isEmpty { return nil }
            progress?(chunk.count)
            return ByteBuffer(bytes: chunk)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader, progress: progress) }
}

/// A blob's bytes as they arrive, checked against its descriptor: more bytes than its size, or a different
/// digest at the end, is an error.
struct VerifiedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let body: HTTPClientResponse.Body
    let descriptor: Descriptor
    let reference: String
    var progress: (@Sendable (Int) -> Void)? = nil

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: HTTPClientResponse.Body.AsyncIterator
        var digester: Digester
        let descriptor: Descriptor
        let reference: String
        let progress: (@Sendable (Int) -> Void)?
        var finished = false

        mutating func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            guard let buffer = try await inner.next() else {
                finished = true
                guard digester.count == descriptor.size else {
                    throw ClientError.sizeMismatch(reference: reference, digest: descriptor.digest, expected: descriptor.size,
                                                   actual: digester.count)
                }
                let actual = digester.finalize()
                guard actual == descriptor.digest else {
                    throw ClientError.digestMismatch(reference: reference, expected: descriptor.digest, actual: actual)
                }
                return nil
            }
            guard digester.count + Int64(buffer.readableBytes) <= descriptor.size else {
                throw ClientError.sizeMismatch(reference: reference, digest: descriptor.digest, expected: descriptor.size,
                                               actual: digester.count + Int64(buffer.readableBytes))
            }
            buffer.withUnsafeReadableBytes { digester.update($0) }
            progress?(buffer.readableBytes)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: body.makeAsyncIterator(), digester: Digester(algorithm: descriptor.digest.algorithm),
                      descriptor: descriptor, reference: reference, progress: progress)
    }
}
