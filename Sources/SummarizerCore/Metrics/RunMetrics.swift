import CoreMetrics
import Foundation
import Synchronization

/// The run's counters, shared by every stage and task.
///
/// Keeps the original module's metric names so existing dashboards keep working, plus what the
/// run report and the live progress line need: outcomes, per-stage latency, tokens by model,
/// a throughput timeline, and what calls wait on. With a swift-metrics factory it also reports
/// every event as the metrics of ``MetricCatalogue``, for an exporter such as Prometheus.
public final class RunMetrics: Sendable {
    /// A point-in-time copy of the counters.
    public struct Snapshot: Sendable, Hashable {
        /// Items finished, written or failed (the original's `total_requests`).
        public var totalRequests = 0
        /// Items written (`successful_requests`).
        public var successfulRequests = 0
        /// Items failed (`failed_requests`).
        public var failedRequests = 0
        /// Items summarized after the URL-context fallback (`fallback_requests`).
        public var fallbackRequests = 0
        /// Tokens of successful items, as in the original; every call's tokens are in ``llmTokens``.
        public var totalTokens = 0
        /// Seconds spent on successful items, as in the original.
        public var totalProcessingTime = 0.0
        /// Extra counters by name, e.g. `retries`, `breaker_opened`.
        public var counters: [String: Int] = [:]
        /// Tokens of every LLM call by kind, failed calls and repair attempts included.
        public var llmTokens = TokenUsage.zero
        /// LLM calls that reported usage.
        public var llmCalls = 0
        /// The estimated price of those calls, in USD.
        public var llmCostUSD = 0.0
        /// Calls of models without a price (their cost is not in ``llmCostUSD``).
        public var unpricedCalls = 0
        /// Calls, tokens and cost by model.
        public var llmByModel: [String: ModelUsage] = [:]
        /// Items started.
        public var itemsStarted = 0
        /// Items that reached an outcome, by outcome (written, failed, held, ...).
        public var outcomes: [String: Int] = [:]
        /// Items that reached any outcome.
        public var itemsFinished = 0
        /// Items started whose stages are not done yet.
        public var inFlight = 0
        /// Records waiting for their batch to be written.
        public var awaitingWrite = 0
        /// Stage calls in progress, by stage.
        public var stageCallsInFlight: [String: Int] = [:]
        /// Calls waiting for a rate limiter's token, by limiter.
        public var rateLimitWaiting: [String: Int] = [:]
        /// Keys whose breaker is open or half-open, by breaker.
        public var breakerOpenKeys: [String: Int] = [:]
        /// Seconds of each stage call, by stage (`fetch`, `extract`, `summarize`, `sink`).
        public var stageLatency: [String: LatencyHistogram] = [:]
        /// Items finished in each ``timelineBucketSeconds`` since the start.
        public var timeline: [Int] = []
        /// When the metrics were made (the run's start).
        public var startedAt = Date()
        /// When an item last finished; `nil` before the first.
        public var lastProgressAt: Date?
        /// Whether the run is stalled now (see `run.stallSeconds`).
        public var stalled = false

        /// Counts at zero.
        public init() {}

        /// The width of a ``timeline`` bucket, in seconds.
        public static let timelineBucketSeconds = 10.0

        /// Written items as a percentage of finished ones; 0 before any.
        public var successRatePercent: Double {
            totalRequests == 0 ? 0 : Double(successfulRequests) * 100 / Double(totalRequests)
        }

        /// Tokens per finished item; 0 before any.
        public var averageTokens: Double {
            successfulRequests == 0 ? 0 : Double(totalTokens) / Double(successfulRequests)
        }

        /// Over successful requests, as the original computed it (its processing time is that
        /// of successful items only).
        public var averageTimeSeconds: Double {
            successfulRequests == 0 ? 0 : totalProcessingTime / Double(successfulRequests)
        }

        /// Breakers with at least one key open or half-open.
        public var breakersOpen: Int {
            breakerOpenKeys.values.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        }

