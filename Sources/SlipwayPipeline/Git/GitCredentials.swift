import Foundation
import SlipwayConfig

/// How git authenticates to a source: an HTTPS access token handed over by GIT_ASKPASS from its file, an SSH deploy
/// key named in GIT_SSH_COMMAND, or nothing. The secret stays in its file; git's messages are scrubbed of it.
public struct GitCredentials: Sendable {
    public enum Kind: Sendable, Equatable {
        case none
        case token(file: String, user: String)
        case deployKey(file: String)
    }

    public let kind: Kind
    /// Where helper files live: the askpass program and SSH's known_hosts (`$SLIPWAY_HOME/git`).
    public let directory: String

    public init(kind: Kind, directory: String) {
        self.kind = kind
        self.directory = directory
    }

    public init(source: SlipwayConfig.Source, directory: String) {
        if let file = source.tokenFile {
            self.init(kind: .token(file: file, user: RepositoryURL.tokenUser(for: source.git)), directory: directory)
        } else if let file = source.deployKeyFile {
            self.init(kind: .deployKey(file: file), directory: directory)
        } else {
            self.init(kind: .none, directory: directory)
        }
    }

    /// The `Git` that uses these credentials.
    public func git() throws -> Git {
        var environment: [String: String] = [
            // No stored credential helper answers for us: only what the source's configuration gives.
            "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "credential.helper", "GIT_CONFIG_VALUE_0": "",
        ]
        var secret: String?
        switch kind {
        case .none:
            break
        case .token(let file, let user):
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw PipelineError("cannot read the access token file \(file) (token_file)")
            }
            secret = token.trimmingCharacters(in: .whitespacesAndNewlines)
            guard secret?.isEmpty == false else { throw PipelineError("the access token file \(file) is empty (token_file)") }
            environment["GIT_ASKPASS"] = try askpassProgram()
            environment["SLIPWAY_GIT_TOKEN_FILE"] = file
            environment["SLIPWAY_GIT_USERNAME"] = user
        case .deployKey(let file):
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw PipelineError("cannot read the deploy key \(file) (deploy_key_file)")
            }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            environment["GIT_SSH_COMMAND"] = "ssh -i \(Self.quoted(file)) -o IdentitiesOnly=yes -o BatchMode=yes "
                + "-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=\(Self.quoted(directory + "/known_hosts"))"
        }
        return Git(environment: environment) { [secret] text in
            var text = RepositoryURL.redactAll(in: text)
            if let secret, !secret.isEmpty { text = text.replacingOccurrences(of: secret, with: "***") }
            return text
        }
    }

    /// A program git asks for the user name and the password: it prints the name, or the token file's contents.
    /// It holds no secret itself.
    func askpassProgram() throws -> String {
        let path = directory + "/askpass"
        let script = """
            #!/bin/sh
            # Written by Slipway: answers git's credential prompts from the source's token_file.
            case "$1" in
            Username*) printf '%s\\n' "$SLIPWAY_GIT_USERNAME" ;;
            *) head -n 1 "$SLIPWAY_GIT_TOKEN_FILE" ;;
            esac

            """
        if (try? String(contentsOfFile: path, encoding: .utf8)) != script {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let temporary = path + ".\(getpid())-\(UUID().uuidString.prefix(8))"  // workers of one process may race here
            try script.write(toFile: temporary, atomically: false, encoding: .utf8)
            chmod(temporary, 0o700)
            guard rename(temporary, path) == 0 else { throw PipelineError("cannot write \(path): \(String(cString: strerror(errno)))") }
        }
        return path
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
