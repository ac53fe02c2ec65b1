import Logging
import SummarizerCore

/// Takes a token from a shared bucket before every attempt (`rateLimit`).
///
/// Placed inside a retry, every retry takes a token too, so a struggling backend is not
/// hammered faster than the configured rate. With `scope` `database` the bucket is shared with
/// every process naming the same limiter (see ``SharedTokenBucket``); such a limiter also acts
/// on what the calls meet: a 429 slows an adaptive bucket, a spent daily quota stops every process.
public struct RateLimitMiddleware: StageMiddleware {
    /// Where tokens come from, shared by every stage that names this middleware.
    public let limiter: any TokenSource
    let name: String?
    let rateDescription: String
    let metrics: RunMetrics

    /// Middleware taking a token of `limiter` before every attempt.
    public init(limiter: any TokenSource, name: String?, rateDescription: String, metrics: RunMetrics) {
        self.limiter = limiter
        self.name = name
        self.rateDescription = rateDescription
        self.metrics = metrics
    }

    /// Middleware taking a token of a bucket in this process before every attempt.
    public init(bucket: TokenBucket, name: String?, rateDescription: String, metrics: RunMetrics) {
        self.init(limiter: bucket, name: name, rateDescription: rateDescription, metrics: metrics)
    }

    public func handle<Output: Sendable>(
        _ call: StageCall,
        next: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output {
        let limit = name ?? "rateLimit"
        metrics.rateLimitWaitStarted(limiter: limit)
        let waited: Duration
        do {
            waited = try await limiter.acquire()
        } catch {
            metrics.rateLimitWaitFinished(limiter: limit, seconds: 0)
            throw error
        }
        metrics.rateLimitWaitFinished(limiter: limit, seconds: waited.seconds)
        if waited > .zero {
            call.context.logger.debug("waited for the rate limit", metadata: ["limit": "\(limit)", "seconds": "\(waited.seconds)"])
        }
        guard let shared = limiter as? SharedTokenBucket else { return try await next(call) }
        // Another process may have recorded the quota as spent while this call waited.
        if let exhaustion = shared.store.knownExhaustion(shared.name) { throw exhaustion.error(limiter: shared.name) }
        do {
            return try await next(call)
        } catch let error as PipelineError {
            await shared.observe(error, logger: call.context.logger)
            throw error
        }
    }

    public var description: String {
        var text = "rateLimit" + (name.map { " \"\($0)\"" } ?? "") + " (\(rateDescription), burst \(limiter.burst)"
        if let shared = limiter as? SharedTokenBucket {
            if let adaptive = shared.policy.adaptive {
                text += ", adaptive: ×\(format(adaptive.factor)) on a 429, at least \(format(adaptive.minimumPerSecond * 60))/min"
            }
            text += ", shared through \(shared.store)"
        } else {
            text += ", this process only"
        }
        return text + ")"
    }

    /// Where a limiter's bucket lives.
    enum Scope: String, CaseIterable, ConfigValueConvertible {
        case process, database
    }

    /// What the `rateLimit` plugin's config sets: one of the two rates, the burst, the scope
    /// and the adaptation.
    struct Options: PluginSettings {
        var requestsPerMinute: Double?
        var requestsPerSecond: Double?
        var burst = 1
        var scope = Scope.process
        var databaseURL: String?
        var leaseTokens: Int?
        var adaptive = false
        var adaptiveFactor = 0.5
        var adaptiveMinimumPerMinute = 1.0
        var adaptiveRaiseSeconds = 60.0
        var adaptiveRaiseFraction = 0.1

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
            SettingKey(
                "scope",
                \.scope,
                doc: "process: one bucket in this process; database: one bucket per limiter name in PostgreSQL, shared by every process."
            ),
            SettingKey(
                "databaseURL",
                \.databaseURL,
                secret: true,
                environment: ["DATABASE_URL"],
                doc: "With scope database: the PostgreSQL holding the bucket (summarize db migrate creates its table); DATABASE_URL when not given."
            ),
            SettingKey(
                "leaseTokens",
                \.leaseTokens,
                minimum: 1,
                doc: "With a shared bucket: the most tokens one reservation takes for the calls waiting (default and maximum: burst)."
            ),
            SettingKey("adaptive", \.adaptive, doc: "Lower the rate on every 429 and raise it back while none come (shared with the bucket)."),
            SettingKey("adaptiveFactor", \.adaptiveFactor, minimum: 0.01, doc: "With adaptive: a 429 multiplies the rate by this (below 1)."),
            SettingKey("adaptiveMinimumPerMinute", \.adaptiveMinimumPerMinute, minimum: 0.001, doc: "With adaptive: the rate never goes below this."),
            SettingKey(
                "adaptiveRaiseSeconds",
                \.adaptiveRaiseSeconds,
                minimum: 0.1,
                doc: "With adaptive: each period this long without a 429 raises the rate by adaptiveRaiseFraction of the configured rate."
            ),
            SettingKey(
                "adaptiveRaiseFraction",
                \.adaptiveRaiseFraction,
                minimum: 0.001,
                doc: "With adaptive: what one raise adds, as a fraction of the configured rate."
            ),
        ]
    }

