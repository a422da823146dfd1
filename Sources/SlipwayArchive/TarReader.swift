/// Reads a tar stream entry by entry: ustar, PAX extended headers (per entry and global), GNU long names.
/// Content is read through `readContent(upTo:)`; whatever is not read is skipped by `next()`.
public final class TarReader {
    private let input: BufferedReader
    private var remaining: Int64 = 0
    private var padding: Int = 0
    private var globalRecords: [(String, [UInt8])] = []
    private var currentName = ""

    public init(_ source: any ByteReader) {
        input = BufferedReader(source)
    }

    /// The next entry, or nil at the end of the archive (two zero blocks, or a clean end of the stream).
    public func next() throws -> TarEntry? {
        try skipContent()
        var paxRecords: [(String, [UInt8])] = []
        var gnuLongName: String?
        var gnuLongLink: String?
        while true {
            let headerOffset = input.offset
            guard let block = try input.readExactly(TarHeader.blockSize, what: "tar header") else { return nil }
            if block.allSatisfy({ $0 == 0 }) {
                // End-of-archive marker. The second zero block is optional in practice.
                _ = try? input.readExactly(TarHeader.blockSize, what: "tar end marker")
                return nil
            }
            let (unsigned, signed) = TarHeader.checksums(block)
            let stored: Int64
            do {
                stored = try TarHeader.number(block, TarHeader.checksum)
            } catch {
                throw ArchiveError.badHeader(offset: headerOffset, reason: "checksum field is not a number")
            }
            guard stored == unsigned || stored == signed else {
                throw ArchiveError.badHeader(offset: headerOffset, reason: "checksum mismatch (not a tar stream?)")
            }
            let rawName = TarHeader.string(block, TarHeader.name)
            func number(_ field: TarHeader.Field, _ what: String) throws -> Int64 {
                do {
                    return try TarHeader.number(block, field)
                } catch {
                    throw ArchiveError.badHeader(offset: headerOffset, reason: "\(what) of '\(rawName)' is not a number")
                }
            }
            let size = try number(TarHeader.size, "size")
            guard size >= 0 else { throw ArchiveError.badHeader(offset: headerOffset, reason: "negative size") }
            let flag = block[TarHeader.typeFlag]

            switch flag {
            case UInt8(ascii: "x"), UInt8(ascii: "g"):
                let data = try readMetadataContent(size: size, entry: rawName)
                let records = try PAXRecords.decode(data, entry: rawName)
                if flag == UInt8(ascii: "g") { globalRecords = records } else { paxRecords += records }
                continue
            case UInt8(ascii: "L"), UInt8(ascii: "K"):
                var data = try readMetadataContent(size: size, entry: rawName)
                if let nul = data.firstIndex(of: 0) { data.removeSubrange(nul...) }
                let value = String(decoding: data, as: UTF8.self)
                if flag == UInt8(ascii: "L") { gnuLongName = value } else { gnuLongLink = value }
                continue
            default:
                break
            }

            var entry = TarEntry(name: rawName, kind: .regular)
            let magic = TarHeader.string(block, TarHeader.magic)
            if magic == "ustar" {  // POSIX ustar: the name may continue in the prefix field.
                let prefix = TarHeader.string(block, TarHeader.prefix)
                if !prefix.isEmpty { entry.name = prefix + "/" + rawName }
            }
            entry.kind = try kind(flag, name: entry.name, offset: headerOffset)
            entry.mode = UInt32(truncatingIfNeeded: try number(TarHeader.mode, "mode") & 0o7777)
            entry.uid = Int(try number(TarHeader.uid, "uid"))
            entry.gid = Int(try number(TarHeader.gid, "gid"))
            entry.size = size
            entry.modificationTime = try number(TarHeader.mtime, "mtime")
            entry.linkName = TarHeader.string(block, TarHeader.linkName)
            entry.userName = TarHeader.string(block, TarHeader.userName)
            entry.groupName = TarHeader.string(block, TarHeader.groupName)
            if entry.kind == .characterDevice || entry.kind == .blockDevice {
                entry.deviceMajor = Int(try number(TarHeader.deviceMajor, "device major"))
                entry.deviceMinor = Int(try number(TarHeader.deviceMinor, "device minor"))
            }
            if let gnuLongName { entry.name = gnuLongName }
            if let gnuLongLink { entry.linkName = gnuLongLink }
            try apply(globalRecords + paxRecords, to: &entry)
            if entry.kind == .directory, entry.name.hasSuffix("/"), entry.name.count > 1 {
                entry.name.removeLast()
            }
            // Only regular files carry content; for other kinds a size is skipped (hardlinks may declare one).
            remaining = entry.size
            padding = Int((TarHeader.blockSize - Int(entry.size % Int64(TarHeader.blockSize))) % TarHeader.blockSize)
            if entry.kind != .regular { entry.size = 0 }
            currentName = entry.name
            return entry
        }
    }

