/// What a time-limited call came to.
package enum TimeLimited<Value: Sendable>: Sendable {
    case finished(Value)
    case expired
}

/// Runs `body`, racing it against `limit` on `clock`: the first to finish wins and the other is
/// cancelled. Sleeping on the injected clock lets tests drive the limit with a manual clock.
///
/// The caller turns ``TimeLimited/expired`` into the error its stage reports (a fetch timeout,
/// a database that does not answer), so the race is written once and the messages stay apt.
package func withTimeLimit<Value: Sendable>(
    _ limit: Duration,
    clock: any Clock<Duration> = ContinuousClock(),
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> TimeLimited<Value> {
    try await withThrowingTaskGroup(of: TimeLimited<Value>.self) { group in
        group.addTask { .finished(try await body()) }
        group.addTask {
            try await clock.sleep(for: limit)
            return .expired
        }
        defer { group.cancelAll() }
        // Two tasks were added, so the group has a first result.
        guard let first = try await group.next() else { return .expired }
        return first
    }
}

/// Suspends until the current task is cancelled, at once if it already is: how a service's
/// `run()` holds its resources (a connection pool, worker processes) for the length of a run.
package func waitUntilCancelled() async {
    let (stream, continuation) = AsyncStream<Never>.makeStream()
    await withTaskCancellationHandler {
        for await _ in stream {}
    } onCancel: {
        continuation.finish()
    }
}
