import Synchronization

/// A token-bucket rate limiter, shared by every task that uses it, fair in arrival order.
///
/// It is kept as a virtual schedule (the generic cell rate algorithm): each caller reserves the
/// next grant time under a lock and sleeps until then. Reservations are handed out in call
/// order, so no caller starves, and in any window of length `w` at most `rate × w + burst`
/// grants happen. A caller cancelled while waiting gives its slot back when no later caller
/// has reserved after it; otherwise the slot stays unused, which errs on the side of the limit.
public final class TokenBucket: Sendable {
    /// Time between two grants at the sustained rate.
    public let interval: Duration
    /// Grants allowed at once after an idle period.
    public let burst: Int
    private let clock: RunClock
    /// The theoretical arrival time of the next grant, as an offset on ``clock``.
    private let theoreticalArrival: Mutex<Duration?>

    /// A bucket granting `requestsPerSecond` on average, with `burst` at once.
    public init(requestsPerSecond: Double, burst: Int, clock: RunClock) {
        precondition(requestsPerSecond > 0 && burst >= 1)
        interval = .seconds(1 / requestsPerSecond)
        self.burst = burst
        self.clock = clock
        theoreticalArrival = Mutex(nil)
    }

    private var tolerance: Duration { interval * (burst - 1) }

    /// Reserves the next grant; returns its time, the time of the reservation and the
    /// schedule it leaves behind.
    private func reserve() -> (grant: Duration, now: Duration, after: Duration) {
        theoreticalArrival.withLock { arrival in
            // Read under the lock: a time read before it could be older than the schedule.
            let now = clock.now
            let current = max(arrival ?? now, now)
            let grant = max(now, current - tolerance)
            let after = current + interval
            arrival = after
            return (grant, now, after)
        }
    }

    /// Takes a token, waiting for one if none is available.
    ///
    /// - Returns: How long the caller waited (zero when a token was available at once).
    /// - Throws: `CancellationError` if the task is cancelled while waiting.
    @discardableResult
    public func acquire() async throws -> Duration {
        let (grant, now, after) = reserve()
        guard grant > now else { return .zero }
        do {
            try await clock.sleep(until: grant)
        } catch {
            theoreticalArrival.withLock { arrival in
                if arrival == after { arrival = after - interval }
            }
            throw error
        }
        return grant - now
    }

    /// Takes a token only if one is available now.
    public func tryAcquire() -> Bool {
        theoreticalArrival.withLock { arrival in
            let now = clock.now
            let current = max(arrival ?? now, now)
            guard current - tolerance <= now else { return false }
            arrival = current + interval
            return true
        }
    }
}

extension TokenBucket {
    /// The most grants in any window of `length` (half-open), given sorted grant times; what
    /// the limiter promises to keep at or below `rate × length + burst`.
    public static func maxGrantsInWindow(_ sortedTimes: [Duration], length: Duration) -> Int {
        var best = 0
        var start = 0
        for end in sortedTimes.indices {
            while sortedTimes[end] - sortedTimes[start] >= length { start += 1 }
            best = max(best, end - start + 1)
        }
        return best
    }
}
