/// One entry of a tar archive: its header, with PAX and GNU extensions already applied.
public struct TarEntry: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case regular, hardlink, symlink, characterDevice, blockDevice, directory, fifo
    }

    /// The path inside the archive, as written (no normalisation: extraction checks it).
    public var name: String
    public var kind: Kind
    /// Permission bits, with setuid, setgid and sticky (`0o7777`).
    public var mode: UInt32
    public var uid: Int
    public var gid: Int
    public var userName: String = ""
    public var groupName: String = ""
    /// Size of the content that follows the header; zero for everything but regular files.
    public var size: Int64
    /// Modification time in seconds since the epoch, and its sub-second part when PAX carried one.
    public var modificationTime: Int64
    public var modificationNanoseconds: Int32 = 0
    /// Target of a symlink or hardlink.
    public var linkName: String = ""
    public var deviceMajor: Int = 0
    public var deviceMinor: Int = 0
    /// Extended attributes (`SCHILY.xattr.*` PAX records).
    public var xattrs: [String: [UInt8]] = [:]

    public init(name: String, kind: Kind, mode: UInt32 = 0o644, uid: Int = 0, gid: Int = 0, size: Int64 = 0,
                modificationTime: Int64 = 0, linkName: String = "") {
        self.name = name
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.size = size
        self.modificationTime = modificationTime
        self.linkName = linkName
    }

    var typeFlag: UInt8 {
        switch kind {
        case .regular: UInt8(ascii: "0")
        case .hardlink: UInt8(ascii: "1")
        case .symlink: UInt8(ascii: "2")
        case .characterDevice: UInt8(ascii: "3")
        case .blockDevice: UInt8(ascii: "4")
        case .directory: UInt8(ascii: "5")
        case .fifo: UInt8(ascii: "6")
        }
    }
}

/// The 512-byte ustar header layout and its numeric fields.
/// https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_06
enum TarHeader {
    static let blockSize = 512

    struct Field {
        let offset: Int
        let length: Int
    }

    static let name = Field(offset: 0, length: 100)
    static let mode = Field(offset: 100, length: 8)
    static let uid = Field(offset: 108, length: 8)
    static let gid = Field(offset: 116, length: 8)
    static let size = Field(offset: 124, length: 12)
    static let mtime = Field(offset: 136, length: 12)
    static let checksum = Field(offset: 148, length: 8)
    static let typeFlag = 156
    static let linkName = Field(offset: 157, length: 100)
    static let magic = Field(offset: 257, length: 6)
    static let version = Field(offset: 263, length: 2)
    static let userName = Field(offset: 265, length: 32)
    static let groupName = Field(offset: 297, length: 32)
    static let deviceMajor = Field(offset: 329, length: 8)
    static let deviceMinor = Field(offset: 337, length: 8)
    static let prefix = Field(offset: 345, length: 155)

    /// The largest value an octal field of `length` bytes holds (one byte is kept for the terminator).
    static func maxOctal(_ field: Field) -> Int64 {
        (Int64(1) << (3 * Int64(field.length - 1))) - 1
    }

    static func string(_ block: [UInt8], _ field: Field) -> String {
        let bytes = block[field.offset..<field.offset + field.length]
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// Parses an octal field, or the base-256 form (high bit set) GNU tar and Go use for large values.
    static func number(_ block: [UInt8], _ field: Field) throws -> Int64 {
        let bytes = Array(block[field.offset..<field.offset + field.length])
        if let first = bytes.first, first & 0x80 != 0 {
            // Base-256, two's complement; the first byte's top bit is the marker.
            var value = Int64(first & 0x7f)
            if first & 0x40 != 0 { value -= 0x80 }
            for byte in bytes.dropFirst() {
                guard value.multipliedReportingOverflow(by: 256).overflow == false else {
                    throw ArchiveError.badHeader(offset: 0, reason: "base-256 number overflows")
                }
                value = value * 256 + Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var seenDigit = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                value = value * 8 + Int64(byte - UInt8(ascii: "0"))
                seenDigit = true
            case 0, UInt8(ascii: " "):
                if seenDigit { return value }
            default:
                throw ArchiveError.badHeader(offset: 0, reason: "field at \(field.offset) is not an octal number")
            }
        }
        return value
    }

    static func put(_ value: String, _ field: Field, into block: inout [UInt8]) {
        let bytes = Array(value.utf8.prefix(field.length))
        block.replaceSubrange(field.offset..<field.offset + bytes.count, with: bytes)
    }

    /// Writes `value` as zero-padded octal with a NUL terminator.
    static func putOctal(_ value: Int64, _ field: Field, into block: inout [UInt8]) {
        var digits = String(value, radix: 8)
        digits = String(repeating: "0", count: max(0, field.length - 1 - digits.count)) + digits
        put(digits, field, into: &block)
        block[field.offset + field.length - 1] = 0
    }

    /// Sum of the header bytes with the checksum field counted as spaces, unsigned and (historically) signed.
    static func checksums(_ block: [UInt8]) -> (unsigned: Int64, signed: Int64) {
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (index, byte) in block.enumerated() {
            let value = (checksum.offset..<checksum.offset + checksum.length).contains(index) ? UInt8(ascii: " ") : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        return (unsigned, signed)
    }
}

/// PAX extended header records: `"%d %s=%s\n"` where the length counts the whole record.
enum PAXRecords {
    static func encode(_ records: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (key, value) in records {
            let body = 1 + key.utf8.count + 1 + value.count + 1  // " " key "=" value "\n"
            var length = body + String(body).count
            if String(length).count != String(body).count { length = body + String(length).count }
            out += Array("\(length) \(key)=".utf8) + value + [UInt8(ascii: "\n")]
        }
        return out
    }

    static func decode(_ bytes: [UInt8], entry: String) throws -> [(String, [UInt8])] {
        var records: [(String, [UInt8])] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0 { break }  // some writers pad with NULs
            guard let space = bytes[index...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: bytes[index..<space], as: UTF8.self)),
                  length > space - index, index + length <= bytes.count,
                  bytes[index + length - 1] == UInt8(ascii: "\n"),
                  let equals = bytes[(space + 1)..<(index + length)].firstIndex(of: UInt8(ascii: "="))
            else {
                throw ArchiveError.unsupportedEntry(name: entry, reason: "malformed PAX record at byte \(index)")
            }
            let key = String(decoding: bytes[(space + 1)..<equals], as: UTF8.self)
            records.append((key, Array(bytes[(equals + 1)..<(index + length - 1)])))
            index += length
        }
        return records
    }
}
