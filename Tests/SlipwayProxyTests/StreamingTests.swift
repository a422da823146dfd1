import Foundation
import NIOCore
import Synchronization
import Testing
@testable import SlipwayProxy


/// Samples this process's RSS while `body` runs and returns (result, peak growth in bytes).
func measuringMemory<T: Sendable>(_ body: () async throws -> T) async throws -> (T, Int) {
    let baseline = residentMemoryBytes()
    let peak = Atomic<Int>(baseline)
    let sampling = Task {
        while !Task.isCancelled {
            let now = residentMemoryBytes()
            if now > peak.load(ordering: .relaxed) { peak.store(now, ordering: .relaxed) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
    let result = try await body()
    sampling.cancel()
    _ = await sampling.value
    return (result, peak.load(ordering: .relaxed) - baseline)
}

func sparseFile(_ path: String, size: Int) throws {
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(size))
    try handle.close()
}

extension Integration {
    @Suite struct Streaming {
        static let mib = 1024 * 1024

        /// Both directions stop reading when the other side cannot take more. If the proxy
        /// buffered instead, these transfers would grow the process by ~200 MiB.
        @Test func backpressureKeepsMemoryFlat() async throws {
            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([upstream.upstream], colour: "a")
            let directory = try makeTempDirectory()
            let file = directory + "/upload.bin"
            try sparseFile(file, size: 200 * Self.mib)

            // Slow client (10 MiB/s for 1.5 s) downloading 200 MiB from a fast upstream.
            let (download, downloadGrowth) = try await measuringMemory {
                try await run([
                    "curl", "-sS", "-o", "/dev/null", "--limit-rate", "10M", "--max-time", "1.5",
                    "-w", "%{size_download}", proxy.base + "/generate?n=\(200 * Self.mib)",
                ])
            }
            #expect(download.status == 28, "curl should have been stopped by --max-time: \(download.stderr)")
            #expect((Int(download.stdout) ?? 0) > 5 * Self.mib)
            #expect(downloadGrowth < 48 * Self.mib, "memory grew by \(downloadGrowth / Self.mib) MiB")

            // Fast client uploading 200 MiB to an upstream that stops reading for 1.5 s.
            let (upload, uploadGrowth) = try await measuringMemory {
                try await run([
                    "curl", "-sS", "-X", "POST", "-H", "Expect:", "-T", file, proxy.base + "/count?pause=1500",
                ])
            }
            #expect(upload.stdout == String(200 * Self.mib), "\(upload.stderr)")
            #expect(uploadGrowth < 48 * Self.mib, "memory grew by \(uploadGrowth / Self.mib) MiB")
            await proxy.stop()
            await upstream.stop()
        }

        @Test func largeBodiesStreamBothWays() async throws {
            let upstream = try await TestUpstream.start(name: "a", group: testGroup)
            let proxy = try await RunningProxy.start()
            proxy.server.switchTo([upstream.upstream], colour: "a")
            let directory = try makeTempDirectory()
            let file = directory + "/upload.bin"
            try sparseFile(file, size: 100 * Self.mib)

            let (results, growth) = try await measuringMemory {
                // Content-length upload with `Expect: 100-continue` (the interim response is relayed).
                let counted = try await run(["curl", "-sS", "-X", "POST", "-T", file, proxy.base + "/count"])
                // Chunked upload.
                let chunked = try await run([
                    "curl", "-sS", "-X", "POST", "-H", "Transfer-Encoding: chunked", "-H", "Expect:", "-T", file, proxy.base + "/count",
                ])
                // Content-length download.
                let downloaded = try await run([
                    "curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}", proxy.base + "/generate?n=\(100 * Self.mib)",
                ])
                // Chunked echo, both directions at once.
                let echoed = try await run([
                    "curl", "-sS", "-o", "/dev/null", "-H", "Expect:", "-w", "%{size_download}", "-T", file, proxy.base + "/echo",
                ])
                return [counted.stdout, chunked.stdout, downloaded.stdout, echoed.stdout]
            }
            let expected = String(100 * Self.mib)
            #expect(results == [expected, expected, expected, expected])
            #expect(growth < 64 * Self.mib, "memory grew by \(growth / Self.mib) MiB")
            await proxy.stop()
            await upstream.stop()
        }
    }
}
