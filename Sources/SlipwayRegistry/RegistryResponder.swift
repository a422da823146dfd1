import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SlipwayArchive
import SlipwayOCI
import SlipwayStore

extension HTTPField.Name {
    static let dockerContentDigest = Self("Docker-Content-Digest")!
    static let dockerUploadUUID = Self("Docker-Upload-UUID")!
    static let dockerDistributionAPIVersion = Self("Docker-Distribution-API-Version")!
    static let ociSubject = Self("OCI-Subject")!
    static let ociFiltersApplied = Self("OCI-Filters-Applied")!
    static let range = Self("Range")!
    static let contentRange = Self("Content-Range")!
    static let link = Self("Link")!
}

/// The OCI distribution HTTP API over a `Registry`.
public struct RegistryResponder<Context: RequestContext>: HTTPResponder {
    public let registry: Registry

    public init(registry: Registry) { self.registry = registry }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let route = RegistryRoute.parse(path: request.uri.path)
        let received = ByteCounter()
        var response: Response
        do {
            guard let route else {
                throw RegistryError(.nameUnknown, "no such endpoint: \(request.uri.path)", status: .notFound)
            }
            if let name = route.name { try RegistryRoute.validateName(name) }
            _ = try registry.auth.authorize(AccessRequest.needed(for: route, method: request.method.rawValue),
                                            headers: request.headers, host: Self.host(request))
            response = try await handle(route, request, received: received)
        } catch let error as RegistryError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("registry: \(request.method) \(request.uri.path): \(error)")
            response = try RegistryError(.unsupported, "internal error: \(error)", status: .internalServerError)
                .response(from: request, context: context)
        }
        let sent = request.method == .head ? 0 : response.headers[.contentLength].flatMap(Int64.init) ?? 0
        registry.metrics.recordRequest(route: route?.label ?? "other", method: request.method.rawValue,
                                       status: response.status.code, bytesIn: received.count, bytesOut: sent)
        return response
    }

    private func handle(_ route: RegistryRoute, _ request: Request, received: ByteCounter) async throws -> Response {
        let method = request.method
        switch (route, method) {
        case (.base, .get), (.base, .head):
            var headers = HTTPFields()
            headers[.dockerDistributionAPIVersion] = "registry/2.0"
            return json("{}", headers: headers, head: method == .head)
        case (.catalog, .get):
            let (limit, last) = try pagination(request)
            let names = try registry.database.repositories(after: last, limit: limit.map { $0 + 1 })
            return try page(key: "repositories", items: names, limit: limit, path: "/v2/_catalog", extra: [:])
        case (.tags(let name), .get):
            guard try registry.database.repositoryExists(name) else { throw unknownRepository(name) }
            let (limit, last) = try pagination(request)
            let tags = try registry.database.tags(in: name, after: last, limit: limit.map { $0 + 1 })
            return try page(key: "tags", items: tags, limit: limit, path: "/v2/\(name)/tags/list", extra: ["name": name])
        case (.manifest(let name, let reference), .get), (.manifest(let name, let reference), .head):
            return try getManifest(name, try ManifestReference(parsing: reference), request)
        case (.manifest(let name, let reference), .put):
            return try await putManifest(name, try ManifestReference(parsing: reference), request)
        case (.manifest(let name, let reference), .delete):
            return try deleteManifest(name, try ManifestReference(parsing: reference))
        case (.blob(let name, let digest), .get), (.blob(let name, let digest), .head):
            return try getBlob(name, try parseDigest(digest), request)
        case (.blob(let name, let digest), .delete):
            guard try registry.database.unlinkBlob(try parseDigest(digest), from: name) else {
                throw RegistryError(.blobUnknown, "blob \(digest) is not in \(name)")
            }
            return Response(status: .accepted, headers: [.contentLength: "0"])
        case (.startUpload(let name), .post):
            return try await startUpload(name, request, received)
        case (.upload(let name, let id), .patch):
            return try await withSession(id, name) { try await patch(name, $0, request, received) }
        case (.upload(let name, let id), .put):
            return try await withSession(id, name) { try await finish(name, $0, request, received) }
        case (.upload(let name, let id), .get):
            return try await withSession(id, name) { session in
                Response(status: .noContent, headers: uploadHeaders(name, session))
            }
        case (.upload(let name, let id), .delete):
            guard case .session = registry.uploads.checkOut(id, repository: name) else {
                throw RegistryError(.blobUploadUnknown, "no upload \(id) in \(name)")
            }
            registry.uploads.remove(id)
            return Response(status: .noContent)
        case (.referrers(let name, let digest), .get):
            return try referrers(name, try parseDigest(digest), request)
        default:
            throw RegistryError(.unsupported, "\(method) is not supported on \(request.uri.path)")
        }
    }

    // MARK: Manifests

    private func getManifest(_ name: String, _ reference: ManifestReference, _ request: Request) throws -> Response {
        guard let record = try registry.manifest(reference, in: name) else {
            throw RegistryError(.manifestUnknown, "manifest \(referenceText(reference)) is not in \(name)")
        }
        let accepted = request.headers[values: .accept].flatMap { $0.split(separator: ",") }
            .map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces) }
        if !accepted.isEmpty, !accepted.contains(record.mediaType), !accepted.contains("*/*"),
           !accepted.contains("application/*") {
            throw RegistryError(.manifestUnknown, "\(referenceText(reference)) is a \(record.mediaType), which the "
                                    + "request's Accept header does not include", status: .notFound)
        }
        var headers = HTTPFields()
        headers[.contentType] = record.mediaType
        headers[.contentLength] = String(record.size)
        headers[.dockerContentDigest] = record.digest
        headers[.eTag] = "\"\(record.digest)\""
        if request.method == .head { return Response(status: .ok, headers: headers) }
        let bytes = try registry.store.bytes(of: record.descriptor.digest)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private func putManifest(_ name: String, _ reference: ManifestReference, _ request: Request) async throws -> Response {
        var request = request
        let limit = Registry.maxManifestSize
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw RegistryError(.sizeInvalid, "manifest is \(length) bytes; the limit is \(limit)", status: .contentTooLarge)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw RegistryError(.sizeInvalid, "manifest is larger than \(limit) bytes", status: .contentTooLarge)
        }
        let (digest, subject) = try registry.putManifest(
            Array(buffer.readableBytesView), contentType: request.headers[.contentType] ?? "", repository: name,
            reference: reference)
        var headers = HTTPFields()
        headers[.location] = "/v2/\(name)/manifests/\(digest)"
        headers[.dockerContentDigest] = digest.description
        headers[.contentLength] = "0"
        if let subject { headers[.ociSubject] = subject.description }
        return Response(status: .created, headers: headers)
    }

    private func deleteManifest(_ name: String, _ reference: ManifestReference) throws -> Response {
        let deleted: Bool
        switch reference {
        case .digest(let digest):
            if try registry.database.digestsKeptForDeploys().contains(digest.description) {
                throw RegistryError(.denied, "manifest \(digest) is live, draining or among an environment's last 10 deploys; "
                                        + "it is kept so that a rollback can deploy it")
            }
            deleted = try registry.database.deleteManifest(digest, in: name)
        case .tag(let tag): deleted = try registry.database.deleteTag(tag, in: name)
        }
        guard deleted else {
            throw RegistryError(.manifestUnknown, "manifest \(referenceText(reference)) is not in \(name)")
        }
        return Response(status: .accepted, headers: [.contentLength: "0"])
    }

    private func referrers(_ name: String, _ digest: Digest, _ request: Request) throws -> Response {
        var descriptors = try registry.database.referrers(of: digest, in: name).map(\.descriptor)
        var headers = HTTPFields()
        if let artifactType = request.uri.queryParameters.get("artifactType") {
            descriptors = descriptors.filter { $0.artifactType == artifactType }
            headers[.ociFiltersApplied] = "artifactType"
        }
        let bytes = try ImageIndex(manifests: descriptors).encoded()
        headers[.contentType] = MediaType.ociIndex
        headers[.contentLength] = String(bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Blobs

    private func getBlob(_ name: String, _ digest: Digest, _ request: Request) throws -> Response {
        guard let size = try registry.blobSize(digest, in: name) else {
            throw RegistryError(.blobUnknown, "blob \(digest) is not in \(name)")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.dockerContentDigest] = digest.description
        headers[.eTag] = "\"\(digest)\""
        headers[.acceptRanges] = "bytes"
        var range: ClosedRange<Int64>?
        if let header = request.headers[.range] {
            guard let parsed = ByteRange.parse(header, size: size) else {
                headers[.contentRange] = "bytes */\(size)"
                throw RegistryError(.blobUnknown, "range \(header) is not satisfiable for \(size) bytes",
                                    status: .rangeNotSatisfiable, headers: headers)
            }
            range = parsed
            headers[.contentRange] = "bytes \(parsed.lowerBound)-\(parsed.upperBound)/\(size)"
        }
        let length = range.map { $0.upperBound - $0.lowerBound + 1 } ?? size
        headers[.contentLength] = String(length)
        let status: HTTPResponse.Status = range == nil ? .ok : .partialContent
        if request.method == .head { return Response(status: status, headers: headers) }
        let start = range?.lowerBound ?? 0
        let store = registry.store
        let body = ResponseBody(contentLength: Int(length)) { writer in
            let reader = try store.rawReader(for: digest)
            try reader.seek(to: start)
            // Read straight into the buffers NIO sends, a MiB at a time: one copy, few writes.
            var remaining = length
            let allocator = ByteBufferAllocator()
            while remaining > 0 {
                let want = Int(min(Int64(1 << 20), remaining))
                var buffer = allocator.buffer(capacity: want)
                let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { memory in
                    try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: memory[0..<want]))
                }
                if count == 0 { throw StoreError.sizeMismatch(digest, expected: size, actual: size - remaining) }
                try await writer.write(buffer)
                remaining -= Int64(count)
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    private func startUpload(_ name: String, _ request: Request, _ received: ByteCounter) async throws -> Response {
        let query = request.uri.queryParameters
        if let mount = query.get("mount") {
            let digest = try parseDigest(mount)
            let from = query.get("from")
            // Mounting reads the source repository, so it needs pull there; without it, upload instead.
            var mayRead = true
            if let from {
                do {
                    _ = try registry.auth.authorize(AccessRequest(repository: from, actions: [.pull]),
                                                    headers: request.headers, host: Self.host(request))
                } catch {
                    mayRead = false
                }
            }
            if mayRead, try registry.mount(digest, into: name, from: from) {
                return blobCreated(name, digest)
            }
            // Not mountable: fall through to an ordinary upload session, as the spec says.
        }
        if let digestText = query.get("digest") {
            // Monolithic upload: the whole blob in this request's body.
            let digest = try parseDigest(digestText)
            let length = request.headers[.contentLength].flatMap(Int64.init)
            let started = Date()
            let ingest = try registry.store.beginIngest(expected: digest, expectedSize: length)
            try await stream(request.body, into: ingest, received)
            _ = try registry.commit(ingest, expected: digest, repository: name)
            registry.metrics.recordUpload(seconds: Date().timeIntervalSince(started))
            return blobCreated(name, digest)
        }
        let session = UploadSession(id: UUID().uuidString.lowercased(), repository: name,
                                    ingest: try registry.store.beginIngest())
        registry.uploads.add(session)
        return Response(status: .accepted, headers: uploadHeaders(name, session))
    }

    private func patch(_ name: String, _ session: UploadSession, _ request: Request, _ received: ByteCounter) async throws -> Response {
        let length = request.headers[.contentLength].flatMap(Int64.init)
        switch session.progress.check(contentRange: request.headers[.contentRange], contentLength: length) {
        case .rangeNotSatisfiable:
            throw RegistryError(.blobUploadInvalid, "chunk does not start at byte \(session.progress.offset)",
                                status: .rangeNotSatisfiable, headers: uploadHeaders(name, session))
        case .append(let expected):
            let before = session.ingest.count
            defer { session.progress.received(session.ingest.count - before) }
            try await stream(request.body, into: session.ingest, received)
            if let expected, session.ingest.count - before != expected {
                throw RegistryError(.blobUploadInvalid, "chunk carried \(session.ingest.count - before) bytes, not \(expected)")
            }
        }
        return Response(status: .accepted, headers: uploadHeaders(name, session))
    }

    private func finish(_ name: String, _ session: UploadSession, _ request: Request, _ received: ByteCounter) async throws -> Response {
        guard let digestText = request.uri.queryParameters.get("digest") else {
            throw RegistryError(.digestInvalid, "completing an upload needs ?digest=")
        }
        let digest = try parseDigest(digestText)
        let length = request.headers[.contentLength].flatMap(Int64.init)
        if (length ?? 0) > 0 || request.headers[.contentRange] != nil {
            _ = try await patch(name, session, request, received)
        }
        defer { registry.uploads.remove(session.id) }
        _ = try registry.commit(session.ingest, expected: digest, repository: name)
        registry.metrics.recordUpload(seconds: Date().timeIntervalSince(session.startedAt))
        return blobCreated(name, digest)
    }

    private func withSession(_ id: String, _ name: String, _ body: (UploadSession) async throws -> Response)
        async throws -> Response
    {
        switch registry.uploads.checkOut(id, repository: name) {
        case .unknown: throw RegistryError(.blobUploadUnknown, "no upload \(id) in \(name)")
        case .busy: throw RegistryError(.blobUploadInvalid, "upload \(id) is busy with another request")
        case .session(let session):
            defer { registry.uploads.checkIn(session) }
            return try await body(session)
        }
    }

    private func stream(_ body: RequestBody, into ingest: BlobIngest, _ received: ByteCounter) async throws {
        do {
            for try await buffer in body {
                received.count += Int64(buffer.readableBytes)
                try buffer.withUnsafeReadableBytes { try ingest.write($0) }
            }
        } catch let error as StoreError {
            if case .sizeMismatch = error { throw RegistryError(.sizeInvalid, error.description) }
            throw error
        }
    }

    private func uploadHeaders(_ name: String, _ session: UploadSession) -> HTTPFields {
        var headers = HTTPFields()
        headers[.location] = "/v2/\(name)/blobs/uploads/\(session.id)"
        headers[.range] = session.progress.rangeHeader
        headers[.dockerUploadUUID] = session.id
        headers[.contentLength] = "0"
        return headers
    }

    private func blobCreated(_ name: String, _ digest: Digest) -> Response {
        var headers = HTTPFields()
        headers[.location] = "/v2/\(name)/blobs/\(digest)"
        headers[.dockerContentDigest] = digest.description
        headers[.contentLength] = "0"
        return Response(status: .created, headers: headers)
    }

    // MARK: Helpers

    /// The host the client addressed, for absolute URLs in challenges.
    static func host(_ request: Request) -> String {
        request.head.authority ?? "localhost"
    }

    private func parseDigest(_ text: String) throws(RegistryError) -> Digest {
        do {
            return try Digest(parsing: text)
        } catch {
            throw RegistryError(.digestInvalid, error.description)
        }
    }

    private func unknownRepository(_ name: String) -> RegistryError {
        RegistryError(.nameUnknown, "repository \(name) is not known to this registry")
    }

    private func referenceText(_ reference: ManifestReference) -> String {
        switch reference {
        case .tag(let tag): tag
        case .digest(let digest): digest.description
        }
    }

    private func pagination(_ request: Request) throws(RegistryError) -> (limit: Int?, last: String?) {
        let query = request.uri.queryParameters
        var limit: Int?
        if let text = query.get("n") {
            guard let value = Int(text), value >= 0 else {
                throw RegistryError(.unsupported, "n must be a non-negative integer, not '\(text)'", status: .badRequest)
            }
            limit = value
        }
        return (limit, query.get("last"))
    }

    /// A listing page: `limit` items at most, with a `Link` to the next page when more remain.
    private func page(key: String, items: [String], limit: Int?, path: String, extra: [String: String]) throws -> Response {
        var items = items
        var headers = HTTPFields()
        if let limit, items.count > limit {
            items.removeLast(items.count - limit)
            if let last = items.last {
                let escaped = last.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? last
                headers[.link] = "<\(path)?n=\(limit)&last=\(escaped)>; rel=\"next\""
            }
        }
        var object: [String: JSONValue] = [key: .array(items.map { .string($0) })]
        for (name, value) in extra { object[name] = .string(value) }
        let bytes = try CanonicalJSON.encode(JSONValue.object(object))
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private func json(_ text: String, headers: HTTPFields, head: Bool) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        headers[.contentLength] = String(text.utf8.count)
        return Response(status: .ok, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A single HTTP byte range (`bytes=START-END`, `bytes=START-`, `bytes=-SUFFIX`) resolved against a size.
enum ByteRange {
    static func parse(_ header: String, size: Int64) -> ClosedRange<Int64>? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash], second = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let suffix = Int64(second), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int64(first), start < size else { return nil }
        if second.isEmpty { return start...(size - 1) }
        guard let end = Int64(second), end >= start else { return nil }
        return start...min(end, size - 1)
    }
}

/// Bytes received by one request, for metrics. Used by that request's task only.
final class ByteCounter: @unchecked Sendable {
    var count: Int64 = 0
}
