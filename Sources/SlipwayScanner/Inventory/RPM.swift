import CSlipwaySQLite
import Foundation

/// Why an rpm header blob or an rpm database could not be read.
public enum RPMError: Error, CustomStringConvertible, Equatable {
    case truncatedHeader(needed: Int, have: Int)
    case badHeader(String)
    case notSQLite
    case sqlite(operation: String, message: String)

    /// A message for a report.
    public var description: String {
        switch self {
        case .truncatedHeader(let needed, let have):
            return "rpm header blob is truncated: it needs \(needed) bytes, has \(have)"
        case .badHeader(let reason):
            return "bad rpm header blob: \(reason)"
        case .notSQLite:
            return "not an SQLite database (no 'SQLite format 3' header)"
        case .sqlite(let operation, let message):
            return "rpm database: \(operation): \(message)"
        }
    }
}

/// An rpm header as the rpm database stores it (the "header blob"): big-endian int32 il (index entries) and dl
/// (data bytes), il index entries of 16 bytes (tag, type, offset, count), then the data store.
public struct RPMHeader: Sendable {
    /// One index entry: what `tag` holds, its type, where in the data store and how many values.
    public struct Entry: Sendable, Hashable {
        /// The tag number (1000 NAME, 1001 VERSION, …).
        public var tag: Int32
        /// Value type: 4 INT32, 6 STRING, 8 STRING_ARRAY, 9 I18NSTRING, …
        public var type: UInt32
        /// Byte offset of the value in the data store.
        public var offset: Int
        /// Number of values.
        public var count: Int
    }

    /// Tags read here.
    public enum Tag {
        /// RPMTAG_NAME.
        public static let name: Int32 = 1000
        /// RPMTAG_VERSION.
        public static let version: Int32 = 1001
        /// RPMTAG_RELEASE.
        public static let release: Int32 = 1002
        /// RPMTAG_EPOCH.
        public static let epoch: Int32 = 1003
        /// RPMTAG_LICENSE.
        public static let license: Int32 = 1014
        /// RPMTAG_ARCH.
        public static let arch: Int32 = 1022
        /// RPMTAG_SOURCERPM.
        public static let sourceRPM: Int32 = 1044
    }

    /// Header value types.
    enum ValueType {
        static let int32: UInt32 = 4
        static let string: UInt32 = 6
        static let stringArray: UInt32 = 8
        static let i18nString: UInt32 = 9
    }

    /// Entries by tag; when a tag repeats the first entry counts.
    public private(set) var entries: [Int32: Entry]
    private let store: [UInt8]

    /// Reads a header blob. Throws when the counts or an entry point outside the blob.
    public static func parse(_ blob: Data) throws -> RPMHeader {
        let bytes = [UInt8](blob)
        guard bytes.count >= 8 else { throw RPMError.truncatedHeader(needed: 8, have: bytes.count) }
        let indexCount = Int(readBigEndian32(bytes, 0))
        let dataLength = Int(readBigEndian32(bytes, 4))
        // rpm's own limits (rpmio: hdrchkTags 0xffff entries, hdrchkData 256 MiB).
        guard indexCount >= 1, indexCount <= 0xFFFF else {
            throw RPMError.badHeader("\(indexCount) index entries (1…65535 allowed)")
        }
        guard dataLength >= 0, dataLength <= 0x0FFF_FFFF else {
            throw RPMError.badHeader("data store of \(dataLength) bytes")
        }
        let storeStart = 8 + indexCount * 16
        let needed = storeStart + dataLength
        guard bytes.count >= needed else { throw RPMError.truncatedHeader(needed: needed, have: bytes.count) }
        var entries: [Int32: Entry] = [:]
        for index in 0..<indexCount {
            let base = 8 + index * 16
            let entry = Entry(
                tag: Int32(bitPattern: readBigEndian32(bytes, base)),
                type: readBigEndian32(bytes, base + 4),
                offset: Int(Int32(bitPattern: readBigEndian32(bytes, base + 8))),
                count: Int(readBigEndian32(bytes, base + 12)))
            guard entry.offset >= 0, entry.offset <= dataLength else {
                throw RPMError.badHeader(
                    "tag \(entry.tag) points to offset \(entry.offset), past the \(dataLength)-byte store")
            }
            if entries[entry.tag] == nil { entries[entry.tag] = entry }
        }
        return RPMHeader(entries: entries, store: Array(bytes[storeStart..<needed]))
    }

    /// A STRING or I18NSTRING value (the first, untranslated one), or the first of a STRING_ARRAY.
    public func string(_ tag: Int32) -> String? {
        guard let entry = entries[tag], entry.count >= 1,
            [ValueType.string, ValueType.i18nString, ValueType.stringArray].contains(entry.type)
        else { return nil }
        guard let end = store[entry.offset...].firstIndex(of: 0) else { return nil }
        return String(decoding: store[entry.offset..<end], as: UTF8.self)
    }

    /// The first value of an INT32 entry.
    public func int32(_ tag: Int32) -> Int32? {
        guard let entry = entries[tag], entry.type == ValueType.int32, entry.count >= 1,
            entry.offset + 4 <= store.count
        else { return nil }
        return Int32(bitPattern: readBigEndian32(store, entry.offset))
    }

    /// NAME.
    public var name: String? { string(Tag.name) }
    /// VERSION (upstream, without release).
    public var version: String? { string(Tag.version) }
    /// RELEASE.
    public var release: String? { string(Tag.release) }
    /// EPOCH, nil when the header has none.
    public var epoch: Int? { int32(Tag.epoch).map(Int.init) }
    /// ARCH ("x86_64", "noarch"; "(none)" for gpg-pubkey).
    public var arch: String? { string(Tag.arch) }
    /// SOURCERPM, e.g. "bash-5.1.8-6.el9.src.rpm".
    public var sourceRPM: String? { string(Tag.sourceRPM) }
    /// LICENSE.
    public var license: String? { string(Tag.license) }
}

