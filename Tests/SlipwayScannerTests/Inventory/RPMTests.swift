import CSlipwaySQLite
import Foundation
import SlipwayScanner
import Testing

@Suite("rpm")
struct RPMTests {
    let rocky = OSRelease(parsing: "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n")

    @Test("an rpmdb.sqlite written by rpm 4.18 (Fixtures/rpm/make-rpmdb.sh)")
    func realDatabase() throws {
        let result = try catalogFixture("rpm/rpmdb.sqlite", as: "var/lib/rpm/rpmdb.sqlite", osRelease: rocky)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(result.packages.map(\.name).sorted() == ["bash", "slipway-hello", "slipway-tool"])

        let bash = try #require(find(result.packages, "bash"))
        #expect(bash.version == "5.1.8-6.el9")
        #expect(bash.epoch == 1)
        #expect(bash.architecture == "x86_64")
        #expect(bash.sourceName == "bash")
        #expect(bash.sourceVersion == "5.1.8-6.el9")
        #expect(bash.licenses == ["GPLv3+"])
        #expect(bash.purl == "pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&epoch=1")

        let hello = try #require(find(result.packages, "slipway-hello"))
        #expect(hello.epoch == 2)
        #expect(hello.architecture == "noarch")
        #expect(hello.licenses == ["MIT and BSD"])
        #expect(hello.purl == "pkg:rpm/rocky/slipway-hello@1.2.3-4.el9?arch=noarch&epoch=2")

        let tool = try #require(find(result.packages, "slipway-tool"))
        #expect(tool.epoch == nil)
        #expect(tool.purl == "pkg:rpm/rocky/slipway-tool@0.9-1.el9?arch=x86_64")
    }

    @Test("the newer location usr/lib/sysimage/rpm is read too")
    func sysimagePath() throws {
        #expect(Catalogers.wants(path: "usr/lib/sysimage/rpm/rpmdb.sqlite", size: 200_000, isExecutable: false))
        let result = try catalogFixture("rpm/rpmdb.sqlite", as: "usr/lib/sysimage/rpm/rpmdb.sqlite")
        #expect(result.packages.count == 3)
    }

    @Test("a database left in WAL mode is read (as of its last checkpoint)")
    func walMode() throws {
        let directory = try temporaryDirectory("rpm-wal")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rpmdb.sqlite")
        try fixture("rpm/rpmdb.sqlite").write(to: file)
        try withDatabase(file.path) { db in try execute(db, "PRAGMA journal_mode=WAL") }
        let data = try Data(contentsOf: file)
        #expect(data[18] == 2 && data[19] == 2, "the file should now say WAL")
        let result = Catalogers.catalog(path: "var/lib/rpm/rpmdb.sqlite", contents: data, osRelease: rocky)
        #expect(result.warnings.isEmpty, "\(result.warnings)")
        #expect(result.packages.count == 3)
    }

