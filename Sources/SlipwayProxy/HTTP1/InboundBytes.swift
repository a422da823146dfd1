import NIOCore

/// The bytes a connection has read and not yet used, kept the same way by both sides of the proxy.
extension ByteBuffer {
    /// Adds a read to what is still unread. When everything was used, the read is taken as is (no copy);
    /// otherwise the used bytes are dropped first, so the buffer stays as small as what is unread.
    mutating func appendRead(_ incoming: ByteBuffer) {
        if readableBytes == 0 {
            self = incoming
        } else {
            var incoming = incoming
            discardReadBytes()
            writeBuffer(&incoming)
        }
    }

    /// Lets go of a read buffer that has been used up, so NIO can reuse it for the next read.
    mutating func releaseIfUsedUp() {
        if readableBytes == 0 && capacity > 0 { self = ByteBuffer() }
    }
}
