import Logging

/// What a plugin factory receives besides its config: the run's logger, clock and options.
public struct PluginEnvironment: Sendable {
    public var logger: Logger
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

/// A plugin: its spec and how to build it from a validated config.
public struct Plugin: Sendable {
    /// Builds the plugin's stage; throws ``ConfigError`` for values the spec could not check.
    public enum Factory: Sendable {
        case source(@Sendable (PluginConfig, PluginEnvironment) throws -> any ItemSource)
        case fetcher(@Sendable (PluginConfig, PluginEnvironment) throws -> any Fetcher)
        case extractor(@Sendable (PluginConfig, PluginEnvironment) throws -> any ContentExtractor)
        case summarizer(@Sendable (PluginConfig, PluginEnvironment) throws -> any Summarizer)
        case sink(@Sendable (PluginConfig, PluginEnvironment) throws -> any Sink)
        case deadLetter(@Sendable (PluginConfig, PluginEnvironment) throws -> any DeadLetterSink)
        case middleware(@Sendable (PluginConfig, PluginEnvironment) throws -> any StageMiddleware)

        var role: PluginRole {
            switch self {
            case .source: .source
            case .fetcher: .fetcher
            case .extractor: .extractor
            case .summarizer: .summarizer
            case .sink: .sink
            case .deadLetter: .deadLetter
            case .middleware: .middleware
            }
        }
    }

    public var spec: PluginSpec
    public var factory: Factory

    /// Creates a plugin; the factory's role must be the spec's.
    public init(_ spec: PluginSpec, _ factory: Factory) {
        precondition(spec.role == factory.role, "plugin '\(spec.type)': spec role \(spec.role) but a \(factory.role) factory")
        self.spec = spec
        self.factory = factory
    }
}

/// Every plugin the program knows, keyed by role and type name.
///
/// A value built at the program's entry point from each plugin module's registration
/// function, then handed down; there is no process-wide registry. The same type name may
/// fill several roles (`jsonl` is a sink and a dead-letter sink).
public struct PluginRegistry: Sendable {
    private var plugins: [PluginRole: [String: Plugin]] = [:]
    private var defaultChains: [PluginRole: [JSONValue]] = [:]

    public init() {}

    /// Adds `plugin`; a second plugin with the same role and type replaces the first.
    public mutating func register(_ plugin: Plugin) {
        plugins[plugin.spec.role, default: [:]][plugin.spec.type] = plugin
    }

    /// Sets the middleware a stage of `role` gets when its config lists none.
    ///
    /// Each element is a middleware config object (`{"type": "retry", ...}`), built through
    /// this registry like any named middleware.
    public mutating func setDefaultMiddleware(for role: PluginRole, _ chain: [JSONValue]) {
        defaultChains[role] = chain
    }

    /// The default middleware configs for `role`.
    public func defaultMiddleware(for role: PluginRole) -> [JSONValue] {
        defaultChains[role] ?? []
    }

    /// The plugin of `role` named `type`.
    public func plugin(role: PluginRole, type: String) -> Plugin? {
        plugins[role]?[type]
    }

    /// Every plugin of `role`, sorted by type name.
    public func plugins(role: PluginRole) -> [Plugin] {
        (plugins[role] ?? [:]).values.sorted { $0.spec.type < $1.spec.type }
    }

    /// Every plugin named `type`, in role order.
    public func plugins(named type: String) -> [Plugin] {
        PluginRole.allCases.compactMap { plugins[$0]?[type] }
    }
}
