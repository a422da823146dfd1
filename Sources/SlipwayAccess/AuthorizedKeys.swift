import Foundation

/// What a key may do: deploy (every command) or only look (`list-images`, `status`, `history`, `builds`, `scan`).
public enum Role: String, Sendable, CaseIterable, Codable {
    case deployer, viewer
}

/// A key Slipway installed: who, for which environment, in which role.
public struct AccessKey: Sendable, Equatable, Codable {
    public var name: String
    public var environment: String
    public var role: Role
    public var type: String
    public var fingerprint: String
}

/// The deploy user's `authorized_keys`, of which Slipway manages the lines it wrote (marked by their forced
/// command) and leaves every other line as it is. Each of its lines is
///
///     restrict,command="SLIPWAY shell --env ENV --as NAME --role ROLE --key FINGERPRINT --home HOME --config CONFIG" TYPE BASE64 slipway:NAME
///
/// `restrict` turns off port, agent and X11 forwarding and terminals; the forced command runs whatever the client
/// asked for through `slipway shell`, which allows only the deploy commands of that environment.
public struct AuthorizedKeys {
    public let path: String

    public init(path: String) { self.path = path }

    /// Names of people and environments: letters, digits and `._@-`, so that nothing in a line needs quoting.
    public static func checkName(_ name: String, what: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy(allowed.contains), !name.hasPrefix("-") else {
            throw AccessError("\(what) '\(name)' may hold only letters, digits and . _ @ - (at most 64, not starting with -)")
        }
    }

    /// Paths that go into the forced command, which sshd runs through the user's shell: no spaces, quotes or
    /// other characters a shell would read.
    public static func checkPath(_ path: String, what: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@+-/")
        guard path.hasPrefix("/"), path.allSatisfy(allowed.contains) else {
            throw AccessError("\(what) \(path) must be an absolute path of letters, digits and . _ @ + - / only, as it goes into the key's forced command")
        }
    }

    /// The line for a key.
    public static func line(for key: PublicKey, name: String, environment: String, role: Role, slipway: String, home: String,
                            config: String) -> String {
        let command = "\(slipway) shell --env \(environment) --as \(name) --role \(role.rawValue) --key \(key.fingerprint) --home \(home) --config \(config)"
        return "restrict,command=\"\(command)\" \(key.type) \(key.base64) slipway:\(name)"
    }

    /// Reads a line back, or nil when Slipway did not write it.
    public static func parse(_ line: String) -> AccessKey? {
        guard line.hasPrefix("restrict,command=\""), let end = line.dropFirst(18).firstIndex(of: "\"") else { return nil }
        let command = line[line.index(line.startIndex, offsetBy: 18)..<end].split(separator: " ").map(String.init)
        guard command.count >= 2, command[1] == "shell" else { return nil }
        var options: [String: String] = [:]
        var index = 2
        while index + 1 < command.count {
            options[command[index]] = command[index + 1]
            index += 2
        }
        let rest = line[line.index(after: end)...].split(separator: " ").map(String.init)
        guard let environment = options["--env"], let name = options["--as"], let role = options["--role"].flatMap(Role.init),
              let fingerprint = options["--key"], rest.count >= 2 else { return nil }
        return AccessKey(name: name, environment: environment, role: role, type: rest[0], fingerprint: fingerprint)
    }

    public func lines() throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { throw AccessError("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .reversed().drop { $0.isEmpty }.reversed()
    }

    /// The keys Slipway installed, in file order.
    public func keys() throws -> [AccessKey] { try lines().compactMap(Self.parse) }

    /// Adds a key; refuses a name or a key that is there already.
    public func add(_ key: PublicKey, name: String, environment: String, role: Role, slipway: String, home: String,
                    config: String) throws -> AccessKey {
        try Self.checkName(name, what: "name")
        try Self.checkName(environment, what: "environment")
        try Self.checkPath(slipway, what: "slipway's path")
        try Self.checkPath(home, what: "SLIPWAY_HOME")
        try Self.checkPath(config, what: "the configuration file")
        var lines = try lines()
        if let existing = try keys().first(where: { $0.name == name }) {
            throw AccessError("a key named \(name) is installed already (for \(existing.environment)); revoke it first or choose another name")
        }
        if lines.contains(where: { $0.contains(" \(key.type) \(key.base64)") || $0.hasPrefix("\(key.type) \(key.base64)") }) {
            throw AccessError("this key (\(key.fingerprint)) is in \(path) already; one key, one environment")
        }
        lines.append(Self.line(for: key, name: name, environment: environment, role: role, slipway: slipway, home: home, config: config))
        try write(lines)
        return AccessKey(name: name, environment: environment, role: role, type: key.type, fingerprint: key.fingerprint)
    }

    /// Removes the key named `name`; false when there was none.
    public func revoke(_ name: String) throws -> Bool {
        let lines = try lines()
        let kept = lines.filter { Self.parse($0)?.name != name }
        guard kept.count < lines.count else { return false }
        try write(kept)
        return true
    }

    /// Replaces the file at once (a temporary file renamed over it), owner-only, as sshd's StrictModes wants.
    private func write(_ lines: [String]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".slipway-\(getpid())"
        let text = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw AccessError("cannot write \(temporary)")
        }
        if let owner = try? FileManager.default.attributesOfItem(atPath: path)[.ownerAccountID] as? NSNumber,
           let group = try? FileManager.default.attributesOfItem(atPath: path)[.groupOwnerAccountID] as? NSNumber {
            _ = chown(temporary, uid_t(owner.uint32Value), gid_t(group.uint32Value))
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw AccessError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }
}
