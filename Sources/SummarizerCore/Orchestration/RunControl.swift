import Synchronization

/// Why a run was asked to stop taking items before its source ran out.
public enum StopRequest: Sendable, Hashable, CustomStringConvertible {
    /// A signal: `name` is `SIGINT` or `SIGTERM`; the process exits with `exitCode` (128 + the signal's number).
    case signal(name: String, exitCode: Int32)
    /// `run.maxDurationSeconds` passed.
    case deadline(seconds: Double)
    /// The caller asked, e.g. a service group shutting down for a reason of its own.
    case shutdown
    /// A backend the run needs refuses every call: another process sharing its limit recorded
    /// the quota as spent, so the run stops even with no item in flight.
    case serviceUnavailable(PipelineError)

    public var description: String {
        switch self {
        case .signal(let name, _): "\(name) received"
        case .deadline(let seconds): "the run reached run.maxDurationSeconds (\(RunMetrics.Snapshot.format(seconds)) s)"
        case .shutdown: "shutdown requested"
        case .serviceUnavailable(let error): error.message + (error.hint.map { " (hint: \($0))" } ?? "")
        }
    }
}

/// Asks a running orchestrator to stop gracefully: no new items, in-flight items finish within
/// `run.shutdownGraceSeconds`, every sink is flushed, the report is returned.
///
/// The first request wins; later ones are ignored, so the report names what really ended the run.
public final class RunControl: Sendable {
    private struct State {
        var request: StopRequest?
        var waiters: [UInt64: CheckedContinuation<StopRequest?, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    /// A control no stop has been asked of.
    public init() {}

    /// Asks the run to stop; returns `false` when a stop was already requested.
    @discardableResult
    public func requestStop(_ request: StopRequest) -> Bool {
        let waiters: [CheckedContinuation<StopRequest?, Never>]? = state.withLock { state in
            guard state.request == nil else { return nil }
            state.request = request
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: request) }
        return true
    }

    /// The stop requested so far, if any.
    public var request: StopRequest? {
        state.withLock { $0.request }
    }

    /// Waits until a stop is requested; returns `nil` if the calling task is cancelled first.
    public func waitForStop() async -> StopRequest? {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<StopRequest?, Never>) in
                let immediate: StopRequest?? = state.withLock { state in
                    if let request = state.request { return .some(request) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}
