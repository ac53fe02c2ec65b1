import SummarizerCore

/// Time as an offset from a fixed start, on an injected clock of any instant type.
///
/// Resilience state (token buckets, breaker deadlines, timeouts) is kept as plain `Duration`s
/// since the start, so it can be compared and stored without knowing the clock's instant type.
public struct RunClock: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    /// Wraps `clock`, starting now.
    public init(_ clock: any Clock<Duration>) {
        (elapsed, sleeper) = Self.open(clock)
    }

    private static func open<C: Clock<Duration>>(
        _ clock: C
    ) -> (@Sendable () -> Duration, @Sendable (Duration) async throws -> Void) {
        let start = clock.now
        return (
            { start.duration(to: clock.now) },
            { deadline in try await clock.sleep(until: start.advanced(by: deadline), tolerance: nil) }
        )
    }

    /// Time since the start.
    public var now: Duration { elapsed() }

    /// Sleeps until `deadline` (an offset from the start); returns at once if it has passed.
    /// Throws `CancellationError` when the task is cancelled while waiting.
    public func sleep(until deadline: Duration) async throws {
        guard deadline > now else {
            try Task.checkCancellation()
            return
        }
        try await sleeper(deadline)
    }

    /// Sleeps for `duration`.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration)
    }
}

/// How a keyed policy (breaker, concurrency limit) groups calls.
public enum PolicyKey: String, Sendable, CaseIterable, ConfigValueConvertible {
    /// One state for every call.
    case global
    /// One state per host of the item's URL (or per plugin for calls without an item).
    case domain
    /// One state per plugin type, e.g. per LLM backend.
    case backend

    /// The key of `call`.
    public func key(for call: StageCall) -> String {
        switch self {
        case .global: "global"
        case .domain: call.item?.host ?? call.pluginType
        case .backend: call.pluginType
        }
    }
}

extension Duration {
    /// The duration in seconds, shortened for messages: `2s`, `1.5s`, `0.25s`.
    var shortDescription: String {
        let value = seconds
        if value == value.rounded() { return "\(Int(value))s" }
        return "\((value * 1000).rounded() / 1000)s"
    }
}
