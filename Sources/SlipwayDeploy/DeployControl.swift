import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SlipwayStore

/// The deploy commands' door into `slipway serve`: HTTP on a unix socket in $SLIPWAY_HOME that only its owner may
/// open. A deploy runs in the server, not in the request: the command streams its progress (one JSON
/// `DeployEvent` per line) and may go away — an SSH session dropped — while the deploy goes on to the end.
///
///     POST /deploy/ENV                 run-deploy-and-cleanup
///     POST /rollback/ENV[?to=TARGET]   rollback
/// The acting person comes in the `Slipway-Actor` header.
public struct DeployControl<Context: RequestContext>: HTTPResponder {
    let deployer: Deployer

    public init(deployer: Deployer) { self.deployer = deployer }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let parts = request.uri.path.split(separator: "/").map(String.init)
        guard request.method == .post, parts.count == 2, ["deploy", "rollback"].contains(parts[0]) else {
            return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "unknown control request\n")))
        }
        let environment = parts[1]
        let actor = request.headers[HTTPField.Name("Slipway-Actor")!] ?? "unknown"
        let target = request.uri.queryParameters.get("to")
        let overridePolicy = request.uri.queryParameters.get("override_policy")
        let (events, continuation) = AsyncStream<DeployEvent>.makeStream()
        let deployer = self.deployer
        // Detached from the request: the deploy finishes even when nobody is listening any more.
        Task.detached {
            let emit: DeployEvents = { continuation.yield($0) }
            do {
                if parts[0] == "deploy" {
                    try await deployer.deploy(environment, actor: actor, overridePolicy: overridePolicy, events: emit)
                } else {
                    try await deployer.rollback(environment, to: target, actor: actor, events: emit)
                }
            } catch {
                continuation.yield(DeployEvent(.failed, "\(error)"))
            }
            continuation.finish()
        }
        let body = ResponseBody { writer in
            let encoder = JSONEncoder()
            for await event in events {
                var line = try encoder.encode(event)
                line.append(UInt8(ascii: "\n"))
                try await writer.write(ByteBuffer(data: line))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }
}
