/// Every plugin the program knows, keyed by role and type name.
///
/// A value built at the program's entry point from each plugin module's list (for example
/// `BuiltinPlugins.all`), then handed down; there is no process-wide registry. The same type name may
/// fill several roles (`jsonl` is a sink and a dead-letter sink).
public struct PluginRegistry: Sendable {
    private var plugins: [PluginRole: [String: Plugin]] = [:]
    private var defaultChains: [PluginRole: [JSONValue]] = [:]
    /// The `scope` values `rateLimit` accepts besides `process`, and how each shares its bucket.
    public private(set) var rateLimitScopes: [String: RateLimitScope] = [:]
    /// The `scope` values the `costBudget` section accepts, and where each keeps the budget.
    public private(set) var costLedgerScopes: [String: CostLedgerScope] = [:]

    /// An empty registry.
    public init() {}

    /// Adds `plugin`; a second plugin with the same role and type replaces the first.
    public mutating func register(_ plugin: Plugin) {
        plugins[plugin.spec.role, default: [:]][plugin.spec.type] = plugin
    }

    /// Adds every plugin of `list` in order, as ``register(_:)`` does.
    public mutating func register(contentsOf list: [Plugin]) {
        for plugin in list { register(plugin) }
    }

    /// Adds a way for `rateLimit` to share its bucket across processes, selected by `scope`.
    public mutating func register(rateLimitScope scope: RateLimitScope) {
        rateLimitScopes[scope.name] = scope
    }

    /// Adds a place to keep cost budgets shared across processes, selected by `costBudget.scope`.
    public mutating func register(costLedgerScope scope: CostLedgerScope) {
        costLedgerScopes[scope.name] = scope
    }

    /// Sets the middleware chains stages get when their config lists none, role by role.
    public mutating func setDefaultMiddleware(_ chains: [PluginRole: [JSONValue]]) {
        for (role, chain) in chains { setDefaultMiddleware(for: role, chain) }
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
