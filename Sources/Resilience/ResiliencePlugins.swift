import SummarizerCore

/// The resilience middleware plugins: rate limit, circuit breaker, retry, timeout,
/// concurrency limit, and the default chain each role gets.
public enum ResiliencePlugins {
    /// Every plugin of this module.
    public static let all: [Plugin] = [
        RetryMiddleware.plugin,
        CircuitBreakerMiddleware.plugin,
        RateLimitMiddleware.plugin,
        TimeoutMiddleware.plugin,
        ConcurrencyLimitMiddleware.plugin,
    ]

    /// The chains a stage gets when its config lists no middleware (DESIGN §5): the fetcher
    /// breaks per domain and retries; the summarizer retries (honouring server hints) under a
    /// 60-per-minute limit; sinks retry.
    ///
    /// The first listed is the outermost, and that decides what a breaker counts: listed
    /// before the retry (as here), it sees one result per item, after all its attempts, so
    /// `failureThreshold` 5 means five failed URLs of a domain; listed after the retry, it would
    /// count every attempt.
    public static let defaultChains: [PluginRole: [JSONValue]] = [
        .fetcher: [
            .object(["type": .string("circuitBreaker"), "key": .string("domain")]),
            .object(["type": .string("retry"), "maxAttempts": .number(3), "baseDelaySeconds": .number(1)]),
        ],
        .summarizer: [
            .object(["type": .string("retry"), "maxAttempts": .number(3), "baseDelaySeconds": .number(2)]),
            .object(["type": .string("rateLimit"), "requestsPerMinute": .number(60), "burst": .number(5)]),
        ],
        .sink: [.object(["type": .string("retry"), "maxAttempts": .number(3), "baseDelaySeconds": .number(1)])],
        .deadLetter: [.object(["type": .string("retry"), "maxAttempts": .number(3), "baseDelaySeconds": .number(1)])],
    ]
}
