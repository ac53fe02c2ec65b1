import SummarizerCore

/// Bounds each attempt's time (`timeout`): the stage's work is cancelled, not abandoned.
///
/// The attempt runs in a child task that the run's shared ``DeadlineScheduler`` cancels at
/// the deadline; the attempt then fails as `transient` with reason `timeout`, so a retry
/// around it may try again. Work that ignores cancellation and finishes anyway keeps its result.
public struct TimeoutMiddleware: StageMiddleware {
    /// The limit per attempt.
    public let timeout: Duration
    let scheduler: DeadlineScheduler
    let clock: RunClock
    let name: String?

    /// Middleware cancelling attempts longer than `timeout`, timed by `scheduler`.
    public init(timeout: Duration, scheduler: DeadlineScheduler, clock: RunClock, name: String? = nil) {
        self.timeout = timeout
        self.scheduler = scheduler
        self.clock = clock
        self.name = name
    }

    public func handle<Output: Sendable>(
        _ call: StageCall,
        next: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output {
        let deadline = clock.now + timeout
        return try await withoutActuallyEscaping(next) { next in
            // The attempt runs in a child task that the scheduler cancels, never the caller, so
            // a retry around the timeout can still try again. The child starts immediately on
            // this thread, so an attempt that does not suspend costs no thread hop.
            try await withThrowingTaskGroup(of: Output.self) { group in
                group.addImmediateTask {
                    try await Self.attempt(next, call, deadline: deadline, scheduler: scheduler, timeout: timeout)
                }
                return try await group.next()!
            }
        }
    }

    private static func attempt<Output: Sendable>(
        _ next: @Sendable (StageCall) async throws -> Output,
        _ call: StageCall,
        deadline: Duration,
        scheduler: DeadlineScheduler,
        timeout: Duration
    ) async throws -> Output {
        let id = withUnsafeCurrentTask { task in
            scheduler.register(deadline: deadline, handle: .init(task: task!))
        }
        do {
            let output = try await next(call)
            _ = scheduler.complete(id)
            return output
        } catch {
            guard scheduler.complete(id) else { throw error }
            throw PipelineError(.transient, "the \(call.role) stage timed out after \(timeout.shortDescription)", reason: "timeout")
        }
    }

    public var description: String {
        "timeout" + (name.map { " \"\($0)\"" } ?? "") + " (\(timeout.shortDescription) per attempt)"
    }

    /// What the `timeout` plugin's config sets.
    struct Options: PluginSettings {
        var limit: Duration = .zero

        static let keys: [SettingKey<Self>] = [
            SettingKey("seconds", \.limit, required: true, minimum: 0.001, doc: "The limit per attempt.")
        ]
    }

    /// The `timeout` middleware plugin.
    public static let plugin = Plugin(
        type: "timeout",
        summary: "Cancels an attempt that takes longer than the limit; the attempt fails as transient (timeout).",
        keys: Options.configKeys,
        .middleware { config, environment in
            let limit = try config.decode(Options.self).limit
            let clock = environment.services.shared("resilience.clock") { RunClock(environment.clock) }
            let scheduler = environment.services.shared("resilience.deadlines") { DeadlineScheduler(clock: clock) }
            return TimeoutMiddleware(timeout: limit, scheduler: scheduler, clock: clock, name: config.name)
        }
    )
}
