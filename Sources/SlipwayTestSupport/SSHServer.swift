import Foundation

/// OpenSSH's sshd (Debian's openssh-server) on a free loopback port, with its own host key and configuration, taking
/// keys from one authorized_keys file for the user running the tests. Killed when released.
public final class SSHServer: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let port: Int
    public let authorizedKeys: String
    public let user: String
    private let pid: pid_t

    public init() throws {
        try requireTool("ssh")
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw ServerProcess.ServerError(message: "/usr/sbin/sshd is missing; scripts/test installs openssh-server")
        }
        directory = TemporaryDirectory("slipway-sshd")
        authorizedKeys = directory("authorized_keys")
        user = String(cString: getpwuid(getuid())!.pointee.pw_name)
        port = try freePort()
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)  // privilege separation
        let keygen = try run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", directory("host_ed25519")])
        guard keygen.status == 0 else { throw ServerProcess.ServerError(message: "ssh-keygen: \(keygen.stderr)") }
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory("host_ed25519"))
            PidFile \(directory("sshd.pid"))
            AuthorizedKeysFile \(authorizedKeys)
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitUserEnvironment no
            PermitRootLogin forced-commands-only
            StrictModes no
            UsePAM no
            AllowTcpForwarding yes
            LogLevel VERBOSE

            """.write(toFile: directory("sshd_config"), atomically: true, encoding: .utf8)
        // sshd detaches (daemon(3)), so it is not this process's child; its pid is in its PidFile.
        let started = try run(["/usr/sbin/sshd", "-f", directory("sshd_config"), "-E", directory("sshd.log")])
        guard started.status == 0 else { throw ServerProcess.ServerError(message: "sshd did not start: \(started.stderr)") }
        let deadline = Date().addingTimeInterval(10)
        var pid: pid_t?
        while Date() < deadline, pid == nil {
            pid = (try? String(contentsOfFile: directory("sshd.pid"), encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if pid == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let pid else { throw ServerProcess.ServerError(message: "sshd wrote no pid file in \(directory.path)") }
        self.pid = pid
    }

    deinit { kill(pid, SIGKILL) }

    /// What sshd logged.
    public var log: String { (try? String(contentsOfFile: directory("sshd.log"), encoding: .utf8)) ?? "" }

    /// Makes a key pair; returns the private key's path (the public one is PATH.pub).
    public func makeKey(_ name: String) throws -> String {
        let path = directory("key-\(name)")
        let result = try run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "\(name)@test", "-f", path])
        guard result.status == 0 else { throw ServerProcess.ServerError(message: "ssh-keygen: \(result.stderr)") }
        return path
    }

    /// The ssh arguments that reach this server with `key`, before the command.
    public func sshArguments(key: String) -> [String] {
        ["ssh", "-p", String(port), "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "\(user)@127.0.0.1"]
    }

    /// Runs `ssh … COMMAND` (one string, as a client sends it) and returns what happened.
    public func ssh(key: String, _ command: String?, input: String? = nil) throws -> ProcessResult {
        try run(sshArguments(key: key) + (command.map { [$0] } ?? []), input: input)
    }
}
