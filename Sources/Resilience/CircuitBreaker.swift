import Logging
import SummarizerCore
import Synchronization

/// Keyed circuit breakers: closed → open after repeated failures → half-open probes → closed.
///
/// Only failures that say something about the target's health count (``PipelineError/Kind/countsForBreaker``:
/// transient, timeout, blocked); any other answer, a 404 included, shows the target is up.
public final class CircuitBreaker: Sendable {
    /// When a breaker opens and for how long.
    public struct Settings: Sendable, Hashable {
        /// Consecutive counted failures that open the breaker.
        public var failureThreshold: Int = 5
        /// How long an open breaker refuses calls before letting probes through.
        public var openDuration: Duration = .seconds(300)
        /// Calls let through when half-open; all must succeed to close.
        public var halfOpenProbes: Int = 1
        /// Optionally also open when this fraction of the last ``windowSize`` calls failed.
        public var failureRateThreshold: Double?
        /// Calls in the failure-rate window.
        public var windowSize: Int = 20
        /// Calls needed in the window before the rate is judged.
        public var minimumCalls: Int = 10

        /// The defaults: five failures open the breaker for five minutes.
        public init() {}
    }

    /// A breaker's state, as tests and metrics see it.
    public enum Status: Sendable, Hashable, CustomStringConvertible {
        case closed, open, halfOpen
        public var description: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half-open"
            }
        }
    }

    /// What a call may do, decided when it starts.
    public enum Permit: Sendable, Hashable {
        case normal, probe
    }

    /// How a call ended, as far as the breaker is concerned.
    public enum Outcome: Sendable, Hashable {
        case success, failure, ignored
    }

    private struct KeyState {
        var status = Status.closed
        var consecutiveFailures = 0
        var window: [Bool] = []
        var windowNext = 0
        var openUntil = Duration.zero
        var probesInFlight = 0
        var probeSuccesses = 0
        var lastError = ""
    }

    /// When the breaker opens and for how long.
    public let settings: Settings
    let keyKind: PolicyKey
    /// The breaker's label in the metrics: its name under `/middleware`, or what it is kept per.
    let label: String
    private let clock: RunClock
    private let logger: Logger
    private let metrics: RunMetrics
    private let states = Mutex<[String: KeyState]>([:])

    /// A breaker keeping one state per `key` of a call; `name` labels its metrics (default:
    /// what it is kept per).
    public init(settings: Settings, key: PolicyKey, clock: RunClock, logger: Logger, metrics: RunMetrics, name: String? = nil) {
        self.settings = settings
        self.keyKind = key
        self.label = name ?? "\(key)"
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    /// Keys whose breaker is open or half-open now.
    public var openKeys: Int {
        states.withLock { states in states.values.filter { $0.status != .closed }.count }
    }

    /// The state of `key` now (an open breaker whose time is up reads as half-open).
    public func status(of key: String) -> Status {
        states.withLock { states in
            guard let state = states[key] else { return .closed }
            if state.status == .open, clock.now >= state.openUntil { return .halfOpen }
            return state.status
        }
    }

    /// Admits a call for `key`, or fails at once while the breaker is open.
    public func enter(_ key: String) throws(PipelineError) -> Permit {
        var changed: Status?
        let result: Result<Permit, PipelineError> = withState(key) { state in
            // The clock is read only off the fast path: a closed breaker needs no time.
            if state.status == .closed { return .success(.normal) }
            let now = clock.now
            switch state.status {
            case .closed:
                return .success(.normal)
            case .open where now < state.openUntil:
                return .failure(openError(key, state: state, now: now))
            case .open, .halfOpen:
                if state.status == .open {
                    state.status = .halfOpen
                    state.probesInFlight = 0
                    state.probeSuccesses = 0
                    changed = .halfOpen
                }
                guard state.probesInFlight + state.probeSuccesses < settings.halfOpenProbes else {
                    return .failure(openError(key, state: state, now: now))
                }
                state.probesInFlight += 1
                return .success(.probe)
            }
        }
        if let changed { report(key, changed, reason: "open time is up; letting \(settings.halfOpenProbes) probe(s) through") }
        return try result.get()
    }

    /// Records how an admitted call ended.
    public func exit(_ key: String, permit: Permit, outcome: Outcome, error: String = "") {
        var change: (Status, String)?
        withState(key) { state in
            switch (state.status, permit) {
            case (.closed, .normal):
                guard outcome != .ignored else { return }
                recordInWindow(&state, failed: outcome == .failure)
                if outcome == .success {
                    state.consecutiveFailures = 0
                    return
                }
                state.consecutiveFailures += 1
                state.lastError = error
                if let reason = tripReason(state) {
                    open(&state, now: clock.now)
                    change = (.open, reason)
                }
            case (.halfOpen, .probe):
                state.probesInFlight -= 1
                switch outcome {
                case .success:
                    state.probeSuccesses += 1
                    if state.probeSuccesses >= settings.halfOpenProbes {
                        state = KeyState()
                        change = (.closed, "\(settings.halfOpenProbes) probe(s) succeeded")
                    }
                case .failure:
                    state.lastError = error
                    open(&state, now: clock.now)
                    change = (.open, "a probe failed: \(error)")
                case .ignored:
                    break
                }
            default:
                // A call admitted before the state changed says nothing about the new state.
                break
            }
        }
        if let (status, reason) = change { report(key, status, reason: reason) }
    }

    /// Runs `body` on the state of `key` in place, under the lock.
    private func withState<R>(_ key: String, _ body: (inout KeyState) -> R) -> R {
        states.withLock { states in body(&states[key, default: KeyState()]) }
    }

    private func recordInWindow(_ state: inout KeyState, failed: Bool) {
        guard settings.failureRateThreshold != nil else { return }
        if state.window.count < settings.windowSize {
            state.window.append(failed)
        } else {
            state.window[state.windowNext] = failed
            state.windowNext = (state.windowNext + 1) % settings.windowSize
        }
    }

    private func tripReason(_ state: KeyState) -> String? {
        if state.consecutiveFailures >= settings.failureThreshold {
            return "\(state.consecutiveFailures) consecutive failures, the last: \(state.lastError)"
        }
        if let threshold = settings.failureRateThreshold, state.window.count >= settings.minimumCalls {
            let failures = state.window.filter { $0 }.count
            let rate = Double(failures) / Double(state.window.count)
            if rate >= threshold {
                return "\(failures) of the last \(state.window.count) calls failed, the last: \(state.lastError)"
            }
        }
        return nil
    }

    private func open(_ state: inout KeyState, now: Duration) {
        state.status = .open
        state.openUntil = now + settings.openDuration
        state.consecutiveFailures = 0
        state.window = []
        state.windowNext = 0
        state.probesInFlight = 0
        state.probeSuccesses = 0
    }

    private func openError(_ key: String, state: KeyState, now: Duration) -> PipelineError {
        let remaining = max(.zero, state.openUntil - now)
        return PipelineError(
            .transient,
            "circuit breaker open for \(keyKind) \"\(key)\" (for \(remaining.shortDescription) more) after repeated failures; "
                + "the last: \(state.lastError)",
            reason: "circuit-open",
            retryable: false
        )
    }

    private func report(_ key: String, _ status: Status, reason: String) {
        let openKeys = states.withLock { states in states.values.reduce(0) { $0 + ($1.status == .closed ? 0 : 1) } }
        let state =
            switch status {
            case .open: "open"
            case .halfOpen: "half_open"
            case .closed: "closed"
            }
        metrics.recordBreakerTransition(breaker: label, to: state, openKeys: openKeys)
        logger.warning(
            "circuit breaker \(status)",
            metadata: ["key": "\(keyKind):\(key)", "reason": "\(reason)"]
        )
    }
}
