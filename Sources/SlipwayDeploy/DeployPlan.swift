import Foundation
import SlipwayStore

/// The steps of a deployment, in order. Each is recorded as it begins, so a restarted server knows what to undo
/// or finish.
public enum DeployStep: String, Sendable, CaseIterable, Comparable {
    case resolving, pulling, releasing, starting, verifying, publishing, switched, draining, cleaning, finished

    public static func < (lhs: DeployStep, rhs: DeployStep) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Names and choices of blue/green deploys, kept apart from I/O.
public enum DeployPlan {
    /// The colour that is not live (`a` when nothing is).
    public static func nextColour(after live: String?) -> String { live == "a" ? "b" : "a" }

    /// `<app>-<env>-<colour>`, the cluster's name.
    public static func clusterName(app: String, environment: String, colour: String) -> String {
        "\(app)-\(environment)-\(colour)"
    }

    /// `<app>-<env>-<colour>-<n>`, a server's container name.
    public static func serverName(app: String, environment: String, colour: String, index: Int) -> String {
        "\(clusterName(app: app, environment: environment, colour: colour))-\(index)"
    }

    /// The labels every server of a cluster carries.
    public static func labels(app: String, environment: String, colour: String, digest: String) -> [String: String] {
        ["slipway.app": app, "slipway.env": environment, "slipway.colour": colour, "slipway.digest": digest]
    }

    /// What a server that died mid-deploy must do about it when it starts again.
    public enum Recovery: Equatable, Sendable {
        /// The switch never happened: the old cluster still serves; remove what was started of the new one.
        case removeNewCluster(colour: String)
        /// The switch happened: the new cluster serves; finish deleting the old one.
        case finishCleanup(colour: String)
    }

    public static func recovery(for deployment: DeploymentRecord, state: EnvironmentState) -> Recovery {
        if state.liveColour == deployment.colour, state.liveDigest == deployment.digest {
            return .finishCleanup(colour: deployment.previousColour ?? nextColour(after: deployment.colour))
        }
        return .removeNewCluster(colour: deployment.colour)
    }

    /// Why a server might not answer its health check, from what the image declares.
    public static func portHint(configured: Int, exposed: [Int]) -> String? {
        guard !exposed.isEmpty, !exposed.contains(configured) else { return nil }
        let ports = exposed.map(String.init).joined(separator: ", ")
        return "the image declares EXPOSE \(ports) but the environment's port is \(configured); set `port: \(exposed[0])` in slipway.yml if the application listens there"
    }
}
