import Synchronization

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
///
/// - Parameter expiring: runs the moment the limit passes, before `body` is cancelled and
///   awaited: for work cancellation alone cannot end (a blocking write to a hung process), it
///   can end the cause (kill the process).
package func withTimeLimit<Value: Sendable>(
    _ limit: Duration,
    clock: any Clock<Duration> = ContinuousClock(),
    expiring: @escaping @Sendable () -> Void = {},
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> TimeLimited<Value> {
    // Once the limit has passed, whatever the body ends with is the limit's doing (an error
    // from the process `expiring` killed, a cancellation): the outcome is `expired`.
    let passed = PassedFlag()
    return try await withThrowingTaskGroup(of: TimeLimited<Value>.self) { group in
        group.addTask {
            do {
                return .finished(try await body())
            } catch {
                if passed.isSet { return .expired }
                throw error
            }
        }
        group.addTask {
            try await clock.sleep(for: limit)
            passed.set()
            expiring()
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

/// Set once a time limit has passed; read by the call it limited.
private final class PassedFlag: Sendable {
    private let state = Mutex(false)

    var isSet: Bool { state.withLock { $0 } }

    func set() { state.withLock { $0 = true } }
}
