import Foundation
import SlipwayStore
import Synchronization

/// One blob upload in progress: its staging ingest (hashing as bytes arrive) and where it stands.
final class UploadSession: @unchecked Sendable {
    // Only the request that checked the session out touches these (see `UploadSessions.checkOut`).
    let id: String
    let repository: String
    let ingest: BlobIngest
    var progress = UploadProgress()
    var lastActivity = Date()
    let startedAt = Date()

    init(id: String, repository: String, ingest: BlobIngest) {
        self.id = id
        self.repository = repository
        self.ingest = ingest
    }
}

/// The upload sessions of a running registry. A session is used by one request at a time: a second request
/// for a session that is busy is refused instead of interleaving bytes.
final class UploadSessions: Sendable {
    private struct Entry {
        var session: UploadSession
        var busy: Bool
    }

    private let entries = Mutex<[String: Entry]>([:])

    func add(_ session: UploadSession) {
        entries.withLock { $0[session.id] = Entry(session: session, busy: false) }
    }

    enum CheckOut {
        case session(UploadSession)
        case unknown
        case busy
    }

    func checkOut(_ id: String, repository: String) -> CheckOut {
        entries.withLock { entries in
            guard let entry = entries[id], entry.session.repository == repository else { return .unknown }
            if entry.busy { return .busy }
            entries[id]?.busy = true
            return .session(entry.session)
        }
    }

    func checkIn(_ session: UploadSession) {
        session.lastActivity = Date()
        entries.withLock { $0[session.id]?.busy = false }
    }

    /// Ends a session (completed or cancelled); its staging file goes with it unless committed.
    func remove(_ id: String) {
        let removed = entries.withLock { $0.removeValue(forKey: id) }
        removed?.session.ingest.abort()
    }

    /// Ends sessions idle for longer than `age` seconds; returns how many.
    @discardableResult
    func purge(idleFor age: TimeInterval, now: Date = Date()) -> Int {
        let stale = entries.withLock { entries in
            let ids = entries.filter { !$0.value.busy && now.timeIntervalSince($0.value.session.lastActivity) > age }.map(\.key)
            return ids.compactMap { entries.removeValue(forKey: $0)?.session }
        }
        for session in stale { session.ingest.abort() }
        return stale.count
    }

    var count: Int { entries.withLock { $0.count } }
}
