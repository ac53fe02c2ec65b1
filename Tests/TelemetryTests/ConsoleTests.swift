import Foundation
import Logging
import SummarizerCore
import Testing

@testable import Telemetry

@Suite("Console, logs and progress")
struct ConsoleTests {
    /// A console writing into a pipe, and a way to read what it wrote.
    final class Capture: Sendable {
        let console: Console
        let read: Int32
        let write: Int32

        init(terminal: Bool) {
            var fds: [Int32] = [0, 0]
            pipe(&fds)
            read = fds[0]
            write = fds[1]
            console = Console(descriptor: write, isTerminal: terminal)
        }

        func text() -> String {
            close(write)
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = Foundation.read(read, &buffer, buffer.count)
                if count <= 0 { break }
                data.append(contentsOf: buffer[0..<count])
            }
            close(read)
            return String(decoding: data, as: UTF8.self)
        }
    }

    @Test func jsonLinesCarryTheFieldsAndEscapeTheText() throws {
        let capture = Capture(terminal: false)
        var logger = Logger(label: "summarize") { ConsoleLogHandler(label: $0, format: .json, console: capture.console) }
        logger[metadataKey: "item"] = "42"
        logger.warning("a \"quoted\"\nline", metadata: ["url": "https://example.com/a?b=1", "level": "shadowed", "list": ["x", "y"]])
        let line = capture.text()
        #expect(line.hasSuffix("}\n"))
        #expect(line.split(separator: "\n").count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "a \"quoted\"\nline")
        #expect(object["logger"] as? String == "summarize")
        #expect(object["item"] as? String == "42")
        #expect(object["url"] as? String == "https://example.com/a?b=1")
        #expect(object["metadata.level"] as? String == "shadowed")
        #expect(object["list"] as? [String] == ["x", "y"])
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(ISO8601.date(from: timestamp) != nil, "\(timestamp) is not RFC 3339")
    }

    @Test func textLinesKeepTheStreamHandlerShape() {
        let capture = Capture(terminal: false)
        let logger = Logger(label: "summarize") { ConsoleLogHandler(label: $0, format: .text, console: capture.console) }
        logger.info("starting", metadata: ["b": "2", "a": "1"])
        let line = capture.text()
        #expect(line.contains(" info summarize : a=1 b=2 starting\n"), "\(line)")
    }

    @Test func onATerminalLogLinesAppearAboveTheProgressLine() {
        let capture = Capture(terminal: true)
        capture.console.showProgress("progress: 1 done")
        capture.console.writeLine("a log line")
        capture.console.clearProgress()
        let text = capture.text()
        // The progress is erased before the log line, drawn again after it, and erased at the end.
        #expect(
            text
                == Console.eraseLine + "progress: 1 done" + Console.eraseLine + "a log line\n" + "progress: 1 done" + Console.eraseLine
        )
    }

    @Test func withoutATerminalProgressIsALineOfItsOwn() {
        let capture = Capture(terminal: false)
        capture.console.showProgress("progress: 1 done")
        capture.console.writeLine("log")
        capture.console.clearProgress()
        #expect(capture.text() == "progress: 1 done\nlog\n")
    }

    @Test func theProgressLineSaysWhereTheRunIs() {
        var snapshot = RunMetrics.Snapshot()
        snapshot.itemsFinished = 50
        snapshot.inFlight = 4
        snapshot.outcomes = ["written": 40, "failed": 3, "held": 7]
        snapshot.llmTokens = TokenUsage(prompt: 1000, output: 200)
        snapshot.llmCostUSD = 0.0123
        snapshot.breakerOpenKeys = ["domain": 2]
        let line = ProgressReporter.line(snapshot, total: 200, elapsed: 10)
        #expect(
            line == "progress: 50/200 done | 5.0 items/s | ETA 0:30 | 4 in flight | 3 failed | 7 skipped | 1200 tokens | $0.0123 | 1 breaker open"
        )
        let unknownTotal = ProgressReporter.line(snapshot, total: nil, elapsed: 10)
        #expect(unknownTotal.hasPrefix("progress: 50 done | 5.0 items/s | 4 in flight"))
        #expect(ProgressReporter.clockTime(3725) == "1:02:05")
    }

    @Test func autoProgressIsOffWithoutATerminal() {
        let capture = Capture(terminal: false)
        #expect(!ProgressReporter(metrics: RunMetrics(), console: capture.console, mode: .auto).isActive)
        #expect(ProgressReporter(metrics: RunMetrics(), console: capture.console, mode: .plain).isActive)
        _ = capture.text()
    }
}
