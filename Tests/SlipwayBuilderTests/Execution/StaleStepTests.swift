import Foundation
import SlipwayTestSupport
import Testing
@testable import SlipwayBuilder

/// Step directories are named after the process that made them, with its start time, so a dead
/// builder's directory is recognised even when its pid already belongs to another process.
@Suite struct StaleStepTests {
    let work = TemporaryDirectory("slipway-stale-steps")

    @Test func identitiesTellAReusedPidFromItsFirstOwner() throws {
        #expect(ProcessIdentity.isAlive(Substring(ProcessIdentity.current)))
        let pid = getpid()
        let start = try #require(ProcessIdentity.startTime(of: pid))
        // The same pid with another start time is a process that has died since.
        #expect(!ProcessIdentity.isAlive("\(pid).\(start + 1)"))
        #expect(!ProcessIdentity.isAlive("999999999.1"))
        #expect(!ProcessIdentity.isAlive("not-a-pid"))
        #expect(ProcessIdentity.isAlive("\(pid)"), "an older, bare pid is checked by pid alone")
    }

    @Test func onlyDeadBuildersStepsAreRemoved() throws {
        let steps = work("steps")
        let start = try #require(ProcessIdentity.startTime(of: getpid()))
        let live = "\(ProcessIdentity.current)-live"
        let reused = "\(getpid()).\(start + 7)-reused"
        let gone = "999999999.5-gone"
        for name in [live, reused, gone] {
            try FileManager.default.createDirectory(atPath: steps + "/" + name + "/upper", withIntermediateDirectories: true)
        }
        Builder.removeStaleSteps(in: steps)
        #expect(try FileManager.default.contentsOfDirectory(atPath: steps) == [live])
    }
}
