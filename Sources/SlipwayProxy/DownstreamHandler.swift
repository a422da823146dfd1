import NIOCore
import NIOHTTP1

/// One client connection. Drives each request through: pick an upstream from the live snapshot,
/// take a pooled connection or open one (on this same event loop), stream the request out and
/// the response back, then return the upstream connection to the pool.
///
/// Everything happens in `ChannelHandler` callbacks on the connection's event loop; the paired
/// `UpstreamHandler` calls straight into this object. Per-request state lives in plain stored
/// properties that are reset between requests, so a keep-alive request allocates little beyond
/// what the HTTP codecs need.
///
/// Backpressure: the channels run with autoRead, but this handler (and `UpstreamHandler`)
/// intercept the outbound `read` event and hold it back while the other side is not writable,
/// while connecting, and while a response is pending (which also keeps pipelined requests out).
final class DownstreamHandler: ChannelDuplexHandler, RemovableChannelHandler, NIOScheduledCallbackHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Phase {
        /// Waiting for the next request head.
        case idle
        /// Waiting for a TCP connection to an upstream; body parts are held in `pendingBody`.
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
    private let requestDecoder: ByteToMessageHandler<HTTPRequestDecoder>
    private let responseEncoder: HTTPResponseEncoder
    private var context: ChannelHandlerContext!
    private var clientAddress = "unknown"

    // Connection state
    private var phase = Phase.idle
    private var readPending = false
    /// Parts of pipelined requests that arrived while the previous one was still being answered.
    private var queued: [HTTPServerRequestPart] = []
    /// Close once the current response is done (quiesce, protocol error).
    private var closeWhenDone = false
    /// The client half-closed: finish what was received, then close.
    private var inputClosed = false
    private(set) var downstreamWritable = true
    private var upstreamNeedsFlush = false

    // Request state (reset by `resetRequest`)
    private var requestGeneration = 0
    private var method = HTTPMethod.GET
    private var clientVersion = HTTPVersion.http1_1
    private var clientKeepAlive = true
    private var isUpgrade = false
    private var upstreamHead: HTTPRequestHead?
    private var requestComplete = false
    private var requestTrailers: HTTPHeaders?
    private var responseHeadSent = false
    private var responseComplete = false
    private var closeAfterResponse = false
    private var awaitingUpgradeEnd = false
    private var upstreamKeepAlive = false
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

    init(
        core: ProxyCore,
        pool: UpstreamConnectionPool,
        scheme: String,
        requestDecoder: ByteToMessageHandler<HTTPRequestDecoder>,
        responseEncoder: HTTPResponseEncoder
    ) {
        self.core = core
        self.pool = pool
        self.scheme = scheme
        self.requestDecoder = requestDecoder
        self.responseEncoder = responseEncoder
    }

