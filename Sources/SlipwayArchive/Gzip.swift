import CSlipwaySystem

/// Decompresses a gzip stream (RFC 1952) as it is read, including streams of several concatenated members.
/// A stream that ends before the gzip trailer is reported as `truncated`, corrupt data as `corruptGzip`.
public final class GzipReader: ByteReader {
    private let source: any ByteReader
    private let stream: UnsafeMutablePointer<z_stream>
    private var input: [UInt8] = []
    private var inputOffset = 0
    private var finished = false
    private var sawMember = false

    public init(_ source: any ByteReader) throws {
        self.source = source
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: a 32 KiB window and a gzip (not zlib) wrapper.
        let status = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw ArchiveError.corruptGzip("zlib could not start (\(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    public func read(upTo maxLength: Int) throws -> [UInt8] {
        guard !finished, maxLength > 0 else { return [] }
        var output = [UInt8](repeating: 0, count: maxLength)
        var produced = 0
        while produced == 0 {
            if inputOffset == input.count {
                input = try source.read(upTo: streamChunkSize)
                inputOffset = 0
                if input.isEmpty {
                    // End of input: fine between members, an error inside one.
                    if sawMember && stream.pointee.total_in == 0 {
                        finished = true
                        return []
                    }
                    throw ArchiveError.truncated(what: "gzip stream")
                }
            }
            let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer in
                    stream.pointee.next_in = inBuffer.baseAddress! + inputOffset
                    stream.pointee.avail_in = UInt32(inBuffer.count - inputOffset)
                    stream.pointee.next_out = outBuffer.baseAddress! + produced
                    stream.pointee.avail_out = UInt32(maxLength - produced)
                    let status = inflate(stream, Z_NO_FLUSH)
                    inputOffset = inBuffer.count - Int(stream.pointee.avail_in)
                    produced = maxLength - Int(stream.pointee.avail_out)
                    return status
                }
            }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                continue
            case Z_STREAM_END:
                // Another member may follow (as `cat a.gz b.gz` makes); reset and go on.
                sawMember = true
                inflateReset(stream)
                if produced == 0 { continue }
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw ArchiveError.corruptGzip(message)
            }
        }
        output.removeLast(maxLength - produced)
        return output
    }
}

/// Compresses what is written into gzip and passes it on. `finish()` writes the trailer; the header carries
/// no file name and no time, so the same input always gives the same bytes.
public final class GzipWriter: ByteWriter {
    private let sink: any ByteWriter
    private let stream: UnsafeMutablePointer<z_stream>
    private var output = [UInt8](repeating: 0, count: streamChunkSize)
    private var finished = false

    /// `level` is zlib's 1 (fastest) … 9 (smallest); 6 is its default, and what Docker and BuildKit use.
    public init(_ sink: any ByteWriter, level: Int32 = 6) throws {
        self.sink = sink
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                                   Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw ArchiveError.corruptGzip("zlib could not start (\(status))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        precondition(!finished, "write after finish")
        stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(bytes.count)
        try pump(flush: Z_NO_FLUSH)
    }

    /// Flushes what is buffered and writes the gzip trailer.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try pump(flush: Z_FINISH)
    }

    private func pump(flush: Int32) throws {
        while true {
            let (status, produced) = output.withUnsafeMutableBufferPointer { outBuffer in
                stream.pointee.next_out = outBuffer.baseAddress
                stream.pointee.avail_out = UInt32(outBuffer.count)
                let status = deflate(stream, flush)
                return (status, outBuffer.count - Int(stream.pointee.avail_out))
            }
            if produced > 0 {
                try output.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            }
            switch status {
            case Z_STREAM_END: return
            case Z_OK, Z_BUF_ERROR:
                if flush == Z_NO_FLUSH && stream.pointee.avail_in == 0 { return }
                if status == Z_BUF_ERROR && produced == 0 { return }
            default:
                throw ArchiveError.corruptGzip("deflate failed (\(status))")
            }
        }
    }
}
