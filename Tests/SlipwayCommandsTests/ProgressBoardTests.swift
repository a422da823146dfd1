@testable import SlipwayCommands
import Synchronization
import Testing

/// Progress on a terminal redraws one line per item in place; in a log it is one line per finished item.
@Suite struct ProgressBoardTests {
    final class Capture: Sendable {
        let text = Mutex("")
        func append(_ more: String) { text.withLock { $0 += more } }
    }

    @Test func terminalLinesAreRedrawnInPlace() {
        let capture = Capture()
        let board = ProgressBoard(interactive: true, write: capture.append)
        board.advance("sha256:aaaa", total: 2048, by: 1024)
        board.finish("sha256:bbbb", total: 10, outcome: "skipped (already there)")
        board.finish("sha256:aaaa", total: 2048, outcome: "2.0 KiB in 0.1 s")
        let text = capture.text.withLock { $0 }
        // First draw: one line with bytes, size, percent and a rate.
        #expect(text.hasPrefix("\rsha256:aaaa  1.0 KiB / 2.0 KiB 50%  "), "\(text.debugDescription)")
        #expect(text.contains("/s\u{1B}[K\n"))
        // Then the cursor goes back up over the lines drawn before, and each line is rewritten.
        #expect(text.contains("\u{1B}[1A\rsha256:aaaa  1.0 KiB / 2.0 KiB 50%"))
        #expect(text.hasSuffix("\u{1B}[2A\rsha256:aaaa  2.0 KiB in 0.1 s\u{1B}[K\n\rsha256:bbbb  skipped (already there)\u{1B}[K\n"),
                "\(text.debugDescription)")
    }

    @Test func logsGetOneLinePerFinishedItem() {
        let capture = Capture()
        let board = ProgressBoard(interactive: false, write: capture.append)
        board.advance("sha256:aaaa", total: 2048, by: 1024)
        board.finish("sha256:aaaa", total: 2048, outcome: "2.0 KiB in 0.1 s")
        #expect(capture.text.withLock { $0 } == "sha256:aaaa  2.0 KiB in 0.1 s\n")
    }
}
