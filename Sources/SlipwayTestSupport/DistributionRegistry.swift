import Foundation

/// Debian's `docker-registry` (CNCF distribution) on a free loopback port with filesystem storage, optionally
/// behind htpasswd Basic auth or TLS; stopped when released.
public final class DistributionRegistry: @unchecked Sendable {
    public let directory = TemporaryDirectory("slipway-distribution")
    public let address: String
    private let process: Process

    /// `tls`: a certificate and key (PEM) to serve HTTPS with.
    public init(htpasswd: String? = nil, tls: (certificate: String, key: String)? = nil) throws {
        try requireTool("docker-registry")
        let port = try freePort()
        address = "127.0.0.1:\(port)"
        var config = """
            version: 0.1
            log: {level: error}
            storage:
              filesystem: {rootdirectory: \(directory("storage"))}
              delete: {enabled: true}
            http:
              addr: \(address)

            """
        if let tls { config += "  tls: {certificate: \(tls.certificate), key: \(tls.key)}\n" }
        if let htpasswd { config += "auth:\n  htpasswd: {realm: test, path: \(htpasswd)}\n" }
        try directory.write("config.yml", config)
        process = Process()
        process.executableURL = URL(fileURLWithPath: which("docker-registry")!)
        process.arguments = ["serve", directory("config.yml")]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let scheme = tls == nil ? "http" : "https"
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let result = try? run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(scheme)://\(address)/v2/"]),
               ["200", "401"].contains(result.stdout) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.terminate()
        throw ServerProcess.ServerError(message: "docker-registry did not start on \(address)")
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A TCP port nobody listens on right now.
public func freePort() throws -> Int {
    let result = try run(["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
    guard let port = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw ServerProcess.ServerError(message: "no free port: \(result.stderr)")
    }
    return port
}
