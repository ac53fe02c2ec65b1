import Foundation
import Logging
import SummarizerCore

/// Wraps the calls of the stages that list it (`__PLUGIN__` middleware).
///
/// The skeleton times each call and, when one takes `warnAfterSeconds` or longer, logs a
/// warning and counts it as `slow_calls` in the run's metrics. A middleware sees every stage
/// call through `handle`: it may wait before `next` (a rate limit), call it again (a retry),
/// refuse to call it (a breaker), or look at what it returned or threw, as here. Rethrow what
/// `next` throws unless you mean to change the outcome: retries and the failure record depend
/// on the error's kind.
public struct __TYPE__: StageMiddleware, PluginSettings {
    /// Calls at least this long are logged and counted.
    public var warnAfter: Duration = .seconds(10)

    /// The middleware with every setting at its default.
    public init() {}

    public func handle<Output: Sendable>(
        _ call: StageCall,
        next: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output {
        let started = ContinuousClock.now
        // `defer` so a call that throws is timed too.
        defer {
            let elapsed = ContinuousClock.now - started
            if elapsed >= warnAfter {
                call.context.metrics.increment("slow_calls")
                call.context.logger.warning(
                    "slow \(call.role) call",
                    metadata: ["plugin": "\(call.pluginType)", "elapsed": "\(elapsed)"]
                )
            }
        }
        return try await next(call)
    }

    /// What `summarize explain` prints for this middleware.
    public var description: String { "__PLUGIN__ (warn after \(warnAfter))" }

    /// The config keys, each bound to the property it sets; its default is the property's.
    public static let keys: [SettingKey<Self>] = [
        SettingKey("warnAfterSeconds", \.warnAfter, minimum: 0, doc: "Calls at least this long are logged and counted as slow_calls.")
    ]

    /// The `__PLUGIN__` middleware plugin: name it under /middleware in the config and list
    /// that name in a stage's `middleware`.
    public static let plugin = Plugin(
        type: "__PLUGIN__",
        summary: "Logs and counts stage calls slower than a limit (generated skeleton; describe yours here).",
        keys: configKeys,
        .middleware { config, _ in try config.decode(__TYPE__.self) }
    )
}
