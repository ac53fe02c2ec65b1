import Logging

/// Watches a run for a stall: no item finished for `run.stallSeconds` while items are in flight.
///
/// It then logs one warning naming what everything waits on (stage calls in flight, rate
/// limiters, open breakers) and sets `summarize_stalled` to 1; both are cleared, with a notice,
/// when an item finishes again.
struct StallWatch: Sendable {
    let metrics: RunMetrics
    let threshold: Duration
    let clock: any Clock<Duration>
    let logger: Logger

    /// How often the watch looks: a tenth of the threshold, between 1 and 30 seconds.
    var interval: Duration {
        min(.seconds(30), max(.seconds(1), threshold / 10))
    }

    /// Watches until the task is cancelled.
    func run() async {
        var finished = metrics.snapshot.itemsFinished
        var since = Stopwatch(clock)
        var stalled = false
        // A run that ends is no longer stalled.
        defer { if stalled { metrics.setStalled(false) } }
        while (try? await clock.sleep(for: interval)) != nil {
            let snapshot = metrics.snapshot
            if snapshot.itemsFinished != finished {
                finished = snapshot.itemsFinished
                since = Stopwatch(clock)
                if stalled {
                    stalled = false
                    metrics.setStalled(false)
                    logger.notice("items are finishing again; the stall is over")
                }
                continue
            }
            let waiting = snapshot.inFlight + snapshot.awaitingWrite
            guard !stalled, waiting > 0, since.elapsed >= threshold else { continue }
            stalled = true
            metrics.setStalled(true)
            logger.warning(
                "no item finished for \(Self.describe(threshold)) with \(waiting) in flight",
                metadata: ["waitingOn": "\(Self.waitingOn(snapshot))"]
            )
        }
    }

    /// `duration` in seconds, without a fraction when it has none.
    static func describe(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(RunMetrics.Snapshot.format(seconds)) s"
    }

    /// What the items in flight wait on, in words.
    static func waitingOn(_ snapshot: RunMetrics.Snapshot) -> String {
        var parts: [String] = []
        let limiters = snapshot.rateLimitWaiting.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        for (limiter, count) in limiters {
            parts.append("\(count) call\(count == 1 ? "" : "s") waiting for rate limiter \"\(limiter)\"")
        }
        let breakers = snapshot.breakerOpenKeys.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        for (breaker, keys) in breakers {
            parts.append("circuit breaker \"\(breaker)\" open for \(keys) key\(keys == 1 ? "" : "s")")
        }
        let stages = snapshot.stageCallsInFlight.filter { $0.value > 0 }
        let order = Stage.allCases.map(\.rawValue)
        for (stage, count) in stages.sorted(by: { (order.firstIndex(of: $0.key) ?? 9) < (order.firstIndex(of: $1.key) ?? 9) }) {
            parts.append("\(count) \(stage) call\(count == 1 ? "" : "s") in progress")
        }
        if parts.isEmpty { parts.append("items between stages (waiting for a sink batch or a slot)") }
        return parts.joined(separator: "; ")
    }
}
