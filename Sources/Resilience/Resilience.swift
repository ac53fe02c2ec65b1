import SummarizerCore

/// The resilience middleware plugins: rate limit, circuit breaker, retry, timeout,
/// concurrency limit, and the default chain each role gets.
public enum Resilience {
    /// Every middleware plugin of this module.
    public static let plugins: [Plugin] = []

    /// Adds the middleware plugins and the roles' default chains to `registry`.
    public static func register(in registry: inout PluginRegistry) {
        for plugin in plugins { registry.register(plugin) }
    }
}
