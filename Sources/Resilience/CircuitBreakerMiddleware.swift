import SummarizerCore

/// Fails calls fast while their target is unhealthy (`circuitBreaker`).
public struct CircuitBreakerMiddleware: StageMiddleware {
    /// The breaker, shared by every stage that names this middleware.
    public let breaker: CircuitBreaker
    let name: String?

    /// Middleware around `breaker`; `name` is its entry under `/middleware`.
    public init(breaker: CircuitBreaker, name: String?) {
        self.breaker = breaker
        self.name = name
    }

    public func handle<Output: Sendable>(
        _ call: StageCall,
        next: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output {
        let key = breaker.keyKind.key(for: call)
        let permit = try breaker.enter(key)
        do {
            let output = try await next(call)
            breaker.exit(key, permit: permit, outcome: .success)
            return output
        } catch {
            let failure = PipelineError.from(error)
            let outcome: CircuitBreaker.Outcome =
                failure.kind == .cancelled ? .ignored : failure.kind.countsForBreaker ? .failure : .success
            breaker.exit(key, permit: permit, outcome: outcome, error: "\(failure.kind): \(failure.message)")
            throw error
        }
    }

    public var description: String {
        let settings = breaker.settings
        var text = "circuitBreaker" + (name.map { " \"\($0)\"" } ?? "") + " per \(breaker.keyKind)"
        text += " (\(settings.failureThreshold) failures"
        if let rate = settings.failureRateThreshold {
            text += " or \(Int(rate * 100))% of \(settings.windowSize) calls"
        }
        text += ", open \(settings.openDuration.shortDescription), \(settings.halfOpenProbes) probe"
        return text + (settings.halfOpenProbes == 1 ? ")" : "s)")
    }

    /// What the `circuitBreaker` plugin's config sets: the breaker's settings and what it is kept per.
    struct Options: PluginSettings {
        var settings = CircuitBreaker.Settings()
        var key = PolicyKey.domain

        static let keys: [SettingKey<Self>] = [
            SettingKey("key", \.key, doc: "global, domain (per host of the item's URL) or backend (per plugin)."),
            SettingKey(
                "failureThreshold",
                \.settings.failureThreshold,
                minimum: 1,
                environment: ["CIRCUIT_BREAKER_THRESHOLD"],
                doc: "Consecutive failures (transient, timeout, blocked) that open the breaker."
            ),
            SettingKey(
                "openSeconds",
                \.settings.openDuration,
                minimum: 0,
                environment: ["CIRCUIT_BREAKER_TIMEOUT"],
                doc: "How long an open breaker fails calls at once."
            ),
            SettingKey("halfOpenProbes", \.settings.halfOpenProbes, minimum: 1, doc: "Calls let through when half-open."),
            SettingKey(
                "failureRateThreshold",
                \.settings.failureRateThreshold,
                minimum: 0.01,
                doc: "Also open when this fraction (0-1) of the last windowSize calls failed; unset: off."
            ),
            SettingKey("windowSize", \.settings.windowSize, minimum: 1, doc: "Calls in the failure-rate window."),
            SettingKey("minimumCalls", \.settings.minimumCalls, minimum: 1, doc: "Calls needed before the rate is judged."),
        ]
    }

    /// The `circuitBreaker` middleware plugin.
    public static let plugin = Plugin(
        type: "circuitBreaker",
        summary: "Keyed circuit breaker (global, per domain or per backend) with half-open probes.",
        keys: Options.configKeys,
        .middleware { config, environment in
            var options = try config.decode(Options.self)
            if let rate = options.settings.failureRateThreshold, rate > 1 {
                throw config.problem("failureRateThreshold", "must be a fraction between 0 and 1")
            }
            options.settings.minimumCalls = min(options.settings.minimumCalls, options.settings.windowSize)
            let breaker = CircuitBreaker(
                settings: options.settings,
                key: options.key,
                clock: RunClock(environment.clock),
                logger: environment.logger,
                metrics: environment.metrics,
                name: config.name
            )
            return CircuitBreakerMiddleware(breaker: breaker, name: config.name)
        }
    )
}