        /// The metrics under the original module's keys, in its order.
        public var originalKeys: [(String, String)] {
            [
                ("total_requests", String(totalRequests)),
                ("successful_requests", String(successfulRequests)),
                ("failed_requests", String(failedRequests)),
                ("fallback_requests", String(fallbackRequests)),
                ("total_tokens", String(totalTokens)),
                ("total_processing_time", Self.format(totalProcessingTime)),
                ("success_rate_percent", Self.format(successRatePercent)),
                ("average_tokens", Self.format(averageTokens)),
                ("average_time_seconds", Self.format(averageTimeSeconds)),
            ]
        }

        var originalValues: [(String, Double)] {
            [
                ("total_requests", Double(totalRequests)),
                ("successful_requests", Double(successfulRequests)),
                ("failed_requests", Double(failedRequests)),
                ("fallback_requests", Double(fallbackRequests)),
                ("total_tokens", Double(totalTokens)),
                ("total_processing_time", totalProcessingTime),
                ("success_rate_percent", successRatePercent),
                ("average_tokens", averageTokens),
                ("average_time_seconds", averageTimeSeconds),
            ]
        }

        static func format(_ value: Double) -> String {
            let rounded = (value * 100).rounded() / 100
            return String(rounded)
        }
    }

    /// One model's share of the LLM calls.
    public struct ModelUsage: Sendable, Hashable {
        /// Calls that reported usage.
        public var calls = 0
        /// Their tokens by kind.
        public var tokens = TokenUsage.zero
        /// Their estimated price in USD (priced calls only).
        public var costUSD = 0.0
        /// Calls without a price.
        public var unpricedCalls = 0
    }

    private let state: Mutex<Snapshot>
    private let start = ContinuousClock.now
    private let handles: MetricHandles?

    /// Metrics at zero. With `factory`, every event is also reported through swift-metrics
    /// under the names of ``MetricCatalogue``; without one, nothing leaves the process.
    public init(factory: (any MetricsFactory)? = nil) {
        var initial = Snapshot()
        initial.startedAt = Date()
        state = Mutex(initial)
        handles = factory.map(MetricHandles.init)
        if let handles {
            handles.gauge(MetricCatalogue.runStart).record(initial.startedAt.timeIntervalSince1970)
            handles.gauge(MetricCatalogue.stalled).record(0)
            handles.gauge(MetricCatalogue.inFlight).record(0)
        }
    }

    /// Whether events are reported through swift-metrics.
    public var exports: Bool { handles != nil }

    /// Counts one item that reached an outcome other than skipped. Its tokens and seconds count
    /// towards `total_tokens` and `total_processing_time` only when it succeeded, as the
    /// original's did, so the averages are per successful item.
    public func recordItem(succeeded: Bool, fallback: Bool, tokens: Int, seconds: Double) {
        let values = state.withLock {
            $0.totalRequests += 1
            if fallback { $0.fallbackRequests += 1 }
            if succeeded {
                $0.successfulRequests += 1
                $0.totalTokens += tokens
                $0.totalProcessingTime += seconds
            } else {
                $0.failedRequests += 1
            }
            return handles == nil ? [] : $0.originalValues
        }
        guard let handles else { return }
        for ((_, value), gauge) in zip(values, MetricCatalogue.originalGauges) {
            handles.gauge(gauge.name).record(value)
        }
    }

    /// Counts an item taken from the source and started.
    public func itemStarted() {
        let inFlight = state.withLock {
            $0.itemsStarted += 1
            $0.inFlight += 1
            return $0.inFlight
        }
        handles?.counter(MetricCatalogue.itemsStarted).increment()
        handles?.gauge(MetricCatalogue.inFlight).record(inFlight)
    }

    /// Counts a started item whose stages are done (its record may still wait for its batch).
    public func itemReturned() {
        let inFlight = state.withLock {
            $0.inFlight = max(0, $0.inFlight - 1)
            return $0.inFlight
        }
        handles?.gauge(MetricCatalogue.inFlight).record(inFlight)
    }

