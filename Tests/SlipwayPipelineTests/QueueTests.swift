import Foundation
import SlipwayPipeline
import SlipwayStore
import SlipwayTestSupport
import Testing

/// The build queue in the state database, and following a build's log.
@Suite struct QueueTests {
    let work = TemporaryDirectory("slipway-queue")
    let database: StateDatabase

    init() throws { database = try StateDatabase(path: work("state.sqlite")) }

    func queue(_ ref: String = "refs/heads/main", commit: Character = "a", source: String = "example", supersede: Bool = false,
               context: String? = nil) throws -> BuildRecord {
        let build = BuildRecord(source: source, repository: "example", ref: ref, commit: String(repeating: commit, count: 40),
                                trigger: "manual", context: context)
        return try #require(try database.enqueueBuilds([build], supersede: supersede)?.queued.first)
    }

    @Test func buildsAreTakenOldestFirstAndOnlyOnce() throws {
        let first = try queue(commit: "a"), second = try queue("refs/heads/other", commit: "b")
        let claimed = try #require(try database.claimNextBuild())
        #expect(claimed.id == first.id)
        #expect(claimed.state == .running)
        #expect(claimed.startedAt != nil)
        #expect(try database.claimNextBuild()?.id == second.id)
        #expect(try database.claimNextBuild() == nil)
        try database.finishBuild(first.id!, state: .succeeded, digest: "sha256:" + String(repeating: "0", count: 64))
        let done = try #require(try database.build(first.id!))
        #expect(done.state == .succeeded)
        #expect(done.finishedAt != nil)
        #expect(try database.builds(limit: nil).map(\.id) == [first.id, second.id])
        #expect(try database.builds(limit: 1).map(\.id) == [second.id])
    }

    @Test func twoWorkersNeverTakeTheSameBuild() async throws {
        for index in 0..<40 { _ = try queue("refs/heads/b\(index)", commit: "a") }
        let database = self.database
        let taken = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var mine: [Int64] = []
                    while let build = try database.claimNextBuild() { mine.append(build.id ?? 0) }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(taken.count == 40)
        #expect(Set(taken).count == 40)
    }

    @Test func cancellingQueuedRunningAndFinishedBuilds() throws {
        let queued = try queue(commit: "a"), running = try queue("refs/heads/x", commit: "b")
        _ = try database.claimNextBuild()  // takes `queued`, the oldest
        _ = try database.claimNextBuild()
        let waiting = try queue("refs/heads/y", commit: "c")
        #expect(try database.cancelBuild(waiting.id!) == .cancelled)
        #expect(try database.build(waiting.id!)?.state == .cancelled)
        #expect(try database.claimNextBuild() == nil)
        #expect(try database.cancelBuild(running.id!) == .requested)
        #expect(try database.build(running.id!)?.cancelRequested == true)
        try database.finishBuild(queued.id!, state: .failed, error: "boom")
        #expect(try database.cancelBuild(queued.id!) == .alreadyFinished(.failed))
        #expect(try database.cancelBuild(9999) == .unknown)
    }

    @Test func supersedingCancelsOnlyQueuedBuildsOfTheSameRef() throws {
        let older = try queue(commit: "a")
        let otherBranch = try queue("refs/heads/other", commit: "b")
        let prepared = try queue(commit: "c", context: work("context"))
        let newer = try queue(commit: "d", supersede: true)
        #expect(try database.build(older.id!)?.state == .cancelled)
        #expect(try database.build(otherBranch.id!)?.state == .queued)
        #expect(try database.build(prepared.id!)?.state == .queued)  // a pusher waits for it
        #expect(try database.build(newer.id!)?.state == .queued)
    }

    @Test func runningBuildsOfADeadServerAreInterruptedAndQueuedAgain() throws {
        let build = try queue(commit: "a", context: work("context"))
        _ = try database.claimNextBuild()
        let pairs = try database.requeueInterruptedBuilds()
        #expect(pairs.count == 1)
        let old = try #require(try database.build(build.id!))
        #expect(old.state == .interrupted)
        #expect(old.context == nil)  // the context now belongs to the repeat
        let retry = try #require(try database.build(retrying: build.id!))
        #expect(retry.state == .queued)
        #expect(retry.trigger == "retry")
        #expect(retry.commit == build.commit)
        #expect(retry.context == work("context"))
        #expect(old.error?.contains("#\(retry.id ?? 0)") == true)
        #expect(try database.requeueInterruptedBuilds().isEmpty)
    }

    @Test func aBuildAskedToStopIsNotRepeatedAfterARestart() throws {
        let build = try queue(commit: "a")
        _ = try database.claimNextBuild()
        #expect(try database.cancelBuild(build.id!) == .requested)
        #expect(try database.requeueInterruptedBuilds().isEmpty)
        #expect(try database.build(build.id!)?.state == .cancelled)
        #expect(try database.claimNextBuild() == nil)
    }

    @Test func followingALogPrintsEveryLineThenTheEnd() async throws {
        let build = try queue()
        let id = build.id!
        _ = try database.claimNextBuild()
        let logs = BuildLogs(directory: work("logs"))
        let writer = try logs.writer(id)
        let database = self.database
        let producer = Task {
            for index in 1...20 {
                writer.write("line \(index)")
                try await Task.sleep(for: .milliseconds(10))
            }
            writer.write("last")
            try database.finishBuild(id, state: .failed, error: "boom")
        }
        let lines = Lines()
        let end = try await logs.follow(id, database: database, poll: .milliseconds(20)) { lines.append($0) }
        try await producer.value
        #expect(end.state == .failed)
        #expect(lines.all == (1...20).map { "line \($0)" } + ["last"])
    }

    @Test func followingAnInterruptedBuildGoesOnWithItsRepeat() async throws {
        let build = try queue()
        let id = build.id!
        _ = try database.claimNextBuild()
        let logs = BuildLogs(directory: work("logs"))
        try logs.writer(id).write("first attempt")
        let retry = try #require(try database.requeueInterruptedBuilds().first?.requeued.id)
        _ = try database.claimNextBuild()
        try logs.writer(retry).write("second attempt")
        try database.finishBuild(retry, state: .succeeded)
        let lines = Lines()
        let end = try await logs.follow(id, database: database, poll: .milliseconds(20)) { lines.append($0) }
        #expect(end.id == retry)
        #expect(end.state == .succeeded)
        #expect(lines.all.first == "first attempt")
        #expect(lines.all.last == "second attempt")
    }
}

final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
