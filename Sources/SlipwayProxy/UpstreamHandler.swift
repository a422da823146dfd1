import NIOCore
import NIOHTTP1

/// Last handler of an upstream connection. While a request uses the connection it forwards every
/// event to its `owner` (the downstream handler, on the same event loop — plain method calls, no
/// hops). While the connection idles in the pool it only watches for the upstream closing it.
final class UpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let server: UpstreamState
    let requestEncoder: HTTPRequestEncoder
    let responseDecoder: ByteToMessageHandler<HTTPResponseDecoder>
    private let pool: UpstreamConnectionPool
    private(set) var context: ChannelHandlerContext!
    /// The request currently using this connection; nil while pooled.
    var owner: DownstreamHandler?
    /// When the connection was put back into the pool (for the idle sweep).
    var idleSince: NIODeadline = .uptimeNanoseconds(0)
    private var pendingRead = false

    init(
        server: UpstreamState,
        pool: UpstreamConnectionPool,
        requestEncoder: HTTPRequestEncoder,
        responseDecoder: ByteToMessageHandler<HTTPResponseDecoder>
    ) {
        self.server = server
        self.pool = pool
        self.requestEncoder = requestEncoder
        self.responseDecoder = responseDecoder
    }

    var channel: Channel { context.channel }
    var isActive: Bool { context.channel.isActive }
    var isWritable: Bool { context.channel.isWritable }

    @inline(__always) func write(_ part: HTTPClientRequestPart) {
        context.write(wrapOutboundOut(part), promise: nil)
    }

    @inline(__always) func flush() {
        context.flush()
    }

    func close() {
        context.close(promise: nil)
    }

    /// Reads are paused while the downstream cannot take more; this resumes them.
    func resumeReading() {
        if pendingRead {
            pendingRead = false
            context.read()
        }
    }

    // MARK: ChannelHandler

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let owner {
            owner.upstreamRead(unwrapInboundIn(data), from: self)
        } else {
            // Bytes on an idle connection mean the framing is off: never reuse it.
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        owner?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let owner {
            owner.upstreamFailed(self, error: nil)
        } else {
            pool.remove(self)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let owner {
            owner.upstreamFailed(self, error: error)
        }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            // The decoder has already turned EOF into `.end` for close-delimited bodies; an
            // upstream that stops sending is done with this connection.
            if let owner {
                owner.upstreamFailed(self, error: nil)
            }
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        owner?.upstreamWritabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let owner, !owner.downstreamWritable {
            pendingRead = true
        } else {
            context.read()
        }
    }
}