    /// Up to `maxLength` bytes of the current entry's content; empty at its end.
    public func readContent(upTo maxLength: Int) throws -> [UInt8] {
        guard remaining > 0 else { return [] }
        let chunk = try input.read(upTo: Int(min(Int64(maxLength), remaining)))
        if chunk.isEmpty { throw ArchiveError.truncated(what: "content of tar entry '\(currentName)'") }
        remaining -= Int64(chunk.count)
        return chunk
    }

    /// The current entry's content as a reader of its own.
    public func content() -> some ByteReader { EntryContent(reader: self) }

    private final class EntryContent: ByteReader {
        let reader: TarReader
        init(reader: TarReader) { self.reader = reader }
        func read(upTo maxLength: Int) throws -> [UInt8] { try reader.readContent(upTo: maxLength) }
    }

    private func skipContent() throws {
        while remaining > 0 {
            _ = try readContent(upTo: streamChunkSize)
        }
        if padding > 0 {
            guard try input.readExactly(padding, what: "tar padding") != nil else {
                throw ArchiveError.truncated(what: "tar archive (padding after '\(currentName)')")
            }
            padding = 0
        }
    }

    /// PAX and GNU metadata are small; refuse absurd sizes instead of allocating them.
    private func readMetadataContent(size: Int64, entry: String) throws -> [UInt8] {
        guard size <= 1 << 20 else {
            throw ArchiveError.unsupportedEntry(name: entry, reason: "extended header of \(size) bytes is too large")
        }
        remaining = size
        padding = Int((TarHeader.blockSize - Int(size % Int64(TarHeader.blockSize))) % TarHeader.blockSize)
        currentName = entry
        var data: [UInt8] = []
        while remaining > 0 { data += try readContent(upTo: Int(remaining)) }
        try skipContent()
        return data
    }

    private func kind(_ flag: UInt8, name: String, offset: Int64) throws -> TarEntry.Kind {
        switch flag {
        case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): return name.hasSuffix("/") ? .directory : .regular
        case UInt8(ascii: "1"): return .hardlink
        case UInt8(ascii: "2"): return .symlink
        case UInt8(ascii: "3"): return .characterDevice
        case UInt8(ascii: "4"): return .blockDevice
        case UInt8(ascii: "5"): return .directory
        case UInt8(ascii: "6"): return .fifo
        default:
            let printable = (0x20..<0x7f).contains(flag) ? String(UnicodeScalar(flag)) : "0x\(String(flag, radix: 16))"
            throw ArchiveError.unsupportedEntry(name: name, reason: "unsupported entry type '\(printable)'")
        }
    }

    private func apply(_ records: [(String, [UInt8])], to entry: inout TarEntry) throws {
        for (key, value) in records {
            let text = String(decoding: value, as: UTF8.self)
            func integer() throws -> Int64 {
                guard let number = Int64(text) else {
                    throw ArchiveError.unsupportedEntry(name: entry.name, reason: "PAX \(key) '\(text)' is not a number")
                }
                return number
            }
            switch key {
            case "path": entry.name = text
            case "linkpath": entry.linkName = text
            case "size": entry.size = try integer()
            case "uid": entry.uid = Int(try integer())
            case "gid": entry.gid = Int(try integer())
            case "uname": entry.userName = text
            case "gname": entry.groupName = text
            case "mtime":
                let parts = text.split(separator: ".", maxSplits: 1)
                guard let seconds = parts.first.flatMap({ Int64($0) }) else {
                    throw ArchiveError.unsupportedEntry(name: entry.name, reason: "PAX mtime '\(text)' is not a time")
                }
                entry.modificationTime = seconds
                if parts.count == 2 {
                    let fraction = String(parts[1].prefix(9))
                    let padded = fraction + String(repeating: "0", count: 9 - fraction.count)
                    entry.modificationNanoseconds = Int32(padded) ?? 0
                }
            default:
                if key.hasPrefix("SCHILY.xattr.") {
                    entry.xattrs[String(key.dropFirst("SCHILY.xattr.".count))] = value
                }
            }
        }
    }
}