    /// Sets how many records wait for their batch to be written.
    public func setAwaitingWrite(_ count: Int) {
        state.withLock { $0.awaitingWrite = count }
    }

    /// Counts an item that reached `outcome` (written, summarized, failed, held, exhausted,
    /// duplicate, unchanged, unfinished).
    public func recordOutcome(_ outcome: String) {
        let elapsed = (ContinuousClock.now - start).seconds
        let now = Date()
        state.withLock {
            $0.outcomes[outcome, default: 0] += 1
            $0.itemsFinished += 1
            let bucket = max(0, Int(elapsed / Snapshot.timelineBucketSeconds))
            if bucket >= $0.timeline.count { $0.timeline.append(contentsOf: repeatElement(0, count: bucket + 1 - $0.timeline.count)) }
            $0.timeline[bucket] += 1
            $0.lastProgressAt = now
        }
        guard let handles else { return }
        handles.counter(MetricCatalogue.items, outcome).increment()
        handles.gauge(MetricCatalogue.lastProgress).record(now.timeIntervalSince1970)
    }

    /// Counts a failed item by the stage that failed and the error kind.
    public func recordFailure(stage: Stage, kind: PipelineError.Kind) {
        handles?.counter(MetricCatalogue.failures, stage.rawValue, "\(kind)").increment()
    }

    /// Counts a stage call starting (`fetch`, `extract`, `summarize`, `sink`).
    public func stageStarted(_ stage: String) {
        let count = state.withLock {
            $0.stageCallsInFlight[stage, default: 0] += 1
            return $0.stageCallsInFlight[stage, default: 0]
        }
        handles?.gauge(MetricCatalogue.stageInFlight, stage).record(count)
    }

