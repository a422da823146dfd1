import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
@testable import SlipwayProxy

/// One event loop group for all tests (2 threads, like the target machine).
let testGroup = MultiThreadedEventLoopGroup(numberOfThreads: 2)

/// A running proxy plus teardown.
struct RunningProxy {
    let server: ProxyServer
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    static func start(_ configuration: ProxyConfiguration = ProxyConfiguration()) async throws -> RunningProxy {
        let server = ProxyServer(configuration: configuration, group: testGroup)
        let port = try await server.start()
        return RunningProxy(server: server, port: port)
    }

    func stop() async {
        try? await server.shutdown()
    }
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a command to completion (curl, python3, openssl) without blocking the cooperative pool.
func run(_ arguments: [String], stdin: Data? = nil) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            do {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = arguments
                let out = Pipe(), err = Pipe()
                process.standardOutput = out
                process.standardError = err
                let input = Pipe()
                process.standardInput = input
                try process.run()
                if let stdin { input.fileHandleForWriting.write(stdin) }
                try? input.fileHandleForWriting.close()
                let outData = out.fileHandleForReading.readDataToEndOfFile()
                let errData = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(
                    returning: CommandResult(
                        status: process.terminationStatus,
                        stdout: String(decoding: outData, as: UTF8.self),
                        stderr: String(decoding: errData, as: UTF8.self)
                    )
                )
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

struct CurlResponse {
    var status: Int
    var headers: [String: String]  // lowercased names, last value wins
    var body: String
}

/// curl with `-i`, parsed. Extra arguments go before the URL.
func curl(_ url: String, _ extra: [String] = []) async throws -> CurlResponse {
    let result = try await run(["curl", "-sS", "-i", "--max-time", "20"] + extra + [url])
    guard result.status == 0 else {
        throw TestError("curl \(url) failed (\(result.status)): \(result.stderr)")
    }
    return parseResponse(result.stdout)
}

func parseResponse(_ text: String) -> CurlResponse {
    // Skip interim 1xx responses.
    var rest = Substring(text)
    while true {
        guard let end = rest.range(of: "\r\n\r\n") else { return CurlResponse(status: 0, headers: [:], body: String(rest)) }
        let head = rest[..<end.lowerBound]
        let body = rest[end.upperBound...]
        let lines = head.components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        if status >= 100 && status < 200 && status != 101 {
            rest = body
            continue
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return CurlResponse(status: status, headers: headers, body: String(body))
    }
}

struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func makeTempDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "slipway-proxy-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func residentMemoryBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let digits = line.split(separator: " ").compactMap { Int($0) }
        return (digits.first ?? 0) * 1024
    }
    return 0
}

/// Sends raw bytes and collects everything until the server closes (or the timeout hits).
func rawExchange(port: Int, send: String, halfClose: Bool = false, timeout: TimeAmount = .seconds(5)) async throws -> String {
    let collector = RawCollector()
    let channel = try await ClientBootstrap(group: testGroup)
        .channelOption(.allowRemoteHalfClosure, value: true)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
        }
        .connect(host: "127.0.0.1", port: port).get()
    try await channel.writeAndFlush(ByteBuffer(string: send))
    if halfClose { try await channel.close(mode: .output) }
    let closed = channel.closeFuture
    let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    try? await closed.get()
    timer.cancel()
    return collector.text
}

final class RawCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let received = Mutex<String>("")
    var text: String { received.withLock { $0 } }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        received.withLock { $0 += String(buffer: buffer) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event { context.close(promise: nil) }
    }
}

/// A keep-alive HTTP/1.1 client on one NIO connection: one request at a time.
final class KeepAliveClient: Sendable {
    struct Response: Sendable {
        var status: UInt
        var body: String
    }

    private let channel: Channel
    private let handler: ClientHandler

    private init(channel: Channel, handler: ClientHandler) {
        self.channel = channel
        self.handler = handler
    }

    static func connect(port: Int) async throws -> KeepAliveClient {
        let handler = ClientHandler()
        let channel = try await ClientBootstrap(group: testGroup)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return KeepAliveClient(channel: channel, handler: handler)
    }

    func get(_ path: String) async throws -> Response {
        let promise = channel.eventLoop.makePromise(of: Response.self)
        handler.setPending(promise)
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: "proxy.test")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return try await promise.futureResult.get()
    }

    func close() async {
        try? await channel.close()
    }

    private final class ClientHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPClientResponsePart
        private struct State {
            var pending: EventLoopPromise<Response>?
            var status: UInt = 0
            var body = ""
        }
        private let state = Mutex(State())

        func setPending(_ promise: EventLoopPromise<Response>) {
            state.withLock { $0.pending = promise }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                state.withLock {
                    $0.status = head.status.code
                    $0.body = ""
                }
            case .body(let buffer):
                state.withLock { $0.body += String(buffer: buffer) }
            case .end:
                let (promise, response) = state.withLock { s -> (EventLoopPromise<Response>?, Response) in
                    defer { s.pending = nil }
                    return (s.pending, Response(status: s.status, body: s.body))
                }
                promise?.succeed(response)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.withLock { s in
                s.pending?.fail(TestError("connection closed"))
                s.pending = nil
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            state.withLock { s in
                s.pending?.fail(error)
                s.pending = nil
            }
            context.close(promise: nil)
        }
    }
}

/// Collects messages from `ProxyServer.onError`.
final class ErrorLog: Sendable {
    private let messages = Mutex<[String]>([])
    var all: [String] { messages.withLock { $0 } }
    var hook: @Sendable (String) -> Void { { message in self.messages.withLock { $0.append(message) } } }
}

/// Parses one sample from the Prometheus text, e.g. `slipway_proxy_requests_total{colour="a",code="2xx"}`.
func metricValue(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

/// A Python helper process that prints its listening port on the first line and exits when
/// its stdin closes (so it cannot outlive a crashed test run).
final class PythonHelper: Sendable {
    let port: Int
    private let process: Process
    private let input: Pipe

    private init(port: Int, process: Process, input: Pipe) {
        self.port = port
        self.process = process
        self.input = input
    }

    static func start(script: String, arguments: [String]) async throws -> PythonHelper {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        try process.run()
        let line = await withCheckedContinuation { (c: CheckedContinuation<String, Never>) in
            DispatchQueue.global().async {
                var text = ""
                while !text.contains("\n") {
                    let data = out.fileHandleForReading.availableData
                    if data.isEmpty { break }
                    text += String(decoding: data, as: UTF8.self)
                }
                c.resume(returning: text)
            }
        }
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw TestError("python helper \(script) printed no port: \(line)")
        }
        return PythonHelper(port: port, process: process, input: input)
    }

    func stop() {
        process.terminate()
        try? input.fileHandleForWriting.close()
    }
}

/// A listening socket whose accept queue is full and never drained: connects to it hang,
/// which is how a connect timeout looks without leaving the loopback interface.
let blackholeScript = #"""
import os, socket, sys, threading, time
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(0)
port = ls.getsockname()[1]
fill = []
for _ in range(3):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    fill.append(s)
time.sleep(0.2)
print(port, flush=True)
sys.stdin.read()
"""#
