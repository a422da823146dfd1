import Foundation

/// A user name and secret for one registry. `description` never shows the secret.
public struct Credential: Equatable, Sendable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "\(username):***" }
}

/// Where credentials come from, first match wins: `SLIPWAY_REGISTRY_USERNAME`/`SLIPWAY_REGISTRY_PASSWORD` for CI
/// (optionally limited to `SLIPWAY_REGISTRY_HOST`), Slipway's own `$SLIPWAY_HOME/auth.json` (written by
/// `slipway login`), then Docker's `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`).
/// Both files use Docker's format: `{"auths": {"host:port": {"auth": base64("user:password")}}}`.
public struct CredentialStore: Sendable {
    public var files: [String]
    public var environment: [String: String]

    public init(files: [String], environment: [String: String] = [:]) {
        self.files = files
        self.environment = environment
    }

    /// The usual places for a process: the environment, Slipway's home, Docker's config.
    public static func standard(slipwayHome: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> CredentialStore
    {
        let docker = environment["DOCKER_CONFIG"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.docker")
        return CredentialStore(files: [slipwayHome + "/auth.json", docker + "/config.json"], environment: environment)
    }

    public func credential(for registry: String) -> Credential? {
        if let username = environment["SLIPWAY_REGISTRY_USERNAME"], let password = environment["SLIPWAY_REGISTRY_PASSWORD"],
           environment["SLIPWAY_REGISTRY_HOST"].map({ $0 == registry }) ?? true {
            return Credential(username: username, password: password)
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file),
                  let config = try? JSONDecoder().decode(DockerConfig.self, from: data) else { continue }
            for key in Self.keys(for: registry) {
                if let entry = config.auths?[key], let credential = entry.credential { return credential }
            }
        }
        return nil
    }

    /// Docker Hub is stored under its historical URL.
    static func keys(for registry: String) -> [String] {
        if registry == "docker.io" || registry == "registry-1.docker.io" || registry == "index.docker.io" {
            return ["https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io"]
        }
        return [registry, "https://\(registry)", "http://\(registry)"]
    }

    /// Saves a credential into `file` (created owner-only), keeping the file's other entries.
    public static func save(_ credential: Credential, for registry: String, in file: String) throws {
        var object = (FileManager.default.contents(atPath: file)).flatMap {
            try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
        } ?? [:]
        var auths = object["auths"] as? [String: Any] ?? [:]
        auths[registry] = ["auth": Data("\(credential.username):\(credential.password)".utf8).base64EncodedString()]
        object["auths"] = auths
        try write(object, to: file)
    }

    /// Removes a registry's entry from `file`; false when there was none.
    public static func remove(registry: String, from file: String) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: file),
              var object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              var auths = object["auths"] as? [String: Any], auths.removeValue(forKey: registry) != nil
        else { return false }
        object["auths"] = auths
        try write(object, to: file)
        return true
    }

    private static func write(_ object: [String: Any], to file: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        let directory = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = file + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ClientError.io(path: temporary, reason: "cannot write")
        }
        guard rename(temporary, file) == 0 else { throw ClientError.io(path: file, reason: "cannot replace it") }
    }

    struct DockerConfig: Decodable {
        struct Entry: Decodable {
            var auth: String?
            var username: String?
            var password: String?

            var credential: Credential? {
                if let username, let password { return Credential(username: username, password: password) }
                guard let auth, let data = Data(base64Encoded: auth), let text = String(data: data, encoding: .utf8),
                      let colon = text.firstIndex(of: ":") else { return nil }
                return Credential(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
            }
        }
        var auths: [String: Entry]?
    }
}
