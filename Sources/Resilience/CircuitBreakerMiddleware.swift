import SummarizerCore

/// Fails calls fast while their target is unhealthy (`circuitBreaker`).
public struct CircuitBreakerMiddleware: StageMiddleware {
    public let breaker: CircuitBreaker
    let name: String?

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

    /// The `circuitBreaker` middleware plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "circuitBreaker", role: .middleware,
            summary: "Keyed circuit breaker (global, per domain or per backend) with half-open probes.",
            keys: [
                ConfigKey(
                    "key", .string, default: .string("domain"), allowed: PolicyKey.allCases.map(\.rawValue),
                    doc: "global, domain (per host of the item's URL) or backend (per plugin)."),
                ConfigKey(
                    "failureThreshold", .integer, default: .number(5), minimum: 1, environment: ["CIRCUIT_BREAKER_THRESHOLD"],
                    doc: "Consecutive failures (transient, timeout, blocked) that open the breaker."),
                ConfigKey(
                    "openSeconds", .number, default: .number(300), minimum: 0, environment: ["CIRCUIT_BREAKER_TIMEOUT"],
                    doc: "How long an open breaker fails calls at once."),
                ConfigKey("halfOpenProbes", .integer, default: .number(1), minimum: 1, doc: "Calls let through when half-open."),
                ConfigKey(
                    "failureRateThreshold", .number, minimum: 0.01,
                    doc: "Also open when this fraction (0-1) of the last windowSize calls failed; unset: off."),
                ConfigKey("windowSize", .integer, default: .number(20), minimum: 1, doc: "Calls in the failure-rate window."),
                ConfigKey("minimumCalls", .integer, default: .number(10), minimum: 1, doc: "Calls needed before the rate is judged."),
            ]),
        .middleware { config, environment in
            var settings = CircuitBreaker.Settings()
            settings.failureThreshold = config.int("failureThreshold")!
            settings.openDuration = .seconds(fromConfig: config.double("openSeconds")!)
            settings.halfOpenProbes = config.int("halfOpenProbes")!
            if let rate = config.double("failureRateThreshold") {
                guard rate <= 1 else { throw config.problem("failureRateThreshold", "must be a fraction between 0 and 1") }
                settings.failureRateThreshold = rate
            }
            settings.windowSize = config.int("windowSize")!
            settings.minimumCalls = min(config.int("minimumCalls")!, settings.windowSize)
            let breaker = CircuitBreaker(
                settings: settings, key: PolicyKey(rawValue: config.string("key")!.lowercased()) ?? .domain,
                clock: RunClock(environment.clock), logger: environment.logger, metrics: environment.metrics)
            return CircuitBreakerMiddleware(breaker: breaker, name: config.name)
        }
    )
}
