import Logging
import SummarizerCore

/// Tries a failed call again with exponential backoff, honouring server wait hints (`retry`).
///
/// Only retryable failures are retried (``PipelineError/isRetryable``: transient and
/// rate-limited ones). A `rateLimited` error with a wait hint (a Retry-After header, or a hint
/// the backend parsed from its body) waits that long instead of the backoff; a hint longer
/// than ``RetryPolicy/maxRetryAfter`` fails the item instead. Every failed attempt is recorded
/// in the call's attempt log, so the dead-letter record has the whole history.
public struct RetryMiddleware: StageMiddleware {
    /// When and how long to wait before another attempt.
    public let policy: RetryPolicy
    let name: String?
    let metrics: RunMetrics
    let random: @Sendable () -> Double

    /// - Parameter random: uniform numbers in [0, 1) for jitter; tests pass a fixed sequence.
    public init(
        policy: RetryPolicy,
        name: String? = nil,
        metrics: RunMetrics,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.policy = policy
        self.name = name
        self.metrics = metrics
        self.random = random
    }

    public func handle<Output: Sendable>(
        _ call: StageCall,
        next: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output {
        var attempt = 1
        while true {
            do {
                return try await next(call)
            } catch {
                let failure = PipelineError.from(error)
                guard failure.kind != .cancelled, !Task.isCancelled else { throw error }
                call.context.attempts.record(failure)
                guard failure.isRetryable, attempt < policy.maxAttempts else { throw failure }

                let delay: Duration
                if failure.kind == .rateLimited, let hint = failure.retryAfter {
                    guard hint <= policy.maxRetryAfter else {
                        var refused = failure
                        refused.message =
                            "\(failure.message); the server asked to wait \(hint.shortDescription), longer than "
                            + "maxRetryAfterSeconds \(policy.maxRetryAfter.shortDescription), so the item fails instead of stalling the run"
                        refused.isRetryable = false
                        throw refused
                    }
                    delay = hint
                } else {
                    delay = policy.delay(afterAttempt: attempt, random: random())
                }
                metrics.recordRetry(stage: call.role.stage.rawValue)
                call.context.logger.warning(
                    "attempt \(attempt) of \(policy.maxAttempts) failed; retrying",
                    metadata: [
                        "stage": "\(call.role)", "kind": "\(failure.kind)", "error": "\(failure.message)",
                        "delaySeconds": "\(delay.seconds)",
                    ]
                )
                try await call.context.clock.sleep(for: delay)
                attempt += 1
            }
        }
    }

    public var description: String {
        var text = "retry" + (name.map { " \"\($0)\" " } ?? "")
        text += "(\(policy.maxAttempts), \(policy.baseDelay.shortDescription) x\(format(policy.multiplier)), \(policy.jitter)"
        text += ", max \(policy.maxDelay.shortDescription), hints up to \(policy.maxRetryAfter.shortDescription))"
        return text
    }

    /// The `retry` middleware plugin.
    public static let plugin = Plugin(
        type: "retry",
        summary: "Retries transient and rate-limited failures with exponential backoff, honouring server wait hints.",
        keys: RetryPolicy.configKeys,
        .middleware { config, environment in
            RetryMiddleware(policy: try config.decode(RetryPolicy.self), name: config.name, metrics: environment.metrics)
        }
    )
}
