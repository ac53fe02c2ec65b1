import Logging
import SummarizerCore

/// Takes a token from a shared bucket before every attempt (`rateLimit`).
///
/// Placed inside a retry, every retry takes a token too, so a struggling backend is not
/// hammered faster than the configured rate.
public struct RateLimitMiddleware: StageMiddleware {
    /// The bucket, shared by every stage that names this middleware.
    public let bucket: TokenBucket
    let name: String?
    let rateDescription: String
    let metrics: RunMetrics

    /// Middleware taking a token of `bucket` before every attempt.
    public init(bucket: TokenBucket, name: String?, rateDescription: String, metrics: RunMetrics) {
        self.bucket = bucket
        self.name = name
        self.rateDescription = rateDescription
        self.metrics = metrics
    }

    public func handle<Output: Sendable>(
        _ call: StageCall,
        next: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output {
        let limiter = name ?? "rateLimit"
        metrics.rateLimitWaitStarted(limiter: limiter)
        let waited: Duration
        do {
            waited = try await bucket.acquire()
        } catch {
            metrics.rateLimitWaitFinished(limiter: limiter, seconds: 0)
            throw error
        }
        metrics.rateLimitWaitFinished(limiter: limiter, seconds: waited.seconds)
        if waited > .zero {
            call.context.logger.debug(
                "waited for the rate limit",
                metadata: ["limit": "\(name ?? "rateLimit")", "seconds": "\(waited.seconds)"]
            )
        }
        return try await next(call)
    }

    public var description: String {
        "rateLimit" + (name.map { " \"\($0)\"" } ?? "") + " (\(rateDescription), burst \(bucket.burst))"
    }

    /// What the `rateLimit` plugin's config sets: one of the two rates, and the burst.
    struct Options: PluginSettings {
        var requestsPerMinute: Double?
        var requestsPerSecond: Double?
        var burst = 1

        static let keys: [SettingKey<Self>] = [
            SettingKey(
                "requestsPerMinute",
                \.requestsPerMinute,
                minimum: 0.001,
                environment: ["MAX_REQUESTS_PER_MINUTE"],
                environmentRoles: [.summarizer],
                doc: "Sustained rate per minute; MAX_REQUESTS_PER_MINUTE overrides it for the summarizer's limits."
            ),
            SettingKey("requestsPerSecond", \.requestsPerSecond, minimum: 0.001, doc: "Sustained rate per second (instead of per minute)."),
            SettingKey("burst", \.burst, minimum: 1, doc: "Requests allowed at once after an idle period."),
        ]
    }

    /// The `rateLimit` middleware plugin.
    public static let plugin = Plugin(
        type: "rateLimit",
        summary: "Token bucket shared by every stage that names it; every attempt, retries included, takes a token.",
        keys: Options.configKeys,
        .middleware { config, environment in
            let options = try config.decode(Options.self)
            // An environment override of the per-minute rate replaces whatever rate the file set.
            let perSecond = config.origins["requestsPerMinute"] == .environment ? nil : options.requestsPerSecond
            let rate: Double
            let text: String
            switch (options.requestsPerMinute, perSecond) {
            case (let minute?, nil):
                rate = minute / 60
                text = "\(format(minute))/min"
            case (nil, let second?):
                rate = second
                text = "\(format(second))/s"
            case (nil, nil):
                throw config.problem("requestsPerMinute", "set requestsPerMinute or requestsPerSecond")
            case (.some, .some):
                throw config.problem("requestsPerSecond", "set requestsPerMinute or requestsPerSecond, not both")
            }
            let bucket = TokenBucket(requestsPerSecond: rate, burst: options.burst, clock: RunClock(environment.clock))
            return RateLimitMiddleware(bucket: bucket, name: config.name, rateDescription: text, metrics: environment.metrics)
        }
    )
}

func format(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}
