import NIOCore
import NIOHTTP1

/// One client connection. Reads requests off the wire, and drives each through: pick an upstream
/// from the live snapshot, take a pooled connection or open one (on this same event loop), relay
/// the request out and the response back, then return the upstream connection to the pool.
///
/// There is no HTTP codec in either pipeline: heads are parsed into offsets (`HeadReader`),
/// rewritten straight into the bytes the other side gets (`HeaderRewriting`), and bodies are
/// relayed as the wire carried them (`BodyDecoder` only finds where they end). The paired
/// `UpstreamHandler` calls straight into this object. Per-request state lives in plain stored
/// properties that are reset between requests.
///
/// Backpressure: the channels run with autoRead, but this handler (and `UpstreamHandler`)
/// intercept the outbound `read` event and hold it back while the other side is not writable,
/// while connecting, and while a response is pending with the next request's bytes already read
/// (pipelining).
final class DownstreamHandler: ChannelDuplexHandler, RemovableChannelHandler, NIOScheduledCallbackHandler, DeferredFlush {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// Waiting for the next request head.
        case idle
        /// Waiting for a TCP connection to an upstream; body bytes are held in `pendingBody`.
        case connecting
        /// Attached to `upstream`.
        case proxying
        /// Answering locally (error page, asset); remaining request body is discarded.
        case local
        /// Glued to the upstream as a byte pipe; this handler is leaving the pipeline.
        case upgraded
        case closed
    }

    private let core: ProxyCore
    private let pool: UpstreamConnectionPool
    private let scheme: String
    private var context: ChannelHandlerContext!
    private var clientAddress = "unknown"

    // Connection state
    private var phase = Phase.idle
    private var readPending = false
    /// Bytes read from the client and not yet used: a partial head, or pipelined requests
    /// waiting for the current response to finish.
    private var inbound = ByteBuffer()
    private var heads = HeadReader()
    private var processing = false
    /// Close once the current response is done (quiesce, protocol error).
    private var closeWhenDone = false
    /// The client half-closed: finish what was received, then close.
    private var inputClosed = false
    private(set) var downstreamWritable = true
    private var upstreamNeedsFlush = false

    // Request state (reset by `resetRequest`)
    private var requestGeneration = 0
    private var method = HTTPMethod.GET
    private var clientMinorVersion = 1
    private var clientKeepAlive = true
    private var isUpgrade = false
    private var expectsContinue = false
    /// The request head as the upstream gets it (kept for a retry).
    private var upstreamHead: ByteBuffer?
    private var requestBody: BodyDecoder?
    private var requestComplete = false
    private var responseHeadSent = false
    /// Whether `responseHead` holds a head not yet written: it is held back so that a small body
    /// goes out in the same write.
    private var responseHeadPending = false
    private var responseBody = HeaderRewriting.BodyHandling.forward
    private var responseComplete = false
    private var closeAfterResponse = false
    private var startTime = NIODeadline.uptimeNanoseconds(0)
    /// Non-nil while this request is counted in its colour's in-flight gauge.
    private var metrics: MetricsShard?
    private var statusRecorded = false
    private var snapshot: UpstreamSnapshot?
    private var roundRobinStart = 0
    private var excluded: UInt64 = 0
    private var attempts = 0
    private var server: UpstreamState?
    private var upstream: UpstreamHandler?
    private var upstreamReused = false
    private var upstreamResponded = false
    private var retried = false
    /// Body received but not yet written upstream (while connecting).
    private var pendingBody: [ByteBuffer] = []
    /// Body already written upstream, kept for a retry while it stays under the replay limit.
    private var sentBody: [ByteBuffer] = []
    private var sentBodyBytes = 0
    private var replayable = false
    private var responseTimer: NIOScheduledCallback?
    private var responseDeadline: NIODeadline?

    /// Bodies up to this size go out in one write with their response head.
    private static let coalesceLimit = 16 * 1024
    /// The buffers heads are written into, kept from one request to the next: once the socket
    /// has taken the bytes nothing else refers to them, so the next head reuses their memory.
    private var requestHeadBuffer = ByteBuffer()
    private var responseHead = ByteBuffer()
    private static let keptBufferLimit = 4096

    init(core: ProxyCore, pool: UpstreamConnectionPool, scheme: String) {
        self.core = core
        self.pool = pool
        self.scheme = scheme
    }

    // MARK: - Inbound from the client

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let address = context.channel.remoteAddress?.ipAddress { clientAddress = address }
        downstreamWritable = context.channel.isWritable
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard phase != .closed && phase != .upgraded else { return }
        inbound.appendRead(unwrapInboundIn(data))
        processInbound()
    }

    /// Uses as much of `inbound` as the current exchange can take: the next head when idle, the
    /// current request's body otherwise. Pipelined bytes wait until the response is done.
    private func processInbound() {
        guard !processing else { return }
        processing = true
        useInbound()
        processing = false
        if inputClosed && (phase == .idle || !requestComplete) && phase != .closed && phase != .upgraded {
            abort(closeDownstream: true)  // the rest of a request will never come
        }
    }

    private func useInbound() {
        while true {
            switch phase {
            case .closed, .upgraded:
                return
            case .idle:
                let head: RequestHead?
                do {
                    head = try heads.readRequest(&inbound)
                } catch {
                    rejectRequest(error)
                    return
                }
                guard let head else { return }
                startRequest(head)
            case .connecting, .proxying, .local:
                guard !requestComplete, requestBody != nil else { return }
                let next: (ByteBuffer?, ended: Bool)
                do {
                    next = try requestBody!.next(&inbound)
                } catch {
                    requestBodyFailed(error)
                    return
                }
                if let slice = next.0 { handleBody(slice) }
                if next.ended {
                    handleRequestEnd()
                } else if next.0 == nil {
                    return
                }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if upstreamNeedsFlush {
            upstreamNeedsFlush = false
            upstream?.flushSoon()
        }
        inbound.releaseIfUsedUp()
    }

    func channelInactive(context: ChannelHandlerContext) {
        abort(closeDownstream: false)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        downstreamWritable = context.channel.isWritable
        if downstreamWritable { upstream?.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            // The client will send nothing more: answer what is complete (including pipelined
            // requests already read), then close. An unfinished request can never finish.
            inputClosed = true
            if phase == .idle || !requestComplete {
                abort(closeDownstream: true)
            }
        } else if event is ChannelShouldQuiesceEvent {
            closeWhenDone = true
            if phase == .idle { abort(closeDownstream: true) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !(error is IOError) {
            core.report("downstream \(clientAddress): \(error)")
        }
        abort(closeDownstream: true)
    }

    /// A request head that is not HTTP/1.1: answered with its status, then the connection closes
    /// (there is no telling where the next request would start).
    private func rejectRequest(_ error: HTTPWireError) {
        resetRequest()
        startTime = .now()
        method = .GET
        clientMinorVersion = 1
        clientKeepAlive = false
        closeWhenDone = true
        requestComplete = true
        inbound.clear()
        metrics = core.metrics.unrouted.shard(pool.shardIndex)
        metrics?.requestStarted()
        respondLocally(error.status, "\(error.status.reasonPhrase.lowercased()): \(error.reason)\n")
    }

    /// A request body whose framing broke: nothing after it can be trusted.
    private func requestBodyFailed(_ error: HTTPWireError) {
        requestBody = nil
        inbound.clear()
        if phase == .local && !responseHeadSent {
            closeWhenDone = true
            requestComplete = true
            respondLocally(.badRequest, "bad request: \(error.reason)\n")
            return
        }
        core.report("downstream \(clientAddress): \(error.reason)")
        abort(closeDownstream: true)
    }

    /// Outbound `read`: held back whenever the request cannot make progress (see type docs).
    func read(context: ChannelHandlerContext) {
        if shouldRead {
            context.read()
        } else {
            readPending = true
        }
    }

    /// Once the request is complete we keep reading until a pipelined request shows up: holding
    /// the read would make NIO drop and re-add the socket's epoll interest on every request (two
    /// syscalls each), and reading also notices a client that gives up while we wait.
    private var shouldRead: Bool {
        switch phase {
        case .idle:
            return true
        case .upgraded, .closed:
            return false
        case .connecting:
            return requestComplete && inbound.readableBytes == 0
        case .local:
            return requestComplete ? inbound.readableBytes == 0 : true
        case .proxying:
            if requestComplete { return inbound.readableBytes == 0 }
            if responseComplete { return true }  // discarding the rest of the body
            return upstream?.isWritable ?? false
        }
    }

    private func resumeReadingIfPossible() {
        if readPending && shouldRead {
            readPending = false
            context.read()
        }
    }

    private func handleBody(_ buffer: ByteBuffer) {
        expectsContinue = false  // the body is coming
        switch phase {
        case .connecting:
            pendingBody.append(buffer)
        case .proxying:
            if let upstream, !responseComplete {
                upstream.write(buffer)
                remember(buffer)
                upstreamNeedsFlush = true
            }
        case .idle, .local, .upgraded, .closed:
            break
        }
    }

    private func handleRequestEnd() {
        requestComplete = true
        requestBody = nil
        switch phase {
        case .proxying:
            if let upstream, !responseComplete {
                upstreamNeedsFlush = false
                upstream.flushSoon()
                armResponseTimer()
            } else if responseComplete {
                finishRequest()
            }
        case .local:
            if responseComplete { finishRequest() }
        case .idle, .connecting, .upgraded, .closed:
            break
        }
    }

    // MARK: - Request lifecycle

    private func resetRequest() {
        requestGeneration &+= 1
        isUpgrade = false
        expectsContinue = false
        upstreamHead = nil
        requestBody = nil
        requestComplete = false
        responseHeadSent = false
        responseHeadPending = false
        // An idle connection keeps no more than a typical head's worth of buffer.
        if responseHead.capacity > Self.keptBufferLimit { responseHead = ByteBuffer() }
        if requestHeadBuffer.capacity > Self.keptBufferLimit { requestHeadBuffer = ByteBuffer() }
        responseBody = .forward
        responseComplete = false
        closeAfterResponse = false
        metrics = nil
        statusRecorded = false
        snapshot = nil
        excluded = 0
        attempts = 0
        server = nil
        upstreamReused = false
        upstreamResponded = false
        retried = false
        if !pendingBody.isEmpty { pendingBody.removeAll() }
        if !sentBody.isEmpty { sentBody.removeAll() }
        sentBodyBytes = 0
        replayable = false
    }

    private func startRequest(_ head: RequestHead) {
        resetRequest()
        startTime = .now()
        method = head.method
        clientMinorVersion = head.minorVersion
        clientKeepAlive = head.keepAlive && !closeWhenDone
        requestBody = BodyDecoder(framing: head.framing)
        requestComplete = requestBody == nil
        expectsContinue = !requestComplete && head.headers.first("expect").map { $0.lowercased() == "100-continue" } == true

        if let prefix = core.assetsPrefix {
            let target = head.targetString
            if AssetPath.matches(uri: target, prefix: prefix) {
                phase = .local
                metrics = core.metrics.assets.shard(pool.shardIndex)
                metrics?.requestStarted()
                serveAsset(target: target, ifNoneMatch: head.headers.first("if-none-match"), prefix: prefix)
                return
            }
        }

        guard let snapshot = core.snapshot(cachedIn: pool), !snapshot.servers.isEmpty else {
            phase = .local
            metrics = core.metrics.unrouted.shard(pool.shardIndex)
            metrics?.requestStarted()
            respondLocally(.serviceUnavailable, "no live upstream\n")
            return
        }
        self.snapshot = snapshot
        let shard = snapshot.metrics.shard(pool.shardIndex)
        metrics = shard
        shard.requestStarted()

        if method == .CONNECT {
            // A tunnel through the site's front door is not something an app asks for.
            clientKeepAlive = false
            respondLocally(.methodNotAllowed, "method not allowed\n")
            return
        }
        isUpgrade = head.isUpgrade
        if isUpgrade {
            // Unless the upstream agrees to switch, the bytes after this request are not
            // necessarily HTTP: this connection cannot carry another request.
            clientKeepAlive = false
        }
        requestHeadBuffer.clear()
        HeaderRewriting.writeRequest(head, clientAddress: clientAddress, scheme: scheme, into: &requestHeadBuffer)
        upstreamHead = requestHeadBuffer
        replayable = RetryPolicy.isIdempotent(head.method)
        roundRobinStart = pool.nextRoundRobinStart()
        tryNextServer()
    }

    /// Round-robin over the snapshot, skipping servers this request already failed on.
    private func tryNextServer() {
        guard let snapshot, attempts < snapshot.servers.count,
            let index = snapshot.pick(start: roundRobinStart, excluded: excluded, now: attempts == 0 ? startTime : .now())
        else {
            respondLocally(.badGateway, "bad gateway: no upstream could be reached\n")
            return
        }
        attempts += 1
        if index < 64 { excluded |= 1 << UInt64(index) }
        let server = snapshot.servers[index]
        self.server = server
        if let pooled = pool.take(server) {
            attach(pooled, reused: true)
        } else {
            connect(to: server)
        }
    }

    private func connect(to server: UpstreamState) {
        phase = .connecting
        let generation = requestGeneration
        pool.connect(server).assumeIsolated().whenComplete { result in
            self.connectCompleted(result, server: server, generation: generation)
        }
    }

    private func connectCompleted(_ result: Result<Channel, Error>, server: UpstreamState, generation: Int) {
        guard generation == requestGeneration, phase == .connecting else {
            // The client went away (or the request was answered) while connecting.
            if case .success(let channel) = result,
                let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamHandler.self)
            {
                pool.release(handler)
            }
            return
        }
        switch result {
        case .success(let channel):
            guard let handler = try? channel.pipeline.syncOperations.handler(type: UpstreamHandler.self) else {
                channel.close(promise: nil)
                respondLocally(.badGateway, "bad gateway\n")
                return
            }
            server.markUp()
            attach(handler, reused: false)
        case .failure(let error):
            // Nothing was sent: always safe to try another server.
            let timedOut: Bool
            if case ChannelError.connectTimeout = error { timedOut = true } else { timedOut = false }
            metrics?.recordError(timedOut ? .connectTimeout : .connect)
            server.markDown(until: .now() + core.downDuration)
            core.report(
                "upstream \(server.upstream) (colour \(snapshot?.colour ?? "?")): connect failed, marked down: \(error)"
            )
            tryNextServer()
        }
    }

    private func attach(_ handler: UpstreamHandler, reused: Bool) {
        phase = .proxying
        upstream = handler
        handler.owner = self
        upstreamReused = reused
        upstreamResponded = false
        handler.startExchange(method: method)
        if let head = upstreamHead {
            handler.write(head)
        }
        if !pendingBody.isEmpty {
            let body = pendingBody
            pendingBody.removeAll()
            for buffer in body {
                handler.write(buffer)
                remember(buffer)
            }
        }
        if requestComplete {
            armResponseTimer()
        }
        handler.flushSoon()
        upstreamNeedsFlush = false
        resumeReadingIfPossible()
        // Body bytes that arrived with the head are waiting in `inbound`.
        if !requestComplete { processInbound() }
    }

    /// Keeps sent body bytes for a possible retry, until they exceed the replay limit.
    private func remember(_ buffer: ByteBuffer) {
        guard replayable else { return }
        sentBodyBytes += buffer.readableBytes
        if sentBodyBytes > core.configuration.maxReplayBodyBytes {
            replayable = false
            sentBody.removeAll()
        } else {
            sentBody.append(buffer)
        }
    }

    private func detachUpstream(reuse: Bool) {
        cancelResponseTimer()
        guard let handler = upstream else { return }
        upstream = nil
        handler.owner = nil
        if reuse {
            pool.release(handler)
        } else {
            handler.close()
        }
    }

    // MARK: - Events from the upstream connection (same event loop)

    /// 100 Continue, 103 Early Hints …: passed on to HTTP/1.1 clients; the final response follows.
    func upstreamInterim(_ head: ResponseHead, from handler: UpstreamHandler) {
        guard handler === upstream else { return }
        upstreamResponded = true
        guard clientMinorVersion >= 1 else { return }
        var buffer = context.channel.allocator.buffer(capacity: head.headers.bytes.count + 16)
        HeaderRewriting.writeInterim(head, into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// The final response head; returns how its body should be read.
    func upstreamHead(_ head: ResponseHead, from handler: UpstreamHandler) -> BodyDecoder.Output {
        guard handler === upstream else { return .forward }
        upstreamResponded = true
        cancelResponseTimer()
        responseHead.clear()
        let plan = HeaderRewriting.writeResponse(
            head,
            requestMethod: method,
            clientMinorVersion: clientMinorVersion,
            keepAlive: clientKeepAlive && !closeWhenDone && !mayNotSendBody,
            into: &responseHead
        )
        closeAfterResponse = plan.close
        responseBody = plan.body
        recordStatus(UInt(head.status))
        responseHeadSent = true
        responseHeadPending = true
        return plan.body == .dechunk ? .payload : .forward
    }

    func upstreamBody(_ buffer: ByteBuffer, from handler: UpstreamHandler) {
        guard handler === upstream else { return }
        if responseBody == .rechunk {
            var size = context.channel.allocator.buffer(capacity: 18)
            size.writeString(String(buffer.readableBytes, radix: 16))
            size.writeStaticString("\r\n")
            emit(size)
            emit(buffer)
            emit(Self.crlf)
        } else {
            emit(buffer)
        }
    }

    /// The response is complete; `reusable` says whether the upstream keeps the connection open.
    func upstreamEnd(reusable: Bool, from handler: UpstreamHandler) {
        guard handler === upstream else { return }
        // Reusable only after a clean exchange: whole request sent, both sides keep-alive.
        detachUpstream(reuse: reusable && requestComplete)
        if responseBody == .rechunk { emit(Self.lastChunk) }
        writeResponseEnd()
    }

    /// 101 Switching Protocols.
    func upstreamSwitched(_ head: ResponseHead, from handler: UpstreamHandler) {
        guard handler === upstream else { return }
        upstreamResponded = true
        guard isUpgrade else {
            metrics?.recordError(.reset)
            core.report("upstream \(handler.server.upstream) (colour \(snapshot?.colour ?? "?")): 101 to a request that asked for no upgrade")
            detachUpstream(reuse: false)
            respondLocally(.badGateway, "bad gateway: unexpected protocol switch\n")
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: head.headers.bytes.count + 32)
        HeaderRewriting.writeSwitchingProtocols(head, into: &buffer)
        recordStatus(101)
        responseHeadSent = true
        completeUpgrade(handler, switchingHead: buffer)
    }

    func upstreamReadComplete() {
        flushPendingResponseHead()
        flushSoon()
    }

    var flushScheduled = false

    /// Flushes to the client at the end of this event-loop tick (see `TickFlusher`).
    private func flushSoon() {
        pool.flusher.flushAtEndOfTick(self)
    }

    func flushDeferred() {
        guard phase != .upgraded else { return }
        context.flush()
    }

    func upstreamWritabilityChanged() {
        resumeReadingIfPossible()
    }

    /// The upstream connection closed or failed while this request was using it.
    func upstreamFailed(_ handler: UpstreamHandler, error: Error?) {
        guard handler === upstream else { return }
        detachUpstream(reuse: false)
        let reason = error.map { "\($0)" } ?? "connection closed"
        if !responseHeadSent {
            if !upstreamResponded,
                RetryPolicy.mayRetryOnFreshConnection(
                    method: method,
                    connectionWasReused: upstreamReused,
                    bodyReplayable: replayable,
                    responseStarted: upstreamResponded,
                    alreadyRetried: retried
                ), let server
            {
                // Probably the keep-alive race; replay on a fresh connection to the same server.
                metrics?.recordError(.retried)
                retried = true
                pendingBody = sentBody + pendingBody
                sentBody.removeAll()
                sentBodyBytes = 0
                connect(to: server)
                return
            }
            metrics?.recordError(.reset)
            core.report("upstream \(server?.upstream.description ?? "?") (colour \(snapshot?.colour ?? "?")): \(reason) before response")
            closeWhenDone = closeWhenDone || !requestComplete
            respondLocally(.badGateway, "bad gateway: upstream closed the connection\n")
        } else {
            // Part of the response is already out: the only honest signal left is to close.
            metrics?.recordError(.aborted)
            core.report("upstream \(server?.upstream.description ?? "?") (colour \(snapshot?.colour ?? "?")): \(reason) mid-response")
            flushPendingResponseHead()
            abort(closeDownstream: true)
        }
    }

    // MARK: - Response timeout

    /// The timeout is a deadline stored per request plus at most one timer per connection that is
    /// re-armed lazily when it fires early. Scheduling and cancelling a timer for every request
    /// would cost an allocation and two heap operations on the loop's timer queue each time.
    private func armResponseTimer() {
        guard responseDeadline == nil, !responseHeadSent else { return }
        let deadline = NIODeadline.now() + core.responseTimeout
        responseDeadline = deadline
        if responseTimer == nil {
            responseTimer = try? context.eventLoop.assumeIsolated().scheduleCallback(at: deadline, handler: self)
        }
    }

    private func cancelResponseTimer() {
        responseDeadline = nil
    }

    private func stopResponseTimer() {
        responseDeadline = nil
        if let timer = responseTimer {
            responseTimer = nil
            timer.cancel()
        }
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        responseTimer = nil
        guard let deadline = responseDeadline else { return }
        if deadline > .now() {
            // A later request is waiting; sleep until its deadline.
            responseTimer = try? context.eventLoop.assumeIsolated().scheduleCallback(at: deadline, handler: self)
            return
        }
        responseDeadline = nil
        guard phase == .proxying, !responseHeadSent else { return }
        metrics?.recordError(.responseTimeout)
        core.report("upstream \(server?.upstream.description ?? "?") (colour \(snapshot?.colour ?? "?")): no response head within \(core.configuration.responseTimeout)")
        detachUpstream(reuse: false)
        respondLocally(.gatewayTimeout, "gateway timeout\n")
    }

    // MARK: - Writing responses

    /// A final response before the body of an `Expect: 100-continue` request: the client may
    /// never send that body (RFC 9110 §10.1.1), so the connection cannot carry another request.
    /// Other early answers keep the connection and the rest of the body is read and dropped.
    private var mayNotSendBody: Bool { expectsContinue && !requestComplete }

    private static let crlf: ByteBuffer = ByteBuffer(staticString: "\r\n")
    private static let lastChunk: ByteBuffer = ByteBuffer(staticString: "0\r\n\r\n")

    /// Writes part of a response body, in the same write as a held-back head when small.
    private func emit(_ buffer: ByteBuffer) {
        if responseHeadPending {
            responseHeadPending = false
            if buffer.readableBytes <= Self.coalesceLimit {
                var body = buffer
                responseHead.writeBuffer(&body)
                context.write(wrapOutboundOut(responseHead), promise: nil)
                return
            }
            context.write(wrapOutboundOut(responseHead), promise: nil)
        }
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    private func flushPendingResponseHead() {
        if responseHeadPending {
            responseHeadPending = false
            context.write(wrapOutboundOut(responseHead), promise: nil)
        }
    }

    private func recordStatus(_ code: UInt) {
        guard !statusRecorded else { return }
        statusRecorded = true
        metrics?.recordStatus(code)
    }

    /// A small response generated by the proxy (errors, 304, asset errors).
    private func respondLocally(_ status: HTTPResponseStatus, _ body: String, fields extra: [(String, String)] = []) {
        phase = .local
        if responseHeadSent {
            abort(closeDownstream: true)
            return
        }
        var fields = extra
        let bodyless = status == .notModified
        if !bodyless {
            fields.append(("Content-Type", "text/plain; charset=utf-8"))
            fields.append(("Content-Length", String(body.utf8.count)))
        }
        closeAfterResponse = !clientKeepAlive || closeWhenDone || mayNotSendBody
        if closeAfterResponse {
            fields.append(("Connection", "close"))
        } else if clientMinorVersion == 0 {
            fields.append(("Connection", "keep-alive"))
        }
        var buffer = context.channel.allocator.buffer(capacity: 256 + body.utf8.count)
        HeaderRewriting.writeLocal(status, clientMinorVersion: clientMinorVersion, fields: fields, into: &buffer)
        if method != .HEAD && !bodyless {
            buffer.writeString(body)
        }
        recordStatus(status.code)
        responseHeadSent = true
        context.write(wrapOutboundOut(buffer), promise: nil)
        writeResponseEnd()
    }

    private func writeResponseEnd() {
        flushPendingResponseHead()
        responseComplete = true
        if closeAfterResponse {
            closeAfterWrites()
            endAccounting()
            phase = .closed
            return
        }
        flushSoon()
        if requestComplete {
            finishRequest()
        }
        // Otherwise keep reading (and discarding) the request body; its end calls `finishRequest`.
        resumeReadingIfPossible()
    }

    /// Both directions of the exchange are done: account, then serve the next request.
    private func finishRequest() {
        endAccounting()
        if closeWhenDone || (inputClosed && inbound.readableBytes == 0) {
            phase = .closed
            closeAfterWrites()
            return
        }
        phase = .idle
        resetRequest()
        // Pipelined requests already read; when this runs inside `processInbound`, its loop goes on.
        processInbound()
        resumeReadingIfPossible()
    }

    /// Closes once everything written so far has gone out (a plain close would drop it).
    private func closeAfterWrites() {
        let context = self.context!
        context.writeAndFlush(wrapOutboundOut(ByteBuffer())).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func endAccounting() {
        guard let metrics else { return }
        self.metrics = nil
        if statusRecorded {
            metrics.recordDuration(nanos: (NIODeadline.now() - startTime).nanoseconds)
        }
        metrics.requestEnded()
    }

    /// Tears the exchange down without a response (client gone, protocol error, mid-response failure).
    /// Answers already written still go out first: flushes wait for the end of the tick, and a
    /// plain close would drop them.
    private func abort(closeDownstream: Bool) {
        detachUpstream(reuse: false)
        stopResponseTimer()
        endAccounting()
        inbound.clear()
        let wasClosed = phase == .closed || phase == .upgraded
        phase = .closed
        requestGeneration &+= 1
        if closeDownstream && !wasClosed {
            closeAfterWrites()
        }
    }

    // MARK: - Protocol upgrade (WebSocket …)

    /// The upstream switched protocols: from now on both connections carry raw bytes. Whatever
    /// either side sent after the handshake is passed on, then a glue pair replaces the handlers.
    private func completeUpgrade(_ handler: UpstreamHandler, switchingHead: ByteBuffer) {
        stopResponseTimer()
        upstream = nil
        handler.owner = nil
        endAccounting()
        phase = .upgraded

        let fromUpstream = handler.takeInbound()
        let fromClient = inbound
        inbound = ByteBuffer()
        context.write(wrapOutboundOut(switchingHead), promise: nil)
        if fromUpstream.readableBytes > 0 { context.write(wrapOutboundOut(fromUpstream), promise: nil) }
        context.flush()
        if fromClient.readableBytes > 0 {
            handler.write(fromClient)
            handler.flush()
        }

        let (downstreamGlue, upstreamGlue) = GlueHandler.matchedPair()
        let downstreamPipeline = context.pipeline.syncOperations
        let upstreamPipeline = handler.context.pipeline.syncOperations
        let downstreamChannel = context.channel
        let upstreamChannel = handler.channel
        do {
            try upstreamPipeline.addHandler(upstreamGlue)
            upstreamPipeline.removeHandler(handler, promise: nil)
            try downstreamPipeline.addHandler(downstreamGlue)
            downstreamPipeline.removeHandler(context: context, promise: nil)
        } catch {
            core.report("upgrade to \(handler.server.upstream) failed: \(error)")
            upstreamChannel.close(promise: nil)
            downstreamChannel.close(promise: nil)
            return
        }
        // Reads held back while the handshake was in flight must be issued again.
        downstreamChannel.read()
        upstreamChannel.read()
    }

    // MARK: - Assets

    private func serveAsset(target: String, ifNoneMatch: String?, prefix: String) {
        guard method == .GET || method == .HEAD else {
            respondLocally(.methodNotAllowed, "method not allowed\n", fields: [("Allow", "GET, HEAD")])
            return
        }
        guard let responder = core.assetResponder, let segments = AssetPath.segments(uri: target, prefix: prefix) else {
            respondLocally(.notFound, "not found\n")
            return
        }
        let roots = core.assetDirectories
        let generation = requestGeneration
        responder.open(segments: segments, roots: roots, eventLoop: context.eventLoop).assumeIsolated().whenComplete {
            result in
            guard generation == self.requestGeneration, self.phase == .local else {
                if case .success(let file?) = result { responder.close(file) }
                return
            }
            switch result {
            case .failure(let error):
                self.core.report("asset \(target): \(error)")
                self.respondLocally(.internalServerError, "internal error\n")
            case .success(nil):
                self.respondLocally(.notFound, "not found\n")
            case .success(let file?):
                self.sendAsset(file, ifNoneMatch: ifNoneMatch, responder: responder)
            }
        }
    }

    private func sendAsset(_ file: AssetFile, ifNoneMatch: String?, responder: AssetResponder) {
        var fields = [
            ("ETag", file.etag),
            ("Last-Modified", AssetPath.httpDate(epochSeconds: file.modifiedSeconds)),
        ]
        if let ifNoneMatch, AssetPath.ifNoneMatch(ifNoneMatch, matches: file.etag) {
            responder.close(file)
            respondLocally(.notModified, "", fields: fields)
            return
        }
        closeAfterResponse = !clientKeepAlive || closeWhenDone
        fields += [
            ("Content-Type", file.contentType),
            ("Content-Length", String(file.size)),
            ("Connection", closeAfterResponse ? "close" : "keep-alive"),
        ]
        recordStatus(200)
        responseHeadSent = true
        var head = context.channel.allocator.buffer(capacity: 256)
        HeaderRewriting.writeLocal(.ok, clientMinorVersion: clientMinorVersion, fields: fields, into: &head)
        context.write(wrapOutboundOut(head), promise: nil)
        if method == .HEAD || file.size == 0 {
            responder.close(file)
            writeResponseEnd()
            return
        }
        context.flush()
        sendAssetChunk(file, offset: 0, responder: responder, generation: requestGeneration)
    }

    /// One chunk at a time: the next read starts when the previous write completed, which bounds
    /// memory per connection to one chunk however slow the client is.
    private func sendAssetChunk(_ file: AssetFile, offset: Int64, responder: AssetResponder, generation: Int) {
        responder.read(file, offset: offset, eventLoop: context.eventLoop).assumeIsolated().whenComplete { result in
            guard generation == self.requestGeneration, self.phase == .local else {
                responder.close(file)
                return
            }
            switch result {
            case .failure(let error):
                responder.close(file)
                self.core.report("asset read: \(error)")
                self.abort(closeDownstream: true)
            case .success(let buffer):
                let next = offset + Int64(buffer.readableBytes)
                self.context.writeAndFlush(self.wrapOutboundOut(buffer)).assumeIsolated().whenComplete {
                    writeResult in
                    guard generation == self.requestGeneration, self.phase == .local, case .success = writeResult else {
                        responder.close(file)
                        return
                    }
                    if next >= file.size {
                        responder.close(file)
                        self.writeResponseEnd()
                    } else {
                        self.sendAssetChunk(file, offset: next, responder: responder, generation: generation)
                    }
                }
            }
        }
    }
}
