import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// The command side of `DeployControl`: sends a request over the control socket and hands each progress event
/// to `onEvent` as it arrives.
public struct DeployControlClient: Sendable {
    public let socket: String

    public init(socket: String) { self.socket = socket }

    /// Returns the last event (succeeded or failed).
    public func send(_ path: String, actor: String, onEvent: @Sendable (DeployEvent) -> Void) async throws -> DeployEvent {
        guard FileManager.default.fileExists(atPath: socket) else {
            throw DeployError("slipway serve is not running here (no control socket at \(socket)); start it, with the same SLIPWAY_HOME")
        }
        let host = socket.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        var request = HTTPClientRequest(url: "http+unix://\(host)\(path)")
        request.method = .POST
        request.headers.add(name: "Host", value: "slipway")
        request.headers.add(name: "Slipway-Actor", value: actor)
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .hours(24))
        } catch {
            throw DeployError("cannot reach slipway serve at \(socket): \(error); is it running, and are you its owner?")
        }
        guard response.status == .ok else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
            throw DeployError("slipway serve refused the request (HTTP \(response.status.code)): \(body)")
        }
        var pending = ByteBuffer()
        var last: DeployEvent?
        let decoder = JSONDecoder()
        for try await var buffer in response.body {
            pending.writeBuffer(&buffer)
            while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - pending.readerIndex
                let line = pending.readData(length: length)!
                pending.moveReaderIndex(forwardBy: 1)
                let event = try decoder.decode(DeployEvent.self, from: line)
                onEvent(event)
                last = event
            }
        }
        guard let last, last.kind != .progress else {
            throw DeployError("slipway serve closed the connection before the end; the deploy goes on there: see `slipway status`")
        }
        return last
    }
}
