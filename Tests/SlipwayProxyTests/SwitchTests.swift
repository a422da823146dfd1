import Foundation
import NIOCore
import Synchronization
import Testing
@testable import SlipwayProxy

extension Integration {
    @Suite struct Switching {
        /// 64 keep-alive clients hammer the proxy while the live colour flips 6 times.
        @Test func switchUnderLoadLosesNothingAndNeverAnswersFromTheOldColour() async throws {
            let a = try await TestUpstream.start(name: "a", group: testGroup)
            let b = try await TestUpstream.start(name: "b", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([a.upstream], colour: "a")

            let state = LoadState()

            var clients: [KeepAliveClient] = []
            for _ in 0..<64 { clients.append(try await KeepAliveClient.connect(port: proxy.port)) }

            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in clients {
                    group.addTask {
                        while !state.stop.load(ordering: .relaxed) {
                            let before = state.epoch.load(ordering: .acquiring)
                            do {
                                let response = try await client.get("/colour")
                                let after = state.epoch.load(ordering: .acquiring)
                                if response.status != 200 {
                                    state.failures.withLock { $0.append("status \(response.status)") }
                                    continue
                                }
                                if response.body == "a" { state.answeredA.add(1, ordering: .relaxed) }
                                if response.body == "b" { state.answeredB.add(1, ordering: .relaxed) }
                                // No switch happened while this request ran: it must be the colour
                                // that was live when it started.
                                if before == after && response.body != (before % 2 == 0 ? "a" : "b") {
                                    state.staleAnswers.add(1, ordering: .relaxed)
                                }
                            } catch {
                                state.failures.withLock { $0.append("\(error)") }
                                return
                            }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(200))
                for n in 1...6 {
                    let colour = n % 2 == 0 ? "a" : "b"
                    proxy.server.switchTo([colour == "a" ? a.upstream : b.upstream], colour: colour)
                    state.epoch.store(n, ordering: .releasing)
                    try await Task.sleep(for: .milliseconds(200))
                }
                state.stop.store(true, ordering: .relaxed)
                try await group.waitForAll()
            }
            for client in clients { await client.close() }

            #expect(state.failures.withLock { $0 } == [])
            #expect(state.staleAnswers.load(ordering: .relaxed) == 0)
            let (countA, countB) = (state.answeredA.load(ordering: .relaxed), state.answeredB.load(ordering: .relaxed))
            #expect(countA > 200 && countB > 200, "load did not reach both colours: a=\(countA) b=\(countB)")
            let metrics = proxy.server.metrics()
            #expect(metricValue(metrics, #"slipway_proxy_requests_total{colour="a",code="2xx"}"#) == Double(countA))
            #expect(metricValue(metrics, #"slipway_proxy_requests_total{colour="b",code="2xx"}"#) == Double(countB))
            #expect(metricValue(metrics, #"slipway_proxy_requests_total{colour="a",code="5xx"}"#) == 0)
            #expect(proxy.server.inFlight(colour: "a") == 0 && proxy.server.inFlight(colour: "b") == 0)
            await proxy.stop()
            await a.stop()
            await b.stop()
        }

        /// A request in flight on the old colour completes there; `inFlight` shows the drain.
        @Test func inFlightRequestsDrainOnTheOldColour() async throws {
            let a = try await TestUpstream.start(name: "a", group: testGroup)
            let b = try await TestUpstream.start(name: "b", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([a.upstream], colour: "a")

            async let slow = curl(proxy.base + "/slow?ms=600")
            var waited = 0
            while proxy.server.inFlight(colour: "a") == 0 && waited < 100 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            #expect(proxy.server.inFlight(colour: "a") == 1)
            proxy.server.switchTo([b.upstream], colour: "b")
            #expect(proxy.server.live?.colour == "b")
            #expect(try await curl(proxy.base + "/colour").body == "b")
            #expect(proxy.server.inFlight(colour: "a") == 1)
            let finished = try await slow
            #expect(finished.status == 200 && finished.headers["x-upstream"] == "a")
            #expect(proxy.server.inFlight(colour: "a") == 0)
            await proxy.stop()
            await a.stop()
            await b.stop()
        }

        /// `shutdown` stops accepting but lets the running request finish.
        @Test func shutdownLetsInFlightRequestsFinish() async throws {
            let a = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([a.upstream], colour: "a")
            async let slow = curl(proxy.base + "/slow?ms=400")
            var waited = 0
            while proxy.server.inFlight(colour: "a") == 0 && waited < 100 {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            try await proxy.server.shutdown()
            let finished = try await slow
            #expect(finished.status == 200 && finished.body == "slow")
            let refused = try await run(["curl", "-sS", "--max-time", "3", proxy.base + "/colour"])
            #expect(refused.status != 0)
            await a.stop()
        }
    }
}

/// Shared counters of the switch load test.
final class LoadState: Sendable {
    /// Switch number; even = colour a, odd = colour b. Stored only after `switchTo` returned.
    let epoch = Atomic<Int>(0)
    let stop = Atomic<Bool>(false)
    let failures = Mutex<[String]>([])
    let staleAnswers = Atomic<Int>(0)
    let answeredA = Atomic<Int>(0)
    let answeredB = Atomic<Int>(0)
}
