import Synchronization

/// The run's counters, shared by every stage and task.
///
/// Keeps the original module's metric names so existing dashboards keep working, plus
/// counters that middleware add (retries, breaker changes, rate-limit waits) by name.
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

        static func format(_ value: Double) -> String {
            let rounded = (value * 100).rounded() / 100
            return String(rounded)
        }
    }

    private let state = Mutex(Snapshot())

    /// Metrics at zero.
    public init() {}

    /// Counts one item that reached an outcome other than skipped. Its tokens and seconds count
    /// towards `total_tokens` and `total_processing_time` only when it succeeded, as the
    /// original's did, so the averages are per successful item.
    public func recordItem(succeeded: Bool, fallback: Bool, tokens: Int, seconds: Double) {
        state.withLock {
            $0.totalRequests += 1
            if fallback { $0.fallbackRequests += 1 }
            guard succeeded else {
                $0.failedRequests += 1
                return
            }
            $0.successfulRequests += 1
            $0.totalTokens += tokens
            $0.totalProcessingTime += seconds
        }
    }

    /// Counts one LLM call's tokens and price; backends call it for every call that reported usage.
    public func recordLLMCall(_ spend: Spend) {
        state.withLock {
            $0.llmCalls += 1
            $0.llmTokens = $0.llmTokens + spend.tokens
            if let cost = spend.costUSD { $0.llmCostUSD += cost } else { $0.unpricedCalls += 1 }
        }
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
