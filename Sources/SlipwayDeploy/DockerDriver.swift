import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import SlipwayStore

/// Runs servers through the Docker Engine API (v1.41, Docker 20.10 and later) over its unix socket
/// (`/var/run/docker.sock`, or `DOCKER_HOST=unix://…` / `tcp://…`). Servers publish their port on a free
/// loopback port, restart unless stopped, and carry labels that say which app, environment and colour they are.
public final class DockerDriver: RuntimeDriver {
    private let base: String
    private let http: HTTPClient
    public let endpoint: String

    /// `host`: a `DOCKER_HOST` value; nil means `$DOCKER_HOST`, else `unix:///var/run/docker.sock`.
    public init(host: String? = nil) throws {
        let value = host ?? ProcessInfo.processInfo.environment["DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "unix:///var/run/docker.sock"
        endpoint = value
        if value.hasPrefix("unix://") {
            let path = String(value.dropFirst("unix://".count))
            base = "http+unix://" + path.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! + "/v1.41"
        } else if value.hasPrefix("tcp://") {
            base = "http://" + value.dropFirst("tcp://".count) + "/v1.41"
        } else {
            throw RuntimeError("DOCKER_HOST '\(value)' is neither unix:///PATH nor tcp://HOST:PORT")
        }
        var configuration = HTTPClient.Configuration()
        // The engine is local: an answer takes milliseconds, and a missing socket should not take the default 10 s.
        configuration.timeout.connect = .seconds(2)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? http.syncShutdown() }

    /// Whether the engine answers `/_ping`.
    public func ping() async -> Bool {
        (try? await request(.GET, "/_ping", what: "ping").status == .ok) ?? false
    }

    public func pull(_ image: String, progress: @escaping @Sendable (String) -> Void) async throws {
        let query = "fromImage=" + Self.encode(image)
        let response = try await send(.POST, "/images/create?\(query)", what: "pull of \(image)")
        // The answer is a stream of JSON objects; a failure arrives as one with "error", under status 200.
        var pending = ""
        var lastStatus = ""
        for try await buffer in response.body {
            pending += String(buffer: buffer)
            while let newline = pending.firstIndex(of: "\n") {
                let line = String(pending[..<newline])
                pending = String(pending[pending.index(after: newline)...])
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                if let error = object["error"] as? String { throw RuntimeError("docker could not pull \(image): \(error)") }
                if let status = object["status"] as? String, object["id"] == nil, status != lastStatus {
                    lastStatus = status
                    progress(status)
                }
            }
        }
    }

    public func start(_ spec: ServerSpec) async throws -> DeployedServer {
        let id = try await create(spec)
        _ = try await send(.POST, "/containers/\(id)/start", what: "start of \(spec.name)")
        guard let status = try await inspect(id) else { throw RuntimeError("container \(spec.name) vanished as it started") }
        guard let address = status.address else {
            let log = (try? await logs(id, tail: 10)) ?? ""
            throw RuntimeError("\(spec.name): the container exited with status \(status.exitCode.map(String.init) ?? "?") as it started"
                               + (log.isEmpty ? "" : "; log (last lines):\n" + log.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")))
        }
        return DeployedServer(name: spec.name, id: id, host: address.host, port: address.port)
    }

    private func create(_ spec: ServerSpec) async throws -> String {
        var body: [String: Any] = [
            "Image": spec.image,
            "Labels": spec.labels,
            "Env": spec.env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
        ]
        // Init: docker's tini as PID 1, so the application gets SIGTERM on stop and orphans are reaped.
        var hostConfig: [String: Any] = ["Binds": spec.volumes, "Init": true]
        if let port = spec.port {
            body["ExposedPorts"] = ["\(port)/tcp": [String: Any]()]
            hostConfig["PortBindings"] = ["\(port)/tcp": [["HostIp": "127.0.0.1", "HostPort": ""]]]
            hostConfig["RestartPolicy"] = ["Name": "unless-stopped"]
        }
        if let command = spec.command { body["Cmd"] = command }
        if let entrypoint = spec.entrypoint { body["Entrypoint"] = entrypoint }
        if let memory = spec.memoryBytes { hostConfig["Memory"] = memory }
        if let cpus = spec.cpus { hostConfig["NanoCpus"] = Int64(cpus * 1_000_000_000) }
        body["HostConfig"] = hostConfig
        let response = try await send(.POST, "/containers/create?name=\(Self.encode(spec.name))",
                                      body: try JSONSerialization.data(withJSONObject: body), what: "create of \(spec.name)")
        let created = try await Self.json(response)
        guard let id = created["Id"] as? String else { throw RuntimeError("docker created \(spec.name) but gave no id") }
        return id
    }

    public func inspect(_ id: String) async throws -> ServerStatus? {
        let response = try await request(.GET, "/containers/\(Self.encode(id))/json", what: "inspect of \(id)")
        if response.status == .notFound { return nil }
        guard response.status == .ok else { throw await Self.failure(response, what: "inspect of \(id)") }
        return Self.status(from: try await Self.json(response))
    }

    static func status(from object: [String: Any]) -> ServerStatus {
        let state = object["State"] as? [String: Any] ?? [:]
        let config = object["Config"] as? [String: Any] ?? [:]
        let ports = (object["NetworkSettings"] as? [String: Any])?["Ports"] as? [String: Any] ?? [:]
        var address: (String, Int)?
        for (_, bindings) in ports {
            if let first = (bindings as? [[String: Any]])?.first, let port = (first["HostPort"] as? String).flatMap(Int.init) {
                let host = (first["HostIp"] as? String).flatMap { $0.isEmpty || $0 == "0.0.0.0" ? nil : $0 } ?? "127.0.0.1"
                address = (host, port)
            }
        }
        return ServerStatus(id: object["Id"] as? String ?? "", name: String((object["Name"] as? String ?? "").drop { $0 == "/" }),
                            running: (state["Running"] as? Bool ?? false) && !(state["Restarting"] as? Bool ?? false),
                            exitCode: state["ExitCode"] as? Int, restarts: object["RestartCount"] as? Int ?? 0,
                            labels: config["Labels"] as? [String: String] ?? [:], address: address)
    }

    public func list(labels: [String: String]) async throws -> [ServerStatus] {
        let filters = ["label": labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }]
        let filter = String(decoding: try JSONSerialization.data(withJSONObject: filters), as: UTF8.self)
        let response = try await send(.GET, "/containers/json?all=1&filters=\(Self.encode(filter))", what: "container list")
        let body = try await response.body.collect(upTo: 64 << 20)
        guard let items = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [[String: Any]] else { return [] }
        var statuses: [ServerStatus] = []
        for item in items {
            guard let id = item["Id"] as? String, let status = try await inspect(id) else { continue }
            statuses.append(status)
        }
        return statuses.sorted { $0.name < $1.name }
    }

    public func stop(_ id: String, timeout: Int) async throws {
        let response = try await request(.POST, "/containers/\(Self.encode(id))/stop?t=\(timeout)", what: "stop of \(id)",
                                          timeout: .seconds(Int64(timeout) + 30))
        // 304: already stopped; 404: already gone.
        guard [.noContent, .notModified, .notFound].contains(response.status) else {
            throw await Self.failure(response, what: "stop of \(id)")
        }
    }

    public func remove(_ id: String) async throws {
        let response = try await request(.DELETE, "/containers/\(Self.encode(id))?force=1", what: "removal of \(id)")
        guard [.noContent, .notFound].contains(response.status) else { throw await Self.failure(response, what: "removal of \(id)") }
    }

    public func logs(_ id: String, tail: Int) async throws -> String {
        let response = try await send(.GET, "/containers/\(Self.encode(id))/logs?stdout=1&stderr=1&tail=\(tail)", what: "logs of \(id)")
        let body = try await response.body.collect(upTo: 16 << 20)
        return Self.demultiplex(Array(body.readableBytesView))
    }

    /// Docker's log stream for a container without a terminal: frames of an 8-byte header (stream, 0, 0, 0, size
    /// as 32-bit big-endian) and that many bytes.
    static func demultiplex(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var offset = 0
        while offset + 8 <= bytes.count, [0, 1, 2].contains(bytes[offset]) {
            let size = Int(bytes[offset + 4]) << 24 | Int(bytes[offset + 5]) << 16 | Int(bytes[offset + 6]) << 8 | Int(bytes[offset + 7])
            let end = min(bytes.count, offset + 8 + size)
            output += bytes[(offset + 8)..<end]
            offset = end
        }
        if offset < bytes.count { output += bytes[offset...] }  // not framed (a terminal): as is
        return String(decoding: output, as: UTF8.self)
    }

    public func runToCompletion(_ spec: ServerSpec, timeout: Duration) async throws -> (status: Int, output: String) {
        let id = try await create(spec)
        do {
            _ = try await send(.POST, "/containers/\(id)/start", what: "start of \(spec.name)")
            let seconds = Int64(timeout.components.seconds)
            let response = try await request(.POST, "/containers/\(id)/wait", what: "wait for \(spec.name)",
                                              timeout: .seconds(max(1, seconds)))
            guard response.status == .ok else { throw await Self.failure(response, what: "wait for \(spec.name)") }
            let status = try await Self.json(response)["StatusCode"] as? Int ?? -1
            let output = try await logs(id, tail: 40)
            try await remove(id)
            return (status, output)
        } catch {
            try? await remove(id)
            throw error
        }
    }

    public func exposedPorts(of image: String) async throws -> [Int] {
        let response = try await request(.GET, "/images/\(Self.encode(image))/json", what: "inspect of \(image)")
        guard response.status == .ok else { return [] }
        let config = try await Self.json(response)["Config"] as? [String: Any] ?? [:]
        let exposed = config["ExposedPorts"] as? [String: Any] ?? [:]
        return exposed.keys.compactMap { Int($0.split(separator: "/").first ?? "") }.sorted()
    }

    // MARK: Requests

    private func request(_ method: HTTPMethod, _ path: String, body: Data? = nil, what: String,
                         timeout: TimeAmount = .seconds(600)) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Host", value: "docker")  // dockerd (Go) refuses requests without one
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        do {
            return try await http.execute(request, timeout: timeout)
        } catch {
            throw RuntimeError("cannot reach the Docker engine at \(endpoint) (\(what)): \(error); is dockerd running?")
        }
    }

    /// A request that must succeed (2xx).
    private func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, what: String) async throws -> HTTPClientResponse {
        let response = try await request(method, path, body: body, what: what)
        guard (200..<300).contains(response.status.code) else { throw await Self.failure(response, what: what) }
        return response
    }

    private static func failure(_ response: HTTPClientResponse, what: String) async -> RuntimeError {
        let body = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
        let message = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["message"] as? String ?? body
        return RuntimeError("docker refused the \(what) (HTTP \(response.status.code)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    private static func json(_ response: HTTPClientResponse) async throws -> [String: Any] {
        let body = try await response.body.collect(upTo: 16 << 20)
        return (try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed)!
    }
}
