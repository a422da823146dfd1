import ArgumentParser
import Foundation
import SlipwayDeploy

/// `slipway run-deploy-and-cleanup [ENV]`
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-deploy-and-cleanup",
        abstract: "Deploy the image the environment's tag names: new cluster, verify, switch, drain, delete the old one.",
        discussion: """
            The running `slipway serve` does the work; this command streams its progress. The new cluster (the colour \
            that is not live) must pass its health checks before any traffic reaches it; if it does not, it is \
            removed and the old one stays live. After the switch the old cluster drains for the cleanup delay \
            (30 s by default), during which `rollback` switches back at once. If this command is interrupted, the \
            deploy still finishes; `slipway status` shows where it stands. When the environment has a \
            vulnerability policy (policy.refuse, policy.refuse_fixable), an image whose scan breaks it is refused \
            with the findings that caused it; --override-policy deploys it anyway and records who and why.
            """
    )

    @Argument(help: "The environment (implied when the key, SLIPWAY_ENV or the config names just one).") var environment: String?
    @Option(help: "Deploy even if the vulnerability policy refuses the image; the reason is recorded with the deployment.")
    var overridePolicy: String?
    @OptionGroup var options: DeployOptions

    func validate() throws {
        if let overridePolicy, overridePolicy.trimmingCharacters(in: .whitespaces).count < 3 {
            throw ValidationError("--override-policy needs a reason (it is recorded with the deployment)")
        }
    }

    func run() async throws {
        let config = try options.loadConfig()
        let environment = try options.environment(environment, in: config)
        var path = "/deploy/\(environment)"
        if let overridePolicy {
            path += "?override_policy=" + (overridePolicy.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        try await streamControl(path, home: options.home.path)
    }
}

/// `slipway rollback [ENV] [--to COMMIT|DIGEST]`
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Go back to the image that was live before: at once inside the cleanup window, else by a verified deploy.",
        discussion: """
            Inside the cleanup window the old cluster is still running, and traffic switches back to it immediately. \
            After it, the previously live image (or the one --to names) is deployed through the same verified path \
            as any deploy. The environment's tag moves to the image deployed.
            """
    )

    @Argument(help: "The environment (implied when the key, SLIPWAY_ENV or the config names just one).") var environment: String?
    @Option(help: "Deploy this image instead: a commit (7+ hex digits) or a digest (sha256:…).") var to: String?
    @OptionGroup var options: DeployOptions

    func run() async throws {
        let config = try options.loadConfig()
        let environment = try options.environment(environment, in: config)
        var path = "/rollback/\(environment)"
        if let to {
            guard to.allSatisfy({ $0.isHexDigit || $0 == ":" || $0.isLetter }) else { throw ValidationError("--to '\(to)' is not a commit or digest") }
            path += "?to=\(to)"
        }
        try await streamControl(path, home: options.home.path)
    }
}

/// Sends a control request to `slipway serve` and prints its progress as it comes; fails (exit 1) when the
/// deploy did.
func streamControl(_ path: String, home: String) async throws {
    let client = DeployControlClient(socket: home + "/control.sock")
    let last = try await client.send(path, actor: Operator.current()) { event in
        switch event.kind {
        case .progress:
            FileHandle.standardOutput.write(Data((event.text + (event.newline ? "\n" : "")).utf8))
        case .succeeded:
            note(event.text)
        case .failed:
            break
        }
    }
    if last.kind == .failed { throw CommandError(last.text) }
}
