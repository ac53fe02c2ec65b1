import Foundation
import SummarizerCore
import Synchronization

/// How a run shows its progress on standard error (`--progress`).
public enum ProgressMode: String, Sendable, CaseIterable {
    /// A line redrawn in place when standard error is a terminal; nothing otherwise.
    case auto
    /// A line every 10 seconds, for log files.
    case plain
    /// No progress.
    case never
}

/// The live progress of a run: done / total, rate, ETA, failures, tokens, cost, open breakers.
public struct ProgressReporter: Sendable {
    let metrics: RunMetrics
    let console: Console
    let mode: ProgressMode
    /// Items the source holds, once it counted them (it may never).
    public let total: ProgressTotal

    /// A reporter of `metrics` on `console`.
    public init(metrics: RunMetrics, console: Console, mode: ProgressMode, total: ProgressTotal = ProgressTotal()) {
        self.metrics = metrics
        self.console = console
        self.mode = mode
        self.total = total
    }

    /// Whether anything is shown at all.
    public var isActive: Bool {
        switch mode {
        case .auto: console.isTerminal
        case .plain: true
        case .never: false
        }
    }

    /// How often the line is drawn: 10 times a second on a terminal, every 10 seconds in plain mode.
    var interval: Duration {
        mode == .auto ? .milliseconds(100) : .seconds(10)
    }

    /// Draws the line until the task is cancelled, then removes it from the terminal (in plain
    /// mode it writes the final line instead, so a log file ends with the totals).
    public func run() async {
        guard isActive else { return }
        let start = ContinuousClock.now
        var last = ""
        while (try? await Task.sleep(for: interval)) != nil {
            let line = Self.line(metrics.snapshot, total: total.value, elapsed: (ContinuousClock.now - start).seconds)
            // A terminal is redrawn only when the text changed: no flicker, no needless writes.
            if mode == .plain || line != last { console.showProgress(line) }
            last = line
        }
        if mode == .plain {
            console.showProgress(Self.line(metrics.snapshot, total: total.value, elapsed: (ContinuousClock.now - start).seconds))
        } else {
            console.clearProgress()
        }
    }

    /// The progress line for `snapshot`, `elapsed` seconds into the run.
    public static func line(_ snapshot: RunMetrics.Snapshot, total: Int?, elapsed: Double) -> String {
        let done = snapshot.itemsFinished
        var parts: [String] = []
        if let total, total >= done {
            parts.append("\(done)/\(total) done")
        } else {
            parts.append("\(done) done")
        }
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        parts.append(String(format: "%.1f items/s", rate))
        if let total, total >= done, rate > 0 {
            parts.append("ETA \(clockTime(Double(total - done) / rate))")
        }
        parts.append("\(snapshot.inFlight) in flight")
        if snapshot.awaitingWrite > 0 { parts.append("\(snapshot.awaitingWrite) awaiting write") }
        parts.append("\(snapshot.outcomes["failed", default: 0]) failed")
        let skipped = ["held", "exhausted", "duplicate", "unchanged"].reduce(0) { $0 + snapshot.outcomes[$1, default: 0] }
        parts.append("\(skipped) skipped")
        parts.append("\(snapshot.llmTokens.total) tokens")
        parts.append(String(format: "$%.4f", snapshot.llmCostUSD))
        let open = snapshot.breakersOpen
        if open > 0 { parts.append("\(open) breaker\(open == 1 ? "" : "s") open") }
        return "progress: " + parts.joined(separator: " | ")
    }

    /// `seconds` as `h:mm:ss` or `m:ss`.
    static func clockTime(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let whole = Int(seconds.rounded(.up))
        let (hours, minutes, rest) = (whole / 3600, whole / 60 % 60, whole % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}

/// The total of the progress line: set when the source's count arrives, read at each redraw.
public final class ProgressTotal: Sendable {
    private let state = Mutex<Int?>(nil)

    /// No total yet.
    public init() {}

    /// The total, once known.
    public var value: Int? { state.withLock { $0 } }

    /// Sets the total.
    public func set(_ total: Int?) { state.withLock { $0 = total } }
}
