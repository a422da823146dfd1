import NIOCore
import NIOHTTP1

/// The only handler of an upstream connection: reads the upstream's responses off the wire and,
/// while a request uses the connection, hands each part to its `owner` (the downstream handler,
/// on the same event loop — plain method calls, no hops). While the connection idles in the
/// pool it only watches for the upstream closing it.
final class UpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler, DeferredFlush {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let server: UpstreamState
    private let pool: UpstreamConnectionPool
    private(set) var context: ChannelHandlerContext!
    /// The request currently using this connection; nil while pooled.
    var owner: DownstreamHandler?
    /// When the connection was put back into the pool (for the idle sweep).
    var idleSince: NIODeadline = .uptimeNanoseconds(0)
    private var pendingRead = false

    // The response being read.
    private var inbound = ByteBuffer()
    private var heads = HeadReader()
    private var requestMethod = HTTPMethod.GET
    private var awaitingHead = false
    private var body: BodyDecoder?
    private var keepAlive = false

    init(server: UpstreamState, pool: UpstreamConnectionPool) {
        self.server = server
        self.pool = pool
    }

    var channel: Channel { context.channel }
    var isActive: Bool { context.channel.isActive }
    var isWritable: Bool { context.channel.isWritable }

    /// A request is about to be written: the next bytes from the upstream are its response.
    func startExchange(method: HTTPMethod) {
        requestMethod = method
        awaitingHead = true
        body = nil
    }

    @inline(__always) func write(_ buffer: ByteBuffer) {
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    @inline(__always) func flush() {
        context.flush()
    }

    var flushScheduled = false

    /// Flushes at the end of this event-loop tick (see `TickFlusher`).
    func flushSoon() {
        pool.flusher.flushAtEndOfTick(self)
    }

    func flushDeferred() {
        context?.flush()
    }

    func close() {
        context.close(promise: nil)
    }

    /// Bytes that came after a 101 response: they belong to the new protocol.
    func takeInbound() -> ByteBuffer {
        defer { inbound = ByteBuffer() }
        return inbound
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

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil  // after a protocol switch: a deferred flush must not touch it
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard owner != nil else {
            // Bytes on an idle connection mean the framing is off: never reuse it.
            context.close(promise: nil)
            return
        }
        inbound.appendRead(unwrapInboundIn(data))
        process()
    }

    /// Hands over as much of the response as has arrived.
    private func process() {
        while let owner {
            if awaitingHead {
                let head: ResponseHead?
                do {
                    head = try heads.readResponse(&inbound, requestMethod: requestMethod)
                } catch {
                    fail(owner, error)
                    return
                }
                guard let head else { return }
                if head.isInterim {
                    owner.upstreamInterim(head, from: self)
                    continue
                }
                awaitingHead = false
                if head.status == 101 {
                    // What follows is the new protocol: the owner takes the rest (`takeInbound`).
                    owner.upstreamSwitched(head, from: self)
                    return
                }
                keepAlive = head.keepAlive
                let output = owner.upstreamHead(head, from: self)
                body = BodyDecoder(framing: head.framing, output: output)
                if body == nil { finish(owner) }
            } else if body != nil {
                let next: (ByteBuffer?, ended: Bool)
                do {
                    next = try body!.next(&inbound)
                } catch {
                    fail(owner, error)
                    return
                }
                if let slice = next.0 { owner.upstreamBody(slice, from: self) }
                if next.ended {
                    finish(owner)
                } else if next.0 == nil {
                    return
                }
            } else {
                break
            }
        }
        if owner == nil && inbound.readableBytes > 0 {
            // More than the response: the upstream's framing cannot be trusted with another request.
            context.close(promise: nil)
        }
    }

    private func finish(_ owner: DownstreamHandler) {
        body = nil
        // Bytes past the end of the response (a body on a HEAD or 204, more than Content-Length)
        // mean the upstream's framing cannot be trusted: such a connection is not reused.
        owner.upstreamEnd(reusable: keepAlive && inbound.readableBytes == 0, from: self)
    }

    private func fail(_ owner: DownstreamHandler, _ error: Error) {
        body = nil
        awaitingHead = false
        owner.upstreamFailed(self, error: error)
        context.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inbound.releaseIfUsedUp()
        owner?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        endOfInput()
        if owner == nil { pool.remove(self) }
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
            // An upstream that stops sending is done with this connection.
            endOfInput()
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// The upstream will send nothing more: the end of a close-delimited body, or a failure.
    private func endOfInput() {
        guard let owner else { return }
        if let body, body.endsAtClose {
            keepAlive = false
            finish(owner)
        } else {
            owner.upstreamFailed(self, error: nil)
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