private func readBigEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
        | UInt32(bytes[offset + 3])
}

extension Catalogers {
    /// Packages from rpm header blobs (the `blob` column of rpmdb.sqlite's Packages table, in order).
    /// Blobs that cannot be read become warnings; `gpg-pubkey` entries (imported signing keys) are skipped.
    public static func rpmPackages(headerBlobs: [Data], path: String, osRelease: OSRelease?) -> CatalogResult {
        var diagnostics = Diagnostics(path: path)
        var packages: [InstalledPackage] = []
        for (index, blob) in headerBlobs.enumerated() {
            let header: RPMHeader
            do {
                header = try RPMHeader.parse(blob)
            } catch {
                diagnostics.warn("package header #\(index + 1): \(error)")
                continue
            }
            guard let name = header.name, isPlausibleName(name) else {
                diagnostics.warn("package header #\(index + 1) has no usable NAME")
                continue
            }
            if name == "gpg-pubkey" { continue }
            guard let version = header.version, isPlausibleVersion(version) else {
                diagnostics.warn("package '\(name)' has no usable VERSION")
                continue
            }
            var fullVersion = version
            if let release = header.release, !release.isEmpty { fullVersion += "-" + release }
            let source = header.sourceRPM.flatMap(RPM.parseSourceRPM)
            let license = header.license?.trimmed ?? ""
            let arch = header.arch.flatMap { $0.isEmpty || $0 == "(none)" ? nil : $0 }
            packages.append(InstalledPackage(
                kind: .rpm, name: name, version: fullVersion,
                sourceName: source?.name, sourceVersion: source?.version,
                path: path, licenses: license.isEmpty ? [] : [license], architecture: arch, epoch: header.epoch,
                distroID: osRelease?.id, distroVersion: osRelease?.versionID))
        }
        return diagnostics.result(packages)
    }
}

/// rpm databases.
enum RPM {
    /// "bash-5.1.8-6.el9.src.rpm" → ("bash", "5.1.8-6.el9").
    static func parseSourceRPM(_ file: String) -> (name: String, version: String)? {
        var base = Substring(file)
        for suffix in [".src.rpm", ".nosrc.rpm"] where base.hasSuffix(suffix) {
            base = base.dropLast(suffix.count)
        }
        guard let releaseDash = base.lastIndex(of: "-") else { return nil }
        let nameAndVersion = base[..<releaseDash]
        guard let versionDash = nameAndVersion.lastIndex(of: "-") else { return nil }
        let name = String(nameAndVersion[..<versionDash])
        let version = String(base[base.index(after: versionDash)...])
        guard !name.isEmpty, version.count > 2 else { return nil }
        return (name, version)
    }

    static func catalogSQLite(path: String, data: Data, osRelease: OSRelease?) -> CatalogResult {
        do {
            let blobs = try headerBlobs(sqlite: data)
            return Catalogers.rpmPackages(headerBlobs: blobs, path: path, osRelease: osRelease)
        } catch {
            return CatalogResult(warnings: [CatalogWarning(path: path, message: "\(error)")])
        }
    }

    /// The `blob` column of the `Packages` table, by `hnum`. The database is opened in memory
    /// (sqlite3_deserialize, read-only): nothing is written to disk. A database in WAL mode is read as of its
    /// last checkpoint, since the -wal file is not at hand.
    static func headerBlobs(sqlite data: Data) throws -> [Data] {
        let magic = Array("SQLite format 3\0".utf8)
        guard data.count >= 100, data.starts(with: magic) else { throw RPMError.notSQLite }
        guard let buffer = sqlite3_malloc64(sqlite3_uint64(data.count)) else {
            throw RPMError.sqlite(operation: "allocate", message: "out of memory for \(data.count) bytes")
        }
        let bytes = buffer.bindMemory(to: UInt8.self, capacity: data.count)
        data.copyBytes(to: bytes, count: data.count)
        // File format write/read versions 2 mean WAL, which an in-memory database cannot use: say "rollback".
        if bytes[18] == 2 { bytes[18] = 1 }
        if bytes[19] == 2 { bytes[19] = 1 }

        var connection: OpaquePointer?
        guard sqlite3_open_v2(":memory:", &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK,
            let db = connection
        else {
            sqlite3_free(buffer)
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "no connection"
            sqlite3_close(connection)
            throw RPMError.sqlite(operation: "open", message: message)
        }
        defer { sqlite3_close(db) }
        let flags = UInt32(SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY)
        // On failure sqlite3_deserialize frees the buffer itself (FREEONCLOSE).
        let size = sqlite3_int64(data.count)
        guard sqlite3_deserialize(db, "main", bytes, size, size, flags) == SQLITE_OK else {
            throw RPMError.sqlite(operation: "load", message: String(cString: sqlite3_errmsg(db)))
        }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT blob FROM Packages ORDER BY hnum", -1, &statement, nil) == SQLITE_OK,
            let query = statement
        else {
            throw RPMError.sqlite(operation: "read the Packages table", message: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(query) }
        var blobs: [Data] = []
        while true {
            let status = sqlite3_step(query)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else {
                throw RPMError.sqlite(operation: "read the Packages table",
                                      message: String(cString: sqlite3_errmsg(db)))
            }
            let count = Int(sqlite3_column_bytes(query, 0))
            if count > 0, let pointer = sqlite3_column_blob(query, 0) {
                blobs.append(Data(bytes: pointer, count: count))
            } else {
                blobs.append(Data())
            }
        }
        return blobs
    }
}
