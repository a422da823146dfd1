import CSlipwaySystem
import Foundation

/// Why a zip archive or one of its entries could not be read.
public enum ZipError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No end-of-central-directory record: not a zip archive, or one cut off before its end.
    case notAZip(String)
    case truncated(String)
    case corrupt(String)
    case unsupported(entry: String, reason: String)
    /// The entry inflates to more than the caller's limit (a zip bomb, or just too big to read here).
    case tooLarge(entry: String, size: UInt64, limit: Int)
    case checksumMismatch(entry: String, expected: UInt32, actual: UInt32)

    /// A message for a report.
    public var description: String {
        switch self {
        case .notAZip(let reason):
            return "not a zip archive: \(reason)"
        case .truncated(let what):
            return "truncated zip archive: \(what)"
        case .corrupt(let what):
            return "corrupt zip archive: \(what)"
        case .unsupported(let entry, let reason):
            return "zip entry '\(entry)': \(reason)"
        case .tooLarge(let entry, let size, let limit):
            return "zip entry '\(entry)' is \(size) bytes uncompressed, over the limit of \(limit)"
        case .checksumMismatch(let entry, let expected, let actual):
            return "zip entry '\(entry)': CRC-32 is \(hex(actual)), the archive says \(hex(expected))"
        }
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// One file or directory of a zip archive, as its central directory describes it.
/// `name` is exactly what the archive says (it may hold "../" or start with "/"): never use it as a path.
public struct ZipEntry: Hashable, Sendable {
    /// The name as stored (UTF-8, or CP437 read as Latin-1).
    public var name: String
    /// 0 stored, 8 deflated; others are listed but cannot be read.
    public var method: UInt16
    /// General purpose flags: bit 0 encrypted, bit 3 data descriptor, bit 11 UTF-8 name.
    public var flags: UInt16
    /// CRC-32 of the uncompressed data.
    public var crc32: UInt32
    /// Bytes of data in the archive (ZIP64 sizes included).
    public var compressedSize: UInt64
    /// Bytes once inflated, as the central directory says.
    public var uncompressedSize: UInt64
    /// Where the entry's local header starts in the archive's data (already corrected for data before the zip,
    /// as in self-extracting archives and executable jars).
    public var localHeaderOffset: UInt64
    /// Upper 16 bits: Unix mode, for archives made on Unix.
    public var externalAttributes: UInt32

    /// Directories are entries whose name ends with "/".
    public var isDirectory: Bool { name.hasSuffix("/") }
    /// Encrypted entries cannot be read.
    public var isEncrypted: Bool { flags & 1 != 0 }
}

/// A zip archive read from memory: the central directory is parsed once; entries are inflated on demand,
/// straight from the archive's bytes (no copy of the archive per entry). ZIP64 sizes and offsets are supported;
/// spanned archives and encrypted entries are not.
public struct ZipArchive: Sendable {
    /// The whole archive.
    public let data: Data
    /// Entries in central directory order.
    public private(set) var entries: [ZipEntry]
    /// The archive comment.
    public private(set) var comment: String
    /// Index of the first entry of each name.
    private let positions: [String: Int]

    /// Reads the central directory. Throws `ZipError` when it cannot be found or does not fit in `data`.
    public init(data: Data) throws {
        self.data = data
        (entries, comment) = try data.withUnsafeBytes { raw in try ZipArchive.readDirectory(raw) }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() where positions[entry.name] == nil {
            positions[entry.name] = index
        }
        self.positions = positions
    }

    /// The first entry with exactly this name.
    public func entry(named name: String) -> ZipEntry? {
        positions[name].map { entries[$0] }
    }

    /// The uncompressed bytes of `entry`, checked against its CRC-32. Throws `tooLarge` before inflating when the
    /// entry says it is bigger than `limit`, and stops inflating when the data would exceed what the entry says.
    public func contents(of entry: ZipEntry, limit: Int) throws -> Data {
        guard entry.uncompressedSize <= UInt64(max(0, limit)), entry.uncompressedSize < UInt64(Int.max / 2) else {
            throw ZipError.tooLarge(entry: entry.name, size: entry.uncompressedSize, limit: limit)
        }
        guard !entry.isEncrypted else { throw ZipError.unsupported(entry: entry.name, reason: "it is encrypted") }
        let size = Int(entry.uncompressedSize)
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Data in
            let start = try ZipArchive.dataStart(of: entry, in: raw)
            guard entry.compressedSize <= UInt64(raw.count - start) else {
                throw ZipError.truncated("entry '\(entry.name)' needs \(entry.compressedSize) bytes of data, "
                    + "the archive ends \(raw.count - start) bytes after its header")
            }
            let input = UnsafeRawBufferPointer(rebasing: raw[start..<(start + Int(entry.compressedSize))])
            let output: Data
            switch entry.method {
            case 0:
                guard entry.compressedSize == entry.uncompressedSize else {
                    throw ZipError.corrupt("stored entry '\(entry.name)' has compressed size \(entry.compressedSize) "
                        + "but uncompressed size \(entry.uncompressedSize)")
                }
                output = Data(input)
            case 8:
                output = try ZipArchive.inflate(input, expected: size, name: entry.name)
            default:
                throw ZipError.unsupported(entry: entry.name, reason: "compression method \(entry.method)")
            }
            let actual = ZipArchive.crc(output)
            guard actual == entry.crc32 else {
                throw ZipError.checksumMismatch(entry: entry.name, expected: entry.crc32, actual: actual)
            }
            return output
        }
    }

    // MARK: - Central directory

    private static let endOfDirectorySignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let directoryEntrySignature: UInt32 = 0x0201_4B50
    private static let localHeaderSignature: UInt32 = 0x0403_4B50

    private static func readDirectory(_ raw: UnsafeRawBufferPointer) throws -> ([ZipEntry], String) {
        let count = raw.count
        guard count >= 22 else { throw ZipError.notAZip("\(count) bytes is too short for a zip archive") }
        // The end record is 22 bytes plus a comment of up to 65535: search backwards from the end.
        var endRecord = -1
        var position = count - 22
        let lowest = max(0, count - 22 - 0xFFFF)
        while position >= lowest {
            if raw.le32(position) == endOfDirectorySignature,
                position + 22 + Int(raw.le16(position + 20)) <= count
            {
                endRecord = position
                break
            }
            position -= 1
        }
        guard endRecord >= 0 else {
            throw ZipError.notAZip("no end of central directory record (a truncated download?)")
        }
        let commentLength = Int(raw.le16(endRecord + 20))
        let commentStart = endRecord + 22
        let comment = decodeName(UnsafeRawBufferPointer(rebasing: raw[commentStart..<(commentStart + commentLength)]),
                                 utf8: false)
        var entryCount = UInt64(raw.le16(endRecord + 10))
        var directorySize = UInt64(raw.le32(endRecord + 12))
        var directoryOffset = UInt64(raw.le32(endRecord + 16))
        let directoryDisk = raw.le16(endRecord + 6)
        var directoryEnd = endRecord

        // ZIP64: a locator 20 bytes before the end record points to the ZIP64 end record.
        if endRecord >= 20, raw.le32(endRecord - 20) == zip64LocatorSignature {
            let recorded = raw.le64(endRecord - 20 + 8)
            let latest = endRecord - 20 - 56  // a ZIP64 end record is at least 56 bytes
            var record = -1
            if latest >= 0, recorded <= UInt64(latest), raw.le32(Int(recorded)) == zip64EndSignature {
                record = Int(recorded)
            } else if latest >= 0, raw.le32(latest) == zip64EndSignature {
                record = latest  // data was put before the archive: the record sits right before the locator
            }
            guard record >= 0 else { throw ZipError.corrupt("ZIP64 locator points to no ZIP64 end record") }
            entryCount = raw.le64(record + 32)
            directorySize = raw.le64(record + 40)
            directoryOffset = raw.le64(record + 48)
            directoryEnd = record
        } else if directoryDisk != 0 {
            throw ZipError.unsupported(entry: "", reason: "archive spans several disks")
        }
        guard directorySize <= UInt64(directoryEnd), directoryOffset <= UInt64(directoryEnd) else {
            throw ZipError.truncated("the central directory (\(directorySize) bytes at \(directoryOffset)) does not "
                + "fit before the end record at \(directoryEnd)")
        }
        // Bytes before the archive (a self-extractor stub, a launch script) shift every offset by `base`.
        let base = directoryEnd - Int(directorySize) - Int(directoryOffset)
        guard base >= 0 else {
            throw ZipError.truncated("the central directory should start at \(directoryOffset) but the archive "
                + "has only \(directoryEnd - Int(directorySize)) bytes before it")
        }
        guard entryCount <= directorySize / 46 else {
            throw ZipError.corrupt("\(entryCount) entries cannot fit in a \(directorySize)-byte central directory")
        }
        var entries: [ZipEntry] = []
        entries.reserveCapacity(Int(entryCount))
        var cursor = base + Int(directoryOffset)
        let end = cursor + Int(directorySize)
        for index in 0..<Int(entryCount) {
            guard cursor + 46 <= end else {
                throw ZipError.truncated("central directory ends after \(index) of \(entryCount) entries")
            }
            guard raw.le32(cursor) == directoryEntrySignature else {
                throw ZipError.corrupt("central directory entry \(index) at \(cursor) has a bad signature")
            }
            let flags = raw.le16(cursor + 8)
            let method = raw.le16(cursor + 10)
            let crc = raw.le32(cursor + 16)
            var compressed = UInt64(raw.le32(cursor + 20))
            var uncompressed = UInt64(raw.le32(cursor + 24))
            let nameLength = Int(raw.le16(cursor + 28))
            let extraLength = Int(raw.le16(cursor + 30))
            let commentLength = Int(raw.le16(cursor + 32))
            let attributes = raw.le32(cursor + 38)
            var offset = UInt64(raw.le32(cursor + 42))
            let variable = cursor + 46
            guard variable + nameLength + extraLength + commentLength <= end else {
                throw ZipError.truncated("central directory entry \(index) runs past the directory's end")
            }
            let name = decodeName(UnsafeRawBufferPointer(rebasing: raw[variable..<(variable + nameLength)]),
                                  utf8: flags & 0x0800 != 0)
            // ZIP64 extended information (extra field 0x0001) holds the 32-bit fields that are all ones.
            var extra = variable + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = raw.le16(extra)
                let size = Int(raw.le16(extra + 2))
                let fieldEnd = extra + 4 + size
                guard fieldEnd <= extraEnd else { break }
                if id == 0x0001 {
                    var field = extra + 4
                    func next() throws -> UInt64 {
                        guard field + 8 <= fieldEnd else {
                            throw ZipError.corrupt("entry '\(name)': ZIP64 extra field is too short")
                        }
                        defer { field += 8 }
                        return raw.le64(field)
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if offset == 0xFFFF_FFFF { offset = try next() }
                }
                extra = fieldEnd
            }
            guard offset <= UInt64(count), compressed <= UInt64(count), uncompressed <= UInt64(Int.max / 2) else {
                throw ZipError.corrupt("entry '\(name)' has an impossible size or offset")
            }
            entries.append(ZipEntry(
                name: name, method: method, flags: flags, crc32: crc, compressedSize: compressed,
                uncompressedSize: uncompressed, localHeaderOffset: offset + UInt64(base),
                externalAttributes: attributes))
            cursor = variable + nameLength + extraLength + commentLength
        }
        return (entries, comment)
    }

    /// Where the entry's data starts: after its local header, whose name and extra lengths may differ from the
    /// central directory's.
    private static func dataStart(of entry: ZipEntry, in raw: UnsafeRawBufferPointer) throws -> Int {
        guard entry.localHeaderOffset <= UInt64(raw.count) else {
            throw ZipError.truncated("local header of '\(entry.name)' at \(entry.localHeaderOffset) is past the end")
        }
        let header = Int(entry.localHeaderOffset)
        guard header + 30 <= raw.count else {
            throw ZipError.truncated("local header of '\(entry.name)' at \(header) is past the end")
        }
        guard raw.le32(header) == localHeaderSignature else {
            throw ZipError.corrupt("local header of '\(entry.name)' at \(header) has a bad signature")
        }
        let start = header + 30 + Int(raw.le16(header + 26)) + Int(raw.le16(header + 28))
        guard start <= raw.count else { throw ZipError.truncated("local header of '\(entry.name)' is cut off") }
        return start
    }

    /// Names are UTF-8 when flag bit 11 says so or when they decode as UTF-8; else CP437, read here as Latin-1.
    private static func decodeName(_ bytes: UnsafeRawBufferPointer, utf8: Bool) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return String(bytes.map { Character(Unicode.Scalar($0)) })
    }

    // MARK: - Inflate

    /// Raw deflate (no zlib header), producing exactly `expected` bytes.
    private static func inflate(_ input: UnsafeRawBufferPointer, expected: Int, name: String) throws -> Data {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        // -15: a 32 KiB window and no zlib wrapper, as zip stores deflate data.
        guard inflateInit2_(stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ZipError.unsupported(entry: name, reason: "zlib could not start inflating")
        }
        defer { inflateEnd(stream) }
        // One byte more than expected, so that data which inflates to more than the entry says is caught.
        var output = Data(count: expected + 1)
        let produced: Int = try output.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) -> Int in
            var consumed = 0
            var produced = 0
            let chunk = Int(UInt32.max)
            while true {
                let inputBase = input.baseAddress.map {
                    UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: UInt8.self))
                }
                stream.pointee.next_in = inputBase.map { $0 + consumed }
                let availableIn = min(input.count - consumed, chunk)
                stream.pointee.avail_in = UInt32(availableIn)
                stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: UInt8.self).advanced(by: produced)
                let availableOut = min(out.count - produced, chunk)
                stream.pointee.avail_out = UInt32(availableOut)
                let status = CSlipwaySystem.inflate(stream, Z_NO_FLUSH)
                consumed += availableIn - Int(stream.pointee.avail_in)
                produced += availableOut - Int(stream.pointee.avail_out)
                if produced > expected {
                    throw ZipError.corrupt("entry '\(name)' inflates to more than the \(expected) bytes it declares")
                }
                switch status {
                case Z_STREAM_END:
                    return produced
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    if consumed >= input.count {
                        throw ZipError.truncated("deflate data of '\(name)' ends early")
                    }
                    continue
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw ZipError.corrupt("entry '\(name)': \(message)")
                }
            }
        }
        guard produced == expected else {
            throw ZipError.corrupt("entry '\(name)' inflates to \(produced) bytes but declares \(expected)")
        }
        output.count = produced
        return output
    }

    static func crc(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> UInt32 in
            var value = crc32(0, nil, 0)
            var offset = 0
            while offset < raw.count {
                let length = min(raw.count - offset, Int(UInt32.max))
                value = crc32(value, raw.baseAddress?.assumingMemoryBound(to: UInt8.self).advanced(by: offset),
                              UInt32(length))
                offset += length
            }
            return UInt32(truncatingIfNeeded: value)
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Little-endian integers at a byte offset; callers check bounds first.
    func le16(_ offset: Int) -> UInt16 {
        UInt16(self[offset]) | UInt16(self[offset + 1]) << 8
    }

    func le32(_ offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
            | UInt32(self[offset + 3]) << 24
    }

    func le64(_ offset: Int) -> UInt64 {
        UInt64(le32(offset)) | UInt64(le32(offset + 4)) << 32
    }
}
