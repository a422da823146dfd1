import NIOCore
import NIOEmbedded
import Testing
@testable import SlipwayProxy

/// Flushes wait for the end of the event-loop tick (`TickFlusher`). On an `EmbeddedChannel` the
/// tick ends only when the test runs the loop, so what happens in between is under control.
@Suite struct TickFlushTests {
    private func proxiedChannel() throws -> (EmbeddedChannel, EmbeddedEventLoop) {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let core = ProxyCore(configuration: ProxyConfiguration(), assetResponder: nil)
        let pool = UpstreamConnectionPool(
            eventLoop: loop, shardIndex: 0, maxIdlePerUpstream: 1, idleTimeout: .seconds(1), connectTimeout: .seconds(1))
        try channel.pipeline.syncOperations.addHandler(DownstreamHandler(core: core, pool: pool, scheme: "http"))
        return (channel, loop)
    }

    private func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func answersGoOutAtTheEndOfTheTick() throws {
        let (channel, loop) = try proxiedChannel()
        try channel.writeInbound(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(try written(channel).isEmpty, "nothing is flushed before the tick ends")
        loop.run()
        #expect(try written(channel).components(separatedBy: "HTTP/1.1 503").count == 3)
        _ = try? channel.finish()
    }
}
