import Foundation
import SlipwayStore

/// What to run: one server of a cluster, or a one-off container (the release command).
public struct ServerSpec: Sendable, Equatable {
    /// The container's name, e.g. `example-staging-b-1`.
    public var name: String
    /// The image by digest, as the runtime pulls it: `127.0.0.1:5000/example@sha256:…`.
    public var image: String
    public var labels: [String: String] = [:]
    public var env: [String: String] = [:]
    /// The port the application listens on inside its container; published on a loopback port of the host.
    public var port: Int?
    /// `HOST:CONTAINER[:ro]` bind mounts, shared by both colours.
    public var volumes: [String] = []
    /// Replaces the image's command (for the release command); the image's entrypoint, if any, runs it.
    public var command: [String]?
    /// Replaces the image's entrypoint.
    public var entrypoint: [String]?
    public var memoryBytes: Int64?
    public var cpus: Double?

    public init(name: String, image: String) {
        self.name = name
        self.image = image
    }
}

/// A container as the runtime reports it.
public struct ServerStatus: Sendable, Equatable {
    public var id: String
    public var name: String
    public var running: Bool
    public var exitCode: Int?
    /// How often the runtime restarted it: a server that crashed and came back has crashed all the same.
    public var restarts = 0
    public var labels: [String: String]
    /// Where its published port is reached, when it has one.
    public var address: (host: String, port: Int)?

    public static func == (lhs: ServerStatus, rhs: ServerStatus) -> Bool {
        lhs.id == rhs.id && lhs.name == rhs.name && lhs.running == rhs.running && lhs.exitCode == rhs.exitCode && lhs.restarts == rhs.restarts
            && lhs.labels == rhs.labels && lhs.address?.host == rhs.address?.host && lhs.address?.port == rhs.address?.port
    }
}

/// The seam between the deploy state machine and what runs containers: Docker's Engine API today; runc, remote
/// Docker hosts or Kubernetes later. Nothing above it knows which.
public protocol RuntimeDriver: Sendable {
    /// Makes the image available to the runtime (a pull from the registry).
    func pull(_ image: String, progress: @escaping @Sendable (String) -> Void) async throws
    /// Creates and starts a server; returns where the proxy reaches it.
    func start(_ spec: ServerSpec) async throws -> DeployedServer
    /// The container, or nil when it is gone.
    func inspect(_ id: String) async throws -> ServerStatus?
    /// Containers (running or not) carrying all of these labels.
    func list(labels: [String: String]) async throws -> [ServerStatus]
    /// Asks a container to stop (SIGTERM), killing it after `timeout` seconds.
    func stop(_ id: String, timeout: Int) async throws
    /// Removes a container (killing it if it still runs); a container already gone is not an error.
    func remove(_ id: String) async throws
    /// The last lines a container wrote (stdout and stderr).
    func logs(_ id: String, tail: Int) async throws -> String
    /// Runs a one-off container to completion and removes it; returns its exit status and output's tail.
    func runToCompletion(_ spec: ServerSpec, timeout: Duration) async throws -> (status: Int, output: String)
    /// The ports an image declares (`EXPOSE`), for hints when the configured port is not the one it listens on.
    func exposedPorts(of image: String) async throws -> [Int]
}

public struct RuntimeError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
