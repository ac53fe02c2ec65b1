import Logging

/// What a plugin factory receives besides its config: the run's logger, clock and options.
public struct PluginEnvironment: Sendable {
    /// The run's logger.
    public var logger: Logger
    /// The run's clock; stages sleep on it.
    public var clock: any Clock<Duration>
    /// The folder of the config file; relative paths were already resolved against it.
    public var baseDirectory: String
    /// Command-line options for the plugins that declared they honour them.
    public var runOptions: RunOptions
    /// Where factories register background services and objects shared across the run.
    public var services: ServiceCollector
    /// The run's metrics, for middleware that count (retries, breaker changes, waits).
    public var metrics: RunMetrics
    /// The run's spending limit (`run.maxCostUSD`), for summarizers that know their prices.
    public var costBudget: CostBudget?
    /// The control of the run the plugins serve, for those that learn the run must stop (a
    /// quota spent by another process); `nil` outside a run (`explain`, single requests).
    public var runControl: RunControl?
    /// The ways `rateLimit` may share its bucket beyond this process, by `scope` name; the
    /// pipeline builder adds the registry's.
    public var rateLimitScopes: [String: RateLimitScope] = [:]

    /// An environment; the CLI makes one per run.
    public init(
        logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(),
        baseDirectory: String,
        runOptions: RunOptions = RunOptions(),
        services: ServiceCollector = ServiceCollector(),
        metrics: RunMetrics = RunMetrics(),
        costBudget: CostBudget? = nil
    ) {
        self.logger = logger
        self.clock = clock
        self.baseDirectory = baseDirectory
        self.runOptions = runOptions
        self.services = services
        self.metrics = metrics
        self.costBudget = costBudget
    }
}
