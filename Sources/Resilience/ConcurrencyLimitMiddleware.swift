import SummarizerCore
import Synchronization

/// A counting semaphore with a FIFO queue of waiters; waiting is cancellable.
public final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    public init(permits: Int) {
        state = Mutex(State(available: permits))
    }

    /// Takes a permit, waiting in line for one.
    public func acquire() async throws {
        let id: Int? = state.withLock { state in
            if state.available > 0, state.waiters.isEmpty {
                state.available -= 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    // A permit may have been released between the first check and now.
                    if state.available > 0, state.waiters.isEmpty {
                        state.available -= 1
                        continuation.resume()
                        return false
                    }
                    state.waiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Returns a permit, handing it to the longest waiter if there is one.
    public func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}

/// A bulkhead (`concurrencyLimit`): at most N calls at once, globally or per key.
public struct ConcurrencyLimitMiddleware: StageMiddleware {
    public let limit: Int
    let key: PolicyKey
    let name: String?
    private let semaphores = SemaphoreTable()

    public init(limit: Int, key: PolicyKey, name: String? = nil) {
        self.limit = limit
        self.key = key
        self.name = name
    }

    public func handle<Output: Sendable>(
        _ call: StageCall,
        next: @Sendable (StageCall) async throws -> Output
    ) async throws -> Output {
        let semaphore = semaphores.semaphore(for: key.key(for: call), permits: limit)
        try await semaphore.acquire()
        defer { semaphore.release() }
        return try await next(call)
    }

    public var description: String {
        "concurrencyLimit" + (name.map { " \"\($0)\"" } ?? "") + " (\(limit) at once, per \(key))"
    }

    /// The `concurrencyLimit` middleware plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "concurrencyLimit", role: .middleware,
            summary: "Bulkhead: at most maxConcurrent calls at once, globally, per domain or per backend.",
            keys: [
                ConfigKey("maxConcurrent", .integer, required: true, minimum: 1, doc: "Calls allowed at once per key."),
                ConfigKey(
                    "key", .string, default: .string("global"), allowed: PolicyKey.allCases.map(\.rawValue),
                    doc: "global, domain (per host) or backend (per plugin)."),
            ]),
        .middleware { config, _ in
            ConcurrencyLimitMiddleware(
                limit: config.int("maxConcurrent")!, key: PolicyKey(rawValue: config.string("key")!.lowercased()) ?? .global,
                name: config.name)
        }
    )
}

/// Semaphores by key (a host, a backend), made on first use.
public final class SemaphoreTable: Sendable {
    private let table = Mutex<[String: AsyncSemaphore]>([:])

    public init() {}

    /// The semaphore of `key`, made with `permits` on first use.
    public func semaphore(for key: String, permits: Int) -> AsyncSemaphore {
        table.withLock { table in
            if let existing = table[key] { return existing }
            let made = AsyncSemaphore(permits: permits)
            table[key] = made
            return made
        }
    }
}
