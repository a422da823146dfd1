/// Writes a tar stream: ustar headers, with a PAX extended header whenever a value does not fit ustar
/// (long or non-ASCII names and link targets, sizes of 8 GiB and more, large ids, sub-second times, xattrs).
/// Nothing host-specific is written: no atime/ctime, and user and group names only when the entry has them.
public final class TarWriter {
    private let sink: any ByteWriter
    private var remaining: Int64 = 0
    private var padding = 0
    private var currentName = ""

    public init(_ sink: any ByteWriter) { self.sink = sink }

    /// Writes an entry's header; a regular file's `size` bytes must follow through `writeContent`.
    public func append(_ entry: TarEntry) throws {
        try closeEntry()
        var name = entry.name
        if entry.kind == .directory, !name.hasSuffix("/") { name += "/" }

        var records: [(String, [UInt8])] = []
        var block = [UInt8](repeating: 0, count: TarHeader.blockSize)

        if let (prefix, suffix) = Self.splitUSTAR(name) {
            TarHeader.put(suffix, TarHeader.name, into: &block)
            TarHeader.put(prefix, TarHeader.prefix, into: &block)
        } else {
            records.append(("path", Array(name.utf8)))
            TarHeader.put(Self.asciiPrefix(name, 100), TarHeader.name, into: &block)
        }
        if entry.linkName.utf8.count > 100 || !Self.isASCII(entry.linkName) {
            records.append(("linkpath", Array(entry.linkName.utf8)))
            TarHeader.put(Self.asciiPrefix(entry.linkName, 100), TarHeader.linkName, into: &block)
        } else {
            TarHeader.put(entry.linkName, TarHeader.linkName, into: &block)
        }

        let size = entry.kind == .regular ? entry.size : 0
        func numeric(_ value: Int64, _ field: TarHeader.Field, _ key: String) {
            if value >= 0, value <= TarHeader.maxOctal(field) {
                TarHeader.putOctal(value, field, into: &block)
            } else {
                records.append((key, Array(String(value).utf8)))
                TarHeader.putOctal(0, field, into: &block)
            }
        }
        TarHeader.putOctal(Int64(entry.mode & 0o7777), TarHeader.mode, into: &block)
        numeric(Int64(entry.uid), TarHeader.uid, "uid")
        numeric(Int64(entry.gid), TarHeader.gid, "gid")
        numeric(size, TarHeader.size, "size")
        numeric(entry.modificationTime, TarHeader.mtime, "mtime")
        if entry.modificationNanoseconds != 0 {
            records.removeAll { $0.0 == "mtime" }
            let fraction = String(entry.modificationNanoseconds)
            let padded = String(repeating: "0", count: 9 - fraction.count) + fraction
            records.append(("mtime", Array("\(entry.modificationTime).\(padded)".utf8)))
        }
        block[TarHeader.typeFlag] = entry.typeFlag
        TarHeader.put("ustar", TarHeader.magic, into: &block)
        TarHeader.put("00", TarHeader.version, into: &block)
        for (value, field, key) in [(entry.userName, TarHeader.userName, "uname"),
                                    (entry.groupName, TarHeader.groupName, "gname")] {
            if value.utf8.count > field.length || !Self.isASCII(value) {
                records.append((key, Array(value.utf8)))
            } else {
                TarHeader.put(value, field, into: &block)
            }
        }
        if entry.kind == .characterDevice || entry.kind == .blockDevice {
            guard Int64(entry.deviceMajor) <= TarHeader.maxOctal(TarHeader.deviceMajor),
                  Int64(entry.deviceMinor) <= TarHeader.maxOctal(TarHeader.deviceMinor) else {
                throw ArchiveError.fieldTooLarge(name: entry.name, field: "device number")
            }
            TarHeader.putOctal(Int64(entry.deviceMajor), TarHeader.deviceMajor, into: &block)
            TarHeader.putOctal(Int64(entry.deviceMinor), TarHeader.deviceMinor, into: &block)
        }
        for key in entry.xattrs.keys.sorted() {
            records.append(("SCHILY.xattr." + key, entry.xattrs[key]!))
        }

        if !records.isEmpty {
            records.sort { $0.0 < $1.0 }
            let data = PAXRecords.encode(records)
            var pax = [UInt8](repeating: 0, count: TarHeader.blockSize)
            let leaf = name.split(separator: "/").last.map(String.init) ?? "entry"
            TarHeader.put(Self.asciiPrefix("PaxHeaders/" + leaf, 100), TarHeader.name, into: &pax)
            TarHeader.putOctal(0o644, TarHeader.mode, into: &pax)
            TarHeader.putOctal(0, TarHeader.uid, into: &pax)
            TarHeader.putOctal(0, TarHeader.gid, into: &pax)
            TarHeader.putOctal(Int64(data.count), TarHeader.size, into: &pax)
            TarHeader.putOctal(0, TarHeader.mtime, into: &pax)
            pax[TarHeader.typeFlag] = UInt8(ascii: "x")
            TarHeader.put("ustar", TarHeader.magic, into: &pax)
            TarHeader.put("00", TarHeader.version, into: &pax)
            try writeBlock(&pax)
            try sink.write(data)
            try sink.write(Self.zeros(Self.paddingFor(Int64(data.count))))
        }
        try writeBlock(&block)
        remaining = size
        padding = Self.paddingFor(size)
        currentName = entry.name
    }