    // MARK: - Inbound from the client

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let address = context.channel.remoteAddress?.ipAddress { clientAddress = address }
        downstreamWritable = context.channel.isWritable
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if queued.isEmpty && canTakePart {
            handleRequestPart(part)
        } else if phase != .closed && phase != .upgraded {
            // Pipelined: kept (in order) until the current response is done.
            queued.append(part)
            drainQueue()
        }
    }

    /// Whether an incoming part belongs to the current exchange (or starts a new one).
    private var canTakePart: Bool {
        switch phase {
        case .idle: true
        case .connecting, .proxying, .local: !requestComplete
        case .upgraded, .closed: false
        }
    }

    private var draining = false

    private func drainQueue() {
        guard !draining else { return }
        draining = true
        defer { draining = false }
        while !queued.isEmpty && canTakePart {
            handleRequestPart(queued.removeFirst())
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if upstreamNeedsFlush {
            upstreamNeedsFlush = false
            upstream?.flush()
        }
        context.fireChannelReadComplete()
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
            // requests already queued), then close. An unfinished request can never finish.
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
        if error is HTTPParserError, !responseHeadSent, phase == .idle || phase == .local {
            // Malformed request: answer 400 and close (the decoder cannot resync).
            closeWhenDone = true
            if phase == .idle {
                resetRequest()
                startTime = .now()
                metrics = core.metrics.unrouted.shard(pool.shardIndex)
                metrics?.requestStarted()
            }
            requestComplete = true
            respondLocally(.badRequest, "bad request\n")
            return
        }
        if !(error is IOError) {
            core.report("downstream \(clientAddress): \(error)")
        }
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

    /// Once the request is complete we keep reading until a pipelined part shows up: holding the
    /// read would make NIO drop and re-add the socket's epoll interest on every request (two
    /// syscalls each), and reading also notices a client that gives up while we wait.
    private var shouldRead: Bool {
        switch phase {
        case .idle:
            return true
        case .upgraded, .closed:
            return false
        case .connecting:
            return requestComplete && queued.isEmpty
        case .local:
            return requestComplete ? queued.isEmpty : true
        case .proxying:
            if requestComplete { return queued.isEmpty }
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

    private func handleRequestPart(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            if phase == .idle {
                startRequest(head)
            }
        case .body(let buffer):
            switch phase {
            case .connecting:
                pendingBody.append(buffer)
            case .proxying:
                if let upstream, !responseComplete {
                    upstream.write(.body(.byteBuffer(buffer)))
                    remember(buffer)
                    upstreamNeedsFlush = true
                }
            case .idle, .local, .upgraded, .closed:
                break
            }
        case .end(let trailers):
            requestComplete = true
            requestTrailers = trailers
            switch phase {
            case .proxying:
                if let upstream, !responseComplete {
                    upstream.write(.end(trailers))
                    upstreamNeedsFlush = false
                    upstream.flush()
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
    }

    // MARK: - Request lifecycle

    private func resetRequest() {
        requestGeneration &+= 1
        isUpgrade = false
        upstreamHead = nil
        requestComplete = false
        requestTrailers = nil
        responseHeadSent = false
        responseComplete = false
        closeAfterResponse = false
        awaitingUpgradeEnd = false
        upstreamKeepAlive = false
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

    private func startRequest(_ head: HTTPRequestHead) {
        resetRequest()
        startTime = .now()
        method = head.method
        clientVersion = head.version
        clientKeepAlive = head.isKeepAlive && !closeWhenDone

        if let prefix = core.assetsPrefix, AssetPath.matches(uri: head.uri, prefix: prefix) {
            phase = .local
            metrics = core.metrics.assets.shard(pool.shardIndex)
            metrics?.requestStarted()
            serveAsset(head, prefix: prefix)
            return
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

        isUpgrade = HeaderRewriting.isUpgradeRequest(head.headers)
        if isUpgrade {
            // The request decoder stops parsing after an upgrade request, so unless the upstream
            // agrees to switch, this connection cannot carry another request.
            clientKeepAlive = false
        }
        var rewritten = head
        HeaderRewriting.rewriteRequest(&rewritten, clientAddress: clientAddress, scheme: scheme, isUpgrade: isUpgrade)
        upstreamHead = rewritten
        replayable = RetryPolicy.isIdempotent(head.method)
        roundRobinStart = pool.nextRoundRobinStart()
        tryNextServer()
    }

    /// Round-robin over the snapshot, skipping servers this request already failed on.
    private func tryNextServer() {
        guard let snapshot, attempts < snapshot.servers.count,
            let index = snapshot.pick(start: roundRobinStart, excluded: excluded, now: .now())
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
        if let head = upstreamHead {
            handler.write(.head(head))
        }
        if !pendingBody.isEmpty {
            let body = pendingBody
            pendingBody.removeAll()
            for buffer in body {
                handler.write(.body(.byteBuffer(buffer)))
                remember(buffer)
            }
        }
        if requestComplete {
            handler.write(.end(requestTrailers))
            armResponseTimer()
        }
        handler.flush()
        upstreamNeedsFlush = false
        resumeReadingIfPossible()
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

    func upstreamRead(_ part: HTTPClientResponsePart, from handler: UpstreamHandler) {
        guard handler === upstream else { return }
        switch part {
        case .head(let head):
            upstreamResponded = true
            let code = head.status.code
            if code >= 100 && code < 200 && code != 101 {
                // Interim response (100 Continue …): pass on to HTTP/1.1 clients, wait for the final one.
                if clientVersion.minor >= 1 {
                    var interim = head
                    HeaderRewriting.removeHopByHop(&interim.headers)
                    context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
                }
                return
            }
            cancelResponseTimer()
            if code == 101 && isUpgrade {
                var switching = head
                HeaderRewriting.rewriteUpgradeResponse(&switching)
                recordStatus(101)
                responseHeadSent = true
                awaitingUpgradeEnd = true
                context.write(wrapOutboundOut(.head(switching)), promise: nil)
                return
            }
            var response = head
            let plan = HeaderRewriting.rewriteResponse(
                &response,
                requestMethod: method,
                clientVersion: clientVersion,
                keepAlive: clientKeepAlive && !closeWhenDone
            )
            closeAfterResponse = plan.closeDelimited || !clientKeepAlive || closeWhenDone
            upstreamKeepAlive = head.isKeepAlive && code != 101
            recordStatus(code)
            responseHeadSent = true
            context.write(wrapOutboundOut(.head(response)), promise: nil)
        case .body(let buffer):
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            if awaitingUpgradeEnd {
                completeUpgrade()
                return
            }
            // Reusable only after a clean exchange: whole request sent, both sides keep-alive.
            detachUpstream(reuse: upstreamKeepAlive && requestComplete)
            writeResponseEnd(trailers)
        }
    }

    func upstreamReadComplete() {
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

    private func recordStatus(_ code: UInt) {
        guard !statusRecorded else { return }
        statusRecorded = true
        metrics?.recordStatus(code)
    }

    /// A small response generated by the proxy (errors, 304, asset errors).
    private func respondLocally(_ status: HTTPResponseStatus, _ body: String, headers extra: HTTPHeaders = [:]) {
        phase = .local
        if responseHeadSent {
            abort(closeDownstream: true)
            return
        }
        var headers = extra
        let bodyless = status == .notModified
        if !bodyless {
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
        }
        closeAfterResponse = !clientKeepAlive || closeWhenDone
        if closeAfterResponse {
            headers.add(name: "Connection", value: "close")
        } else if clientVersion.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let version: HTTPVersion = clientVersion.minor == 0 ? .http1_0 : .http1_1
        recordStatus(status.code)
        responseHeadSent = true
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if method != .HEAD && !bodyless {
            var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
            buffer.writeString(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        writeResponseEnd(nil)
    }

    private func writeResponseEnd(_ trailers: HTTPHeaders?) {
        responseComplete = true
        if closeAfterResponse {
            let context = self.context!
            context.writeAndFlush(wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            endAccounting()
            phase = .closed
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
        if requestComplete {
            finishRequest()
        }
        // Otherwise keep reading (and discarding) the request body; `.end` calls `finishRequest`.
        resumeReadingIfPossible()
    }

    /// Both directions of the exchange are done: account, then serve the next request.
    private func finishRequest() {
        endAccounting()
        if closeWhenDone || (inputClosed && queued.isEmpty) {
            phase = .closed
            context.close(promise: nil)
            return
        }
        phase = .idle
        resetRequest()
        drainQueue()
        if inputClosed && (phase == .idle || !requestComplete) {
            abort(closeDownstream: true)  // the rest of a pipelined request will never come
            return
        }
        resumeReadingIfPossible()
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
    private func abort(closeDownstream: Bool) {
        detachUpstream(reuse: false)
        stopResponseTimer()
        endAccounting()
        queued.removeAll()
        let wasClosed = phase == .closed || phase == .upgraded
        phase = .closed
        requestGeneration &+= 1
        if closeDownstream && !wasClosed {
            context.close(promise: nil)
        }
    }

    // MARK: - Protocol upgrade (WebSocket …)

    /// The upstream answered 101 and its decoder has delivered `.end`: from now on both
    /// connections carry raw bytes. Swap the HTTP handlers of both pipelines for a glue pair.
    private func completeUpgrade() {
        guard let handler = upstream else {
            abort(closeDownstream: true)
            return
        }
        stopResponseTimer()
        upstream = nil
        handler.owner = nil
        endAccounting()
        phase = .upgraded
        context.flush()

        let (downstreamGlue, upstreamGlue) = GlueHandler.matchedPair()
        let downstreamPipeline = context.pipeline.syncOperations
        let upstreamPipeline = handler.context.pipeline.syncOperations
        let downstreamChannel = context.channel
        let upstreamChannel = handler.channel
        do {
            // Glue first, then drop our handler, then the codecs: bytes the decoders still hold
            // (sent right after the handshake) are forwarded into the glue, not into HTTP handlers.
            // A decoder hands over its leftovers asynchronously, outside any read cycle, so no
            // `channelReadComplete` follows: flush the receiving side once it is done.
            try upstreamPipeline.addHandler(upstreamGlue)
            upstreamPipeline.removeHandler(handler, promise: nil)
            upstreamPipeline.removeHandler(handler.responseDecoder).whenComplete { _ in downstreamChannel.flush() }
            upstreamPipeline.removeHandler(handler.requestEncoder, promise: nil)

            try downstreamPipeline.addHandler(downstreamGlue)
            downstreamPipeline.removeHandler(context: context, promise: nil)
            downstreamPipeline.removeHandler(requestDecoder).whenComplete { _ in upstreamChannel.flush() }
            downstreamPipeline.removeHandler(responseEncoder, promise: nil)
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

    private func serveAsset(_ head: HTTPRequestHead, prefix: String) {
        guard method == .GET || method == .HEAD else {
            respondLocally(.methodNotAllowed, "method not allowed\n", headers: ["Allow": "GET, HEAD"])
            return
        }
        guard let responder = core.assetResponder, let segments = AssetPath.segments(uri: head.uri, prefix: prefix) else {
            respondLocally(.notFound, "not found\n")
            return
        }
        let roots = core.assetDirectories
        let ifNoneMatch = head.headers.first(name: "if-none-match")
        let generation = requestGeneration
        responder.open(segments: segments, roots: roots, eventLoop: context.eventLoop).assumeIsolated().whenComplete {
            result in
            guard generation == self.requestGeneration, self.phase == .local else {
                if case .success(let file?) = result { responder.close(file) }
                return
            }
            switch result {
            case .failure(let error):
                self.core.report("asset \(head.uri): \(error)")
                self.respondLocally(.internalServerError, "internal error\n")
            case .success(nil):
                self.respondLocally(.notFound, "not found\n")
            case .success(let file?):
                self.sendAsset(file, ifNoneMatch: ifNoneMatch, responder: responder)
            }
        }
    }

    private func sendAsset(_ file: AssetFile, ifNoneMatch: String?, responder: AssetResponder) {
        var headers = HTTPHeaders()
        headers.add(name: "ETag", value: file.etag)
        headers.add(name: "Last-Modified", value: AssetPath.httpDate(epochSeconds: file.modifiedSeconds))
        if let ifNoneMatch, AssetPath.ifNoneMatch(ifNoneMatch, matches: file.etag) {
            responder.close(file)
            respondLocally(.notModified, "", headers: headers)
            return
        }
        headers.add(name: "Content-Type", value: file.contentType)
        headers.add(name: "Content-Length", value: String(file.size))
        closeAfterResponse = !clientKeepAlive || closeWhenDone
        headers.add(name: "Connection", value: closeAfterResponse ? "close" : "keep-alive")
        recordStatus(200)
        responseHeadSent = true
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: clientVersion.minor == 0 ? .http1_0 : .http1_1, status: .ok, headers: headers))),
            promise: nil
        )
        if method == .HEAD || file.size == 0 {
            responder.close(file)
            writeResponseEnd(nil)
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
                self.context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(buffer)))).assumeIsolated().whenComplete {
                    writeResult in
                    guard generation == self.requestGeneration, self.phase == .local, case .success = writeResult else {
                        responder.close(file)
                        return
                    }
                    if next >= file.size {
                        responder.close(file)
                        self.writeResponseEnd(nil)
                    } else {
                        self.sendAssetChunk(file, offset: next, responder: responder, generation: generation)
                    }
                }
            }
        }
    }
}
