import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import SlipwayProxy

/// A small NIO HTTP/1.1 server used as the upstream in tests. Behaviour is chosen by path:
/// `/colour` (its name), `/headers` (request headers as lines), `/count` (request body byte
/// count; `?pause=MS` stops reading for a while), `/echo` (streams the body back),
/// `/generate?n=BYTES` (streams BYTES, respecting writability), `/slow?ms=N`, `/hang`,
/// `/close-after` (answers, then closes without warning), `/drop-second` (closes without an
/// answer on the 2nd+ request of a connection), `/chunked` (chunked response).
final class TestUpstream: Sendable {
    struct Stats {
        var connections = 0
        var requests = 0
        var bytesReceived = 0
        var lastHeaders: HTTPHeaders = [:]
    }

    let name: String
    let port: Int
    private let channel: Channel
    private let box: StatsBox
    func withStats<R>(_ body: (inout Stats) -> R) -> R { box.stats.withLock { body(&$0) } }

    private init(name: String, port: Int, channel: Channel, box: StatsBox) {
        self.name = name
        self.port = port
        self.channel = channel
        self.box = box
    }

    var upstream: Upstream { Upstream(host: "127.0.0.1", port: port) }
    var connections: Int { withStats { $0.connections } }
    var requests: Int { withStats { $0.requests } }

    static func start(name: String, group: any EventLoopGroup) async throws -> TestUpstream {
        let box = StatsBox()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 512)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                box.stats.withLock { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false)
                    try channel.pipeline.syncOperations.addHandler(UpstreamTestHandler(name: name, box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestUpstream(name: name, port: channel.localAddress!.port!, channel: channel, box: box)
    }

    func stop() async {
        try? await channel.close()
    }
}

final class StatsBox: Sendable {
    let stats = Mutex(TestUpstream.Stats())
}


private final class UpstreamTestHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let name: String
    let box: StatsBox
    var head: HTTPRequestHead?
    var bodyBytes = 0
    var requestsOnConnection = 0
    var paused = false
    var pendingRead = false
    var echoing = false
    var generateRemaining = 0
    var context: ChannelHandlerContext?

    init(name: String, box: StatsBox) {
        self.name = name
        self.box = box
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func read(context: ChannelHandlerContext) {
        if paused { pendingRead = true } else { context.read() }
    }

    var path: String { head.map { String($0.uri.split(separator: "?").first ?? "") } ?? "" }

    func query(_ key: String) -> Int? {
        guard let uri = head?.uri, let q = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in q.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == key { return Int(kv[1]) }
        }
        return nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            bodyBytes = 0
            requestsOnConnection += 1
            box.stats.withLock {
                $0.requests += 1
                $0.lastHeaders = h.headers
            }
            if path == "/drop-second" && requestsOnConnection >= 2 {
                context.close(promise: nil)
                return
            }
            if path == "/count", let pause = query("pause") {
                paused = true
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(pause))) {
                    self.paused = false
                    if self.pendingRead {
                        self.pendingRead = false
                        context.read()
                    }
                }
            }
            if h.headers["expect"].first?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
            }
            if path == "/echo" {
                echoing = true
                var headers = HTTPHeaders()
                headers.add(name: "Transfer-Encoding", value: "chunked")
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            }
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            box.stats.withLock { $0.bytesReceived += buffer.readableBytes }
            if echoing {
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
        case .end:
            guard let head else { return }
            respond(context: context, head: head)
        }
    }

    func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        switch path {
        case "/echo":
            echoing = false
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case "/colour":
            send(context, .ok, name)
        case "/headers":
            var lines = ""
            for (n, v) in head.headers { lines += "\(n.lowercased()): \(v)\n" }
            send(context, .ok, lines)
        case "/count":
            send(context, .ok, String(bodyBytes))
        case "/slow":
            let ms = Int64(query("ms") ?? 200)
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(ms)) {
                self.send(context, .ok, "slow")
            }
        case "/hang":
            break
        case "/close-after":
            send(context, .ok, "bye", close: true)
        case "/drop-second":
            send(context, .ok, "first")
        case "/chunked":
            var headers = HTTPHeaders()
            headers.add(name: "Transfer-Encoding", value: "chunked")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            if head.method != .HEAD {
                for part in ["one ", "two ", "three"] {
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: part)))), promise: nil)
                }
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case "/generate":
            let n = query("n") ?? 0
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(n))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            generateRemaining = n
            generate(context: context)
        case "/status":
            send(context, HTTPResponseStatus(statusCode: query("code") ?? 200), "status")
        default:
            send(context, .notFound, "no such test path")
        }
    }

    static let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)

    func generate(context: ChannelHandlerContext) {
        while generateRemaining > 0 && context.channel.isWritable {
            var slice = Self.chunk
            if generateRemaining < slice.readableBytes { slice = slice.getSlice(at: 0, length: generateRemaining)! }
            generateRemaining -= slice.readableBytes
            context.write(wrapOutboundOut(.body(.byteBuffer(slice))), promise: nil)
            if generateRemaining == 0 {
                context.write(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
        context.flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable && generateRemaining > 0 { generate(context: context) }
    }

    func send(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ body: String, close: Bool = false) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Content-Type", value: "text/plain")
        headers.add(name: "X-Upstream", value: name)
        headers.add(name: "Keep-Alive", value: "timeout=5")
        headers.add(name: "Connection", value: "keep-alive, X-Private-Hop")
        headers.add(name: "X-Private-Hop", value: "secret")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if head?.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