    /// Writes part of the current regular file's content.
    public func writeContent(_ bytes: UnsafeRawBufferPointer) throws {
        guard Int64(bytes.count) <= remaining else {
            throw ArchiveError.unsupportedEntry(name: currentName, reason: "more content than the header's size")
        }
        try sink.write(bytes)
        remaining -= Int64(bytes.count)
    }

    public func writeContent(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeContent($0) }
    }

    /// Writes an entry and streams its content from `content`.
    public func append(_ entry: TarEntry, content: (any ByteReader)?) throws {
        try append(entry)
        guard let content, entry.kind == .regular else { return }
        while true {
            let chunk = try content.read(upTo: streamChunkSize)
            if chunk.isEmpty { break }
            try writeContent(chunk)
        }
    }

    /// Ends the archive with two zero blocks.
    public func finish() throws {
        try closeEntry()
        try sink.write(Self.zeros(2 * TarHeader.blockSize))
    }

    private func closeEntry() throws {
        guard remaining == 0 else {
            throw ArchiveError.truncated(what: "content of '\(currentName)' (\(remaining) bytes were not written)")
        }
        if padding > 0 {
            try sink.write(Self.zeros(padding))
            padding = 0
        }
    }

    private func writeBlock(_ block: inout [UInt8]) throws {
        TarHeader.putOctal(0, TarHeader.checksum, into: &block)
        let sum = TarHeader.checksums(block).unsigned
        // Six octal digits, NUL, space: the traditional checksum layout.
        let digits = String(sum, radix: 8)
        TarHeader.put(String(repeating: "0", count: 6 - digits.count) + digits, TarHeader.checksum, into: &block)
        block[TarHeader.checksum.offset + 6] = 0
        block[TarHeader.checksum.offset + 7] = UInt8(ascii: " ")
        try sink.write(block)
    }

    static func paddingFor(_ size: Int64) -> Int {
        Int((Int64(TarHeader.blockSize) - size % Int64(TarHeader.blockSize)) % Int64(TarHeader.blockSize))
    }

    static func zeros(_ count: Int) -> [UInt8] { [UInt8](repeating: 0, count: count) }

    static func isASCII(_ string: String) -> Bool { string.utf8.allSatisfy { $0 < 0x80 } }

    static func asciiPrefix(_ string: String, _ length: Int) -> String {
        String(decoding: string.utf8.filter { $0 < 0x80 }.prefix(length), as: UTF8.self)
    }

    /// Splits a name into ustar's prefix (≤ 155) and name (≤ 100) at a '/', or nil if it cannot fit.
    static func splitUSTAR(_ name: String) -> (String, String)? {
        guard isASCII(name) else { return nil }
        let bytes = Array(name.utf8)
        if bytes.count <= 100 { return ("", name) }
        guard bytes.count <= 256 else { return nil }
        for index in stride(from: min(155, bytes.count - 1), through: 1, by: -1) where bytes[index] == UInt8(ascii: "/") {
            let suffix = bytes.count - index - 1
            if suffix > 0, suffix <= 100 {
                return (String(decoding: bytes[..<index], as: UTF8.self), String(decoding: bytes[(index + 1)...], as: UTF8.self))
            }
            if suffix > 100 { return nil }
        }
        return nil
    }
}