    @Test("header blobs written by hand into a database made with the SQLite C API")
    func handMadeBlobs() throws {
        let directory = try temporaryDirectory("rpm-blobs")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rpmdb.sqlite")
        let good = headerBlob([
            (1000, .string("openssl-libs")), (1001, .string("3.0.7")), (1002, .string("25.el9_3")),
            (1003, .int32(1)), (1014, .string("Apache-2.0")), (1022, .string("x86_64")),
            (1044, .string("openssl-3.0.7-25.el9_3.src.rpm")),
        ])
        let key = headerBlob([(1000, .string("gpg-pubkey")), (1001, .string("8483c65d")), (1002, .string("5ccc5b19"))])
        let noVersion = headerBlob([(1000, .string("broken"))])
        let truncated = Data(good.prefix(30))
        try withDatabase(file.path) { db in
            try execute(db, "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
            for blob in [good, key, noVersion, truncated] { try insert(db, blob) }
        }
        let result = Catalogers.catalog(path: "var/lib/rpm/rpmdb.sqlite", contents: try Data(contentsOf: file),
                                        osRelease: nil)
        #expect(result.packages.map(\.name) == ["openssl-libs"])
        let openssl = try #require(result.packages.first)
        #expect(openssl.version == "3.0.7-25.el9_3")
        #expect(openssl.sourceName == "openssl")
        #expect(openssl.sourceVersion == "3.0.7-25.el9_3")
        #expect(openssl.purl == "pkg:rpm/openssl-libs@3.0.7-25.el9_3?arch=x86_64&epoch=1")
        #expect(result.warnings.count == 2, "\(result.warnings)")
        #expect(result.warnings.contains { $0.message.contains("truncated") })
        #expect(result.warnings.contains { $0.message.contains("'broken'") })
    }

    @Test("RPMHeader.parse rejects blobs whose counts or offsets do not fit")
    func headerErrors() throws {
        #expect(throws: RPMError.self) { try RPMHeader.parse(Data([0, 0, 0])) }
        // One entry claimed, none present.
        #expect(throws: RPMError.self) { try RPMHeader.parse(Data([0, 0, 0, 1, 0, 0, 0, 0])) }
        // Zero entries.
        #expect(throws: RPMError.self) { try RPMHeader.parse(Data([0, 0, 0, 0, 0, 0, 0, 0])) }
        // An entry pointing past the data store.
        var blob = [UInt8](headerBlob([(1000, .string("x"))]))
        blob[8 + 8 + 3] = 0x7F
        #expect(throws: RPMError.self) { try RPMHeader.parse(Data(blob)) }
        // A string without its terminating NUL reads as nil, not past the end.
        var unterminated = [UInt8](headerBlob([(1000, .string("abc"))]))
        unterminated[unterminated.count - 1] = UInt8(ascii: "d")
        #expect(try RPMHeader.parse(Data(unterminated)).name == nil)
    }

    @Test("not a database, a truncated one, one without the Packages table: warnings, not crashes")
    func badDatabases() throws {
        let garbage = Catalogers.catalog(path: "var/lib/rpm/rpmdb.sqlite", contents: Data("hello".utf8),
                                         osRelease: nil)
        #expect(garbage.packages.isEmpty)
        #expect(garbage.warnings.first?.message.contains("SQLite") == true)

        let real = try fixture("rpm/rpmdb.sqlite")
        for length in [100, 4096, 8192, 65536, real.count - 4096] {
            let cut = Catalogers.catalog(path: "var/lib/rpm/rpmdb.sqlite", contents: real.prefix(length),
                                         osRelease: nil)
            #expect(!cut.warnings.isEmpty || cut.packages.count <= 3, "length \(length)")
        }

        let directory = try temporaryDirectory("rpm-empty")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rpmdb.sqlite")
        try withDatabase(file.path) { db in try execute(db, "CREATE TABLE Other (x INTEGER)") }
        let empty = Catalogers.catalog(path: "var/lib/rpm/rpmdb.sqlite", contents: try Data(contentsOf: file),
                                       osRelease: nil)
        #expect(empty.packages.isEmpty)
        #expect(empty.warnings.first?.message.contains("Packages") == true, "\(empty.warnings)")
    }

    @Test("rpmPackages(headerBlobs:) on its own")
    func fromBlobs() {
        let blob = headerBlob([(1000, .string("zlib")), (1001, .string("1.2.11")), (1002, .string("40.el9")),
                               (1022, .string("x86_64"))])
        let result = Catalogers.rpmPackages(headerBlobs: [blob], path: "var/lib/rpm/rpmdb.sqlite", osRelease: rocky)
        #expect(result.packages.first?.purl == "pkg:rpm/rocky/zlib@1.2.11-40.el9?arch=x86_64")
        #expect(result.packages.first?.sourceName == nil)
    }
}

enum HeaderValue {
    case string(String)
    case int32(Int32)
}

/// An rpm header blob: il, dl, 16-byte index entries, data store (int32 values 4-byte aligned).
func headerBlob(_ tags: [(Int32, HeaderValue)]) -> Data {
    var index: [UInt8] = []
    var store: [UInt8] = []
    func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
    for (tag, value) in tags {
        switch value {
        case .string(let text):
            index += be32(UInt32(bitPattern: tag)) + be32(6) + be32(UInt32(store.count)) + be32(1)
            store += Array(text.utf8) + [0]
        case .int32(let number):
            while store.count % 4 != 0 { store.append(0) }
            index += be32(UInt32(bitPattern: tag)) + be32(4) + be32(UInt32(store.count)) + be32(1)
            store += be32(UInt32(bitPattern: number))
        }
    }
    return Data(be32(UInt32(tags.count)) + be32(UInt32(store.count)) + index + store)
}

private func withDatabase(_ path: String, _ body: (OpaquePointer) throws -> Void) throws {
    var connection: OpaquePointer?
    guard sqlite3_open(path, &connection) == SQLITE_OK, let db = connection else {
        throw SetupError(description: "cannot open \(path)")
    }
    defer { sqlite3_close(db) }
    try body(db)
}

private func execute(_ db: OpaquePointer, _ sql: String) throws {
    guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
        throw SetupError(description: "\(sql): \(String(cString: sqlite3_errmsg(db)))")
    }
}

private func insert(_ db: OpaquePointer, _ blob: Data) throws {
    var statement: OpaquePointer?
    guard sqlite3_prepare_v2(db, "INSERT INTO Packages (blob) VALUES (?)", -1, &statement, nil) == SQLITE_OK else {
        throw SetupError(description: String(cString: sqlite3_errmsg(db)))
    }
    defer { sqlite3_finalize(statement) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    let status = blob.withUnsafeBytes { raw in
        sqlite3_bind_blob(statement, 1, raw.baseAddress, Int32(raw.count), transient)
    }
    guard status == SQLITE_OK, sqlite3_step(statement) == SQLITE_DONE else {
        throw SetupError(description: String(cString: sqlite3_errmsg(db)))
    }
}