    /// Records a stage call that ended after `seconds`, retries included.
    public func stageFinished(_ stage: String, seconds: Double, failed: Bool) {
        let count = state.withLock {
            $0.stageCallsInFlight[stage, default: 1] -= 1
            $0.stageLatency[stage, default: LatencyHistogram()].record(seconds)
            return $0.stageCallsInFlight[stage, default: 0]
        }
        guard let handles else { return }
        handles.gauge(MetricCatalogue.stageInFlight, stage).record(count)
        handles.timer(MetricCatalogue.stageDuration, stage, failed ? "failed" : "ok").recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Counts one LLM call's tokens and price; backends call it for every call that reported usage.
    public func recordLLMCall(_ spend: Spend, model: String) {
        state.withLock {
            $0.llmCalls += 1
            $0.llmTokens = $0.llmTokens + spend.tokens
            $0.llmByModel[model, default: ModelUsage()].calls += 1
            $0.llmByModel[model, default: ModelUsage()].tokens = $0.llmByModel[model, default: ModelUsage()].tokens + spend.tokens
            if let cost = spend.costUSD {
                $0.llmCostUSD += cost
                $0.llmByModel[model, default: ModelUsage()].costUSD += cost
            } else {
                $0.unpricedCalls += 1
                $0.llmByModel[model, default: ModelUsage()].unpricedCalls += 1
            }
        }
        guard let handles else { return }
        handles.counter(MetricCatalogue.llmCalls, model).increment()
        let tokens = spend.tokens
        for (kind, count) in [
            ("prompt", tokens.prompt), ("cached", tokens.cached), ("output", tokens.output), ("thoughts", tokens.thoughts),
            ("tool_use", tokens.toolUse),
        ] where count > 0 {
            handles.counter(MetricCatalogue.llmTokens, model, kind).increment(by: count)
        }
        if let cost = spend.costUSD, cost > 0 { handles.floatingCounter(MetricCatalogue.llmCost, model).increment(by: cost) }
    }

    /// Counts a reply asked again because it did not match the schema (`succeeded`: the repair worked).
    public func recordRepair(succeeded: Bool) {
        increment(succeeded ? "llm_repairs_succeeded" : "llm_repair_attempts")
        handles?.counter(MetricCatalogue.llmRepairs, succeeded ? "succeeded" : "attempted").increment()
    }

    /// Counts a retried attempt of a `stage` call.
    public func recordRetry(stage: String) {
        increment("retries")
        handles?.counter(MetricCatalogue.retries, stage).increment()
    }

    /// Counts a call starting to wait for `limiter`'s token.
    public func rateLimitWaitStarted(limiter: String) {
        let waiting = state.withLock {
            $0.rateLimitWaiting[limiter, default: 0] += 1
            return $0.rateLimitWaiting[limiter, default: 0]
        }
        handles?.gauge(MetricCatalogue.rateLimitWaiting, limiter).record(waiting)
    }

    /// Counts a call that got `limiter`'s token after `seconds`.
    public func rateLimitWaitFinished(limiter: String, seconds: Double) {
        let waiting = state.withLock {
            $0.rateLimitWaiting[limiter, default: 1] -= 1
            if seconds > 0 {
                $0.counters["rate_limit_waits", default: 0] += 1
                $0.counters["rate_limit_wait_ms", default: 0] += Int(seconds * 1000)
            }
            return $0.rateLimitWaiting[limiter, default: 0]
        }
        guard let handles else { return }
        handles.gauge(MetricCatalogue.rateLimitWaiting, limiter).record(waiting)
        if seconds > 0 {
            handles.counter(MetricCatalogue.rateLimitWaits, limiter).increment()
            handles.floatingCounter(MetricCatalogue.rateLimitWaitSeconds, limiter).increment(by: seconds)
        }
    }

    /// Counts `breaker` entering `state` (`open`, `half_open`, `closed`) for a key; `openKeys`
    /// is how many of its keys are open or half-open now.
    public func recordBreakerTransition(breaker: String, to state: String, openKeys: Int) {
        let counterName =
            switch state {
            case "open": "circuit_breaker_opened"
            case "half_open": "circuit_breaker_half_opened"
            default: "circuit_breaker_closed"
            }
        self.state.withLock {
            $0.counters[counterName, default: 0] += 1
            $0.breakerOpenKeys[breaker] = openKeys
        }
        guard let handles else { return }
        handles.counter(MetricCatalogue.breakerTransitions, breaker, state).increment()
        handles.gauge(MetricCatalogue.breakerOpenKeys, breaker).record(openKeys)
    }

    /// Counts a batch written to `sink`: rows stored and rejected, or the whole batch failed.
    public func recordSinkBatch(sink: String, stored: Int, rejected: Int, failed: Bool) {
        guard let handles else { return }
        let result = failed ? "failed" : rejected > 0 ? "partial" : "ok"
        handles.counter(MetricCatalogue.sinkBatches, sink, result).increment()
        if stored > 0 { handles.counter(MetricCatalogue.sinkRows, sink, "stored").increment(by: stored) }
        if rejected > 0 { handles.counter(MetricCatalogue.sinkRows, sink, "rejected").increment(by: rejected) }
    }

    /// Sets `summarize_run_info`: what runs (labels) with the value 1.
    public func recordRunInfo(version: String, configHash: String, promptVersion: String) {
        handles?.gauge(MetricCatalogue.runInfo, version, configHash, promptVersion).record(1)
    }

    /// Sets `summarize_stalled`.
    public func setStalled(_ stalled: Bool) {
        state.withLock { $0.stalled = stalled }
        handles?.gauge(MetricCatalogue.stalled).record(stalled ? 1 : 0)
    }

    /// Adds `amount` to the counter `name`.
    public func increment(_ name: String, by amount: Int = 1) {
        state.withLock { $0.counters[name, default: 0] += amount }
    }

    /// The counts as they are now.
    public var snapshot: Snapshot {
        state.withLock { $0 }
    }
}
