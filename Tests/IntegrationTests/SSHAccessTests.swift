import Foundation
import SlipwayTestSupport
import Testing

/// Deploy access through OpenSSH's real sshd: each key confined to the deploy commands of one environment, no
/// shell, no forwarding, no injection, revocable, and every attempt audited.
@Suite(.serialized) struct SSHAccessTests {
    let work = TemporaryDirectory("slipway-ssh")
    let commit = "5ee5aaa" + String(repeating: "a", count: 33)

    @Test func keysAreConfinedToTheirEnvironment() throws {
        try #require(dockerIsRunning(), "dockerd is not running; scripts/test starts it")
        let sshd = try SSHServer()
        let app = "ssh" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(6))
        defer { for name in (try? run(["docker", "ps", "-aq", "--filter", "label=slipway.app=\(app)"]).stdout.split(separator: "\n")) ?? [] {
            _ = try? run(["docker", "rm", "-f", String(name)]) } }
        try work.write("slipway.yml", """
            app: \(app)
            environments:
              staging: {listen: "127.0.0.1:\(try freePort())", replicas: 1, health: {path: /healthz, interval: 100ms}, cleanup_delay: 1s}
              production: {listen: "127.0.0.1:\(try freePort())", replicas: 1, health: {path: /healthz, interval: 100ms}, cleanup_delay: 1s}
            access:
              authorized_keys: \(sshd.authorizedKeys)
            """)
        let server = try ServerProcess(arguments: ["--config", work("slipway.yml")])
        let layout = try ExampleApp.build(version: "1", commit: commit, branch: "main", in: work)
        #expect(try run([slipwayExecutable, "image", "copy", layout, "docker://\(server.address)/\(app):\(commit)"],
                        environment: ["SLIPWAY_HOME": work("client")]).status == 0)

        func slipway(_ arguments: [String]) throws -> ProcessResult {
            try run([slipwayExecutable] + arguments + ["--config", work("slipway.yml")], environment: ["SLIPWAY_HOME": server.home("home")])
        }
        let alice = try sshd.makeKey("alice"), bob = try sshd.makeKey("bob"), victor = try sshd.makeKey("victor")
        var result = try slipway(["access", "add-key", "staging", alice + ".pub", "--name", "alice"])
        #expect(result.status == 0 && result.stdout.contains("as deployer of staging"), "\(result.stderr)")
        #expect(try slipway(["access", "add-key", "production", bob + ".pub"]).status == 0)  // named by its comment, bob@test
        #expect(try slipway(["access", "add-key", "staging", victor + ".pub", "--name", "victor", "--role", "viewer"]).status == 0)
        result = try slipway(["access", "add-key", "production", alice + ".pub", "--name", "alice2"])
        #expect(result.status == 1 && result.stderr.contains("one key, one environment"), "\(result.stderr)")
        result = try slipway(["access", "list", "--json"])
        #expect(result.stdout.contains("\"bob@test\"") && result.stdout.contains("\"viewer\""), "\(result.stdout)")

        // The deploy commands, through ssh, for the key's environment.
        result = try sshd.ssh(key: alice, "list-images")
        #expect(result.status == 0 && result.stdout.contains("5ee5aaa"), "\(result.stdout)\(result.stderr)")
        result = try sshd.ssh(key: alice, "tag-by-commit 5ee5aaa")
        #expect(result.status == 0 && result.stdout.contains("Assigning tag staging"), "\(result.stdout)\(result.stderr)")
        result = try sshd.ssh(key: alice, "run-deploy-and-cleanup")
        #expect(result.status == 0 && result.stdout.contains("is live"), "\(result.stdout)\(result.stderr)")
        result = try sshd.ssh(key: alice, "rollback --to 5ee5aaa")  // the live image: nothing to do, and it says so
        #expect(result.status == 0 && result.stderr.contains("already live"), "\(result.stdout)\(result.stderr)")
        result = try sshd.ssh(key: alice, "history --json")
        #expect(result.status == 0 && result.stdout.contains("\"alice (SHA256:"), "\(result.stdout)\(result.stderr)")
        result = try sshd.ssh(key: alice, "status")
        #expect(result.status == 0 && result.stdout.contains("\(app)-staging-a is live"), "\(result.stdout)\(result.stderr)")
        result = try sshd.ssh(key: bob, "tag-by-commit 5ee5aaa")
        #expect(result.status == 0 && result.stdout.contains("Assigning tag production"), "\(result.stdout)\(result.stderr)")

        // Another environment, a shell, injection: refused, before anything runs.
        result = try sshd.ssh(key: alice, "tag-by-commit 5ee5aaa production")
        #expect(result.status != 0 && result.stderr.contains("may deploy to staging only"), "\(result.stderr)")
        for attempt in ["/bin/sh", "bash -c id", "sh -c 'cat /etc/shadow'", "tag-by-commit 'abc; rm -rf /' staging",
                        "list-images `id`", "list-images $(id)", "status\nid", "list-images --config /etc/passwd"] {
            result = try sshd.ssh(key: alice, attempt)
            #expect(result.status != 0 && result.stderr.contains("refused"), "\(attempt): \(result.stdout)\(result.stderr)")
            #expect(!result.stdout.contains("uid="), "\(attempt) ran: \(result.stdout)")
        }
        // A viewer looks but does not touch.
        #expect(try sshd.ssh(key: victor, "status").status == 0)
        result = try sshd.ssh(key: victor, "run-deploy-and-cleanup")
        #expect(result.status != 0 && result.stderr.contains("a viewer key may not run run-deploy-and-cleanup"), "\(result.stderr)")
        result = try sshd.ssh(key: victor, "builds --json")
        #expect(result.status == 0 && result.stdout.hasPrefix("["), "\(result.stdout)\(result.stderr)")
        result = try sshd.ssh(key: victor, "builds cancel 1")
        #expect(result.status != 0 && result.stderr.contains("a viewer key may not cancel builds"), "\(result.stderr)")

        // No session: the restricted prompt, with the same rules.
        result = try sshd.ssh(key: alice, nil, input: "help\nlist-images\nid\nexit\n")
        #expect(result.stdout.contains("staging> ") && result.stdout.contains("Commands for staging (deployer)")
                && result.stdout.contains("5ee5aaa") && result.stderr.contains("refused: 'id'"), "\(result.stdout)\(result.stderr)")

        // No port forwarding: a tunnel to the registry through the key carries nothing.
        // (ssh -f goes to the background itself once logged in: ssh closes every inherited descriptor, which
        // Foundation's Process takes for an exit, so a long-lived ssh must not be a direct child of the tests.)
        let local = try freePort()
        let forward = "127.0.0.1:\(local):\(server.address)"
        let tunnel = try run(Array(sshd.sshArguments(key: alice).dropLast()) + ["-f", "-N", "-L", forward, "\(sshd.user)@127.0.0.1"])
        // SIGKILL: a child of the tests may have SIGTERM blocked; `--`: the pattern starts with a dash.
        defer { _ = try? run(["pkill", "-9", "-f", "--", "-L \(forward)"]) }
        #expect(tunnel.status == 0, "\(tunnel.stderr)")
        let through = try run(["curl", "-s", "--max-time", "3", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(local)/v2/"])
        #expect(through.stdout == "000", "the tunnel reached the registry: HTTP \(through.stdout)")
        #expect(sshd.log.contains("refused local port forward"), "\(sshd.log)")

        // A revoked key is refused by sshd itself.
        #expect(try slipway(["access", "revoke", "alice"]).status == 0)
        result = try sshd.ssh(key: alice, "list-images")
        #expect(result.status == 255 && result.stderr.contains("Permission denied"), "\(result.stderr)")

        // Every attempt is on record: who, from where, what, how it ended.
        result = try slipway(["audit", "staging", "--json"])
        struct Entry: Decodable { var actor: String; var source: String?; var command: String; var outcome: String }
        let entries = try JSONDecoder().decode([Entry].self, from: Data(result.stdout.utf8))
        #expect(entries.contains { $0.actor == "alice" && $0.command == "run-deploy-and-cleanup" && $0.outcome == "ok" })
        #expect(entries.contains { $0.command == "tag-by-commit 'abc; rm -rf /' staging" && $0.outcome.hasPrefix("refused") })
        #expect(entries.contains { $0.actor == "victor" && $0.outcome.hasPrefix("refused: a viewer") })
        #expect(entries.allSatisfy { $0.source?.hasPrefix("127.0.0.1 ") == true })
        #expect(try slipway(["audit", "production", "--json"]).stdout.contains("bob@test"))
        withExtendedLifetime(server) {}
    }
}