    /// The `rateLimit` middleware plugin.
    public static let plugin = Plugin(
        type: "rateLimit",
        summary: "Token bucket shared by every stage that names it (or, with scope database, by every process); every attempt takes a token.",
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
            let clock = RunClock(environment.clock)
            let policy = try policy(options, rate: rate, config: config)
            guard options.scope != .process || policy.adaptive != nil else {
                if config.values["leaseTokens"] != nil, config.origins["leaseTokens"] != .default {
                    throw config.problem("leaseTokens", "leaseTokens applies to a shared bucket: set scope to database, or drop it")
                }
                let bucket = TokenBucket(requestsPerSecond: rate, burst: options.burst, clock: clock)
                return RateLimitMiddleware(bucket: bucket, name: config.name, rateDescription: text, metrics: environment.metrics)
            }
            let name = config.name ?? "rateLimit"
            let store: any SharedRateLimitStore
            if options.scope == .process {
                store = environment.services.shared("rateLimit.process") { InMemoryRateLimitStore(clock: clock) }
            } else {
                guard let scope = environment.rateLimitScopes[options.scope.rawValue] else {
                    throw config.problem("scope", "scope \"\(options.scope.rawValue)\" is not available in this program")
                }
                store = try scope.makeStore(config, environment)
            }
            let bucket = environment.services.shared("rateLimit.shared.\(name)") {
                SharedTokenBucket(
                    name: name,
                    store: store,
                    policy: policy,
                    leaseTokens: options.leaseTokens ?? options.burst,
                    clock: clock,
                    logger: environment.logger,
                    control: environment.runControl
                )
            }
            return RateLimitMiddleware(limiter: bucket, name: config.name, rateDescription: text, metrics: environment.metrics)
        }
    )

    static func policy(_ options: Options, rate: Double, config: PluginConfig) throws(ConfigError) -> SharedRatePolicy {
        guard options.adaptive else { return SharedRatePolicy(ratePerSecond: rate, burst: options.burst) }
        guard options.adaptiveFactor < 1 else {
            throw config.problem("adaptiveFactor", "a 429 must lower the rate: give a factor below 1, e.g. 0.5")
        }
        let minimum = options.adaptiveMinimumPerMinute / 60
        guard minimum <= rate else {
            throw config.problem(
                "adaptiveMinimumPerMinute",
                "the floor \(format(options.adaptiveMinimumPerMinute))/min is above the rate \(format(rate * 60))/min"
            )
        }
        let adaptive = SharedRatePolicy.Adaptive(
            factor: options.adaptiveFactor,
            minimumPerSecond: minimum,
            raiseEvery: .seconds(options.adaptiveRaiseSeconds),
            raisePerSecond: rate * options.adaptiveRaiseFraction
        )
        return SharedRatePolicy(ratePerSecond: rate, burst: options.burst, adaptive: adaptive)
    }
}

func format(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}
