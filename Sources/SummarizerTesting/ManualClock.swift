import Synchronization

/// A clock that moves only when a test tells it to, so tests never sleep for real.
///
/// ```swift
/// let clock = ManualClock()
/// async let result = limiter.acquire()       // sleeps on the clock
/// await clock.waitForSleepers(1)
/// clock.advance(by: .seconds(1))             // wakes it
/// ```
public final class ManualClock: Clock, Sendable {
    /// A point in the clock's time: an offset from its start.
    public struct Instant: InstantProtocol {
        /// How far from the clock's start.
        public var offset: Duration

        /// The instant `offset` after the start.
        public init(offset: Duration) {
            self.offset = offset
        }

        /// The instant `duration` later.
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        /// The time from this instant to `other`.
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        /// Earlier instants first.
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Int: Sleeper] = [:]
        var totalSleeps = 0
    }

    private let state = Mutex(State())

    /// A clock at its start, with no sleepers.
    public init() {}

    /// The clock's time, moved only by ``advance(by:)``.
    public var now: Instant { state.withLock { $0.now } }
    /// Exact: any duration can be slept.
    public var minimumResolution: Duration { .zero }

    /// Sleepers currently waiting.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Sleeps ever started, finished or not.
    public var totalSleeps: Int { state.withLock { $0.totalSleeps } }

    /// The earliest deadline of a waiting sleeper.
    public var nextDeadline: Instant? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    /// Suspends until the clock is advanced to `deadline`; throws when cancelled first.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> Int in
            state.nextID += 1
            state.totalSleeps += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if deadline <= state.now { return true }
                    if Task.isCancelled { return true }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Moves time forward and wakes every sleeper whose deadline has come, earliest first.
    public func advance(by duration: Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers.removeValue(forKey: id) }
            return due.values.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves time to the earliest sleeper's deadline and wakes it; returns false if none waits.
    @discardableResult
    public func advanceToNextDeadline() -> Bool {
        guard let next = nextDeadline else { return false }
        advance(by: now.duration(to: next))
        return true
    }

    /// Waits (yielding, never sleeping) until at least `count` sleepers wait.
    public func waitForSleepers(_ count: Int, maxYields: Int = 100_000) async {
        var yields = 0
        while sleeperCount < count, yields < maxYields {
            await Task.yield()
            yields += 1
        }
    }
}

/// Runs `body` in a task while driving `clock`: whenever nothing else can happen, time jumps to
/// the next deadline. Returns the body's result; never sleeps for real. The body may do real
/// I/O (a request to a local fake server): while it waits on that, the loop only yields.
public func driving<T: Sendable>(
    _ clock: ManualClock,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let task = Task { try await body() }
    let done = Mutex(false)
    let watcher = Task {
        _ = try? await task.value
        done.withLock { $0 = true }
    }
    while !done.withLock({ $0 }) {
        if !clock.advanceToNextDeadline() { await Task.yield() }
    }
    _ = await watcher.value
    return try await task.value
}
