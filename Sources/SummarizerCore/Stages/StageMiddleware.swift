/// Wraps a stage call: retry, rate limit, circuit breaker, timeout...
///
/// A plugin never knows middleware exists: the orchestrator runs every stage call through its
/// chain. One method, generic in the stage's output, so one middleware serves every stage.
/// `next` is `@Sendable` so that a middleware may run it in a child task (a timeout does).
/// The description says what the middleware does with its parameters, for `summarize explain`.
public protocol StageMiddleware: Sendable, CustomStringConvertible {
    /// Runs the call: `next` is the rest of the chain and then the stage itself; call it once,
    /// again (a retry), or not at all (an open breaker), and rethrow what it throws unless the
    /// outcome is meant to change.
    func handle<Output: Sendable>(
        _ call: StageCall,
        next: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output
}
