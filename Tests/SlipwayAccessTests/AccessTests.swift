import Foundation
@testable import SlipwayAccess
import Testing

@Suite struct RestrictedCommandTests {
    @Test func deployCommandsWithPlainArguments() throws {
        let command = try RestrictedCommand(parsing: "tag-by-commit abc1234 staging", role: .deployer)
        #expect(command.name == "tag-by-commit" && command.arguments == ["abc1234", "staging"])
        #expect(try RestrictedCommand(parsing: "  list-images\t--json ", role: .viewer).arguments == ["--json"])
        #expect(try RestrictedCommand(parsing: "rollback --to sha256:abc", role: .deployer).arguments == ["--to", "sha256:abc"])
        #expect(try RestrictedCommand(parsing: "run-deploy-and-cleanup staging --override-policy risk-accepted:SEC-12",
                                      role: .deployer).arguments == ["staging", "--override-policy", "risk-accepted:SEC-12"])
        #expect(throws: AccessError.self) {
            try RestrictedCommand(parsing: "run-deploy-and-cleanup --override-policy ok", role: .viewer)
        }
    }

    @Test(arguments: [
        "tag-by-commit 'abc; rm -rf /' staging", "tag-by-commit abc;id", "list-images `id`", "list-images $(id)",
        "status\nid", "status | cat", "status && id", "status > /tmp/x", "status \"x\"", "list-images ${HOME}",
        "/bin/sh", "bash -c id", "sh", "scp -t /tmp", "rsync --server", "list-images --config /etc/other.yml", "",
    ])
    func anythingElseIsRefused(line: String) {
        #expect(throws: AccessError.self) { try RestrictedCommand(parsing: line, role: .deployer) }
    }

    @Test func viewersOnlyLook() throws {
        #expect(throws: AccessError.self) { try RestrictedCommand(parsing: "run-deploy-and-cleanup", role: .viewer) }
        #expect(throws: AccessError.self) { try RestrictedCommand(parsing: "tag-by-branch main", role: .viewer) }
        #expect(try RestrictedCommand(parsing: "history staging", role: .viewer).name == "history")
        #expect(try RestrictedCommand(parsing: "builds logs 3 -f", role: .viewer).arguments == ["logs", "3", "-f"])
        #expect(throws: AccessError.self) { try RestrictedCommand(parsing: "builds cancel 3", role: .viewer) }
        #expect(try RestrictedCommand(parsing: "builds cancel 3", role: .deployer).name == "builds")
        #expect(!RestrictedCommand.help(role: .viewer, environment: "staging").contains("rollback"))
    }
}

@Suite struct AuthorizedKeysTests {
    // ssh-keygen -t ed25519 -C alice@laptop (a key made for these tests; its private half is not kept anywhere).
    let alice = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMZQTHBITGA11DDETjGaOQIDW31wi9kq6pGxCrq5cuHq alice@laptop"

    @Test func keysParseAndHaveOpenSSHFingerprints() throws {
        let key = try PublicKey(parsing: alice + "\n", source: "alice.pub")
        #expect(key.type == "ssh-ed25519")
        #expect(key.fingerprint.hasPrefix("SHA256:") && key.fingerprint.count == 50)
        #expect(throws: AccessError.self) { try PublicKey(parsing: "-----BEGIN OPENSSH PRIVATE KEY-----", source: "id") }
        #expect(throws: AccessError.self) { try PublicKey(parsing: "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIHsd", source: "x.pub") }
    }

    @Test func addListRevokeKeepOtherLines() throws {
        let directory = NSTemporaryDirectory() + "slipway-keys-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = AuthorizedKeys(path: directory + "/authorized_keys")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther someone-else\n".write(toFile: file.path, atomically: true, encoding: .utf8)
        let key = try PublicKey(parsing: alice, source: "alice.pub")
        let added = try file.add(key, name: "alice", environment: "staging", role: .deployer, slipway: "/usr/bin/slipway",
                                 home: "/var/lib/slipway", config: "/etc/slipway/slipway.yml")
        #expect(try file.keys() == [added])
        let line = try #require(try file.lines().last)
        #expect(line.hasPrefix(#"restrict,command="/usr/bin/slipway shell --env staging --as alice --role deployer --key SHA256:"#))
        #expect(line.hasSuffix(" --home /var/lib/slipway --config /etc/slipway/slipway.yml\" \(key.type) \(key.base64) slipway:alice"))
        #expect(throws: AccessError.self) {  // the same key again, under another name
            try file.add(key, name: "bob", environment: "production", role: .viewer, slipway: "/s", home: "/h", config: "/c")
        }
        #expect(throws: AccessError.self) {  // a name that would need quoting
            try file.add(key, name: "al ice", environment: "staging", role: .viewer, slipway: "/s", home: "/h", config: "/c")
        }
        #expect(throws: AccessError.self) {  // a path a shell would read
            try file.add(key, name: "carol", environment: "staging", role: .viewer, slipway: "/s;id", home: "/h", config: "/c")
        }
        #expect(try file.revoke("alice"))
        #expect(try !file.revoke("alice"))
        #expect(try file.lines() == ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOther someone-else"])
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
