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

/// Runs `body` in a task of its own and waits for it at most `limit`: at the limit (or when the
/// caller is cancelled) the caller goes on and `body` is left to end unobserved.
///
/// For work that does not end when cancelled, where ``withTimeLimit(_:clock:expiring:_:)``
/// would wait for it all the same: a PostgresNIO query already sent waits for the server's
/// answer whatever its task is told, and on a connection that went silent that is as long as
/// TCP takes to notice. Use it only where the abandoned work may still finish harmlessly (an
/// idempotent write, a reservation whose tokens then go unused).
package func withAbandoningTimeLimit<Value: Sendable>(
    _ limit: Duration,
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> TimeLimited<Value> {
    let race = FirstAnswer<TimeLimited<Value>>()
    let outcome = await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            race.start(continuation)
            let timer = Task {
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                race.answer(.success(.expired))
            }
            Task {
                let result: Result<TimeLimited<Value>, any Error>
                do {
                    result = .success(.finished(try await body()))
                } catch {
                    result = .failure(error)
                }
                timer.cancel()
                race.answer(result)
            }
        }
    } onCancel: {
        race.answer(.failure(CancellationError()))
    }
    return try outcome.get()
}

/// The first of several answers to one waiting caller; later ones are dropped.
private final class FirstAnswer<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result<T, any Error>, Never>?
        var early: Result<T, any Error>?
        var answered = false
    }

    private let state = Mutex(State())

    /// Sets the caller to answer; an answer that came before (a cancellation) is given at once.
    func start(_ continuation: CheckedContinuation<Result<T, any Error>, Never>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early {
                state.early = nil
                return early
            }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func answer(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<Result<T, any Error>, Never>? in
            guard !state.answered else { return nil }
            state.answered = true
            guard let continuation = state.continuation else {
                state.early = result
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: result)
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
