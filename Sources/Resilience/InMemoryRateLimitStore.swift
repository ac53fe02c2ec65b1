import Foundation
import SummarizerCore
import Synchronization

/// A ``SharedRateLimitStore`` inside one process: the bucket of an adaptive `rateLimit` with
/// `scope` `process`, and the reference the database store's SQL follows.
///
/// Each bucket is a generic cell rate schedule: `arrival` is when the bucket would be full
/// again; a reservation of `n` tokens moves it on by `n` intervals and may be used once it is
/// no more than `burst` intervals ahead.
public final class InMemoryRateLimitStore: SharedRateLimitStore {
    struct Bucket {
        var arrival: Duration
        var rate: Double?
        var changedAt: Duration
        var throttledAt: Duration?
        var exhaustion: SharedExhaustion?
    }

    private let clock: RunClock
    private let buckets = Mutex<[String: Bucket]>([:])

    /// A store keeping time on `clock`.
    public init(clock: RunClock) {
        self.clock = clock
    }

    public var description: String { "this process" }

    /// Reserves up to `tokens` from the bucket `limiter`, or throws the recorded exhaustion.
    public func reserve(_ limiter: String, tokens: Int, policy: SharedRatePolicy) async throws -> SharedRateGrant {
        let result = buckets.withLock { buckets -> Result<SharedRateGrant, PipelineError> in
            let now = clock.now
            var bucket = buckets[limiter] ?? Bucket(arrival: now, changedAt: now)
            if let exhaustion = bucket.exhaustion, exhaustion.until > Date() {
                return .failure(exhaustion.error(limiter: limiter))
            }
            let rate = Self.currentRate(&bucket, policy: policy, now: now)
            let count = min(max(tokens, 1), policy.burst)
            let interval = Duration.seconds(1 / rate)
            let from = max(bucket.arrival, now)
            let grant = max(now, from + interval * (count - policy.burst))
            bucket.arrival = from + interval * count
            buckets[limiter] = bucket
            return .success(SharedRateGrant(tokens: count, wait: grant - now, ratePerSecond: rate, scheduleEnd: bucket.arrival.seconds))
        }
        return try result.get()
    }

    /// The rate now: the configured one, or for an adaptive bucket its last rate raised by
    /// every whole raise period since it last changed.
    static func currentRate(_ bucket: inout Bucket, policy: SharedRatePolicy, now: Duration) -> Double {
        guard let adaptive = policy.adaptive else { return policy.ratePerSecond }
        var rate = min(bucket.rate ?? policy.ratePerSecond, policy.ratePerSecond)
        let periods = ((now - bucket.changedAt) / adaptive.raiseEvery).rounded(.down)
        if periods >= 1, rate < policy.ratePerSecond {
            rate = min(policy.ratePerSecond, rate + periods * adaptive.raisePerSecond)
            bucket.changedAt += adaptive.raiseEvery * periods
        }
        rate = max(rate, min(adaptive.minimumPerSecond, policy.ratePerSecond))
        bucket.rate = rate
        return rate
    }

    /// Gives back unused tokens of `grant` while no later reservation was made.
    public func giveBack(_ limiter: String, tokens: Int, of grant: SharedRateGrant) async throws {
        buckets.withLock { buckets in
            guard var bucket = buckets[limiter], bucket.arrival.seconds == grant.scheduleEnd else { return }
            bucket.arrival = max(clock.now, bucket.arrival - .seconds(Double(tokens) / grant.ratePerSecond))
            buckets[limiter] = bucket
        }
    }

    /// Cuts an adaptive bucket's rate after a 429, once per `cooldown`.
    public func throttle(_ limiter: String, policy: SharedRatePolicy, cooldown: Duration) async throws -> Double? {
        guard let adaptive = policy.adaptive else { return nil }
        return buckets.withLock { buckets -> Double? in
            let now = clock.now
            var bucket = buckets[limiter] ?? Bucket(arrival: now, changedAt: now)
            if let last = bucket.throttledAt, now - last < cooldown { return nil }
            let rate = Self.currentRate(&bucket, policy: policy, now: now)
            let cut = max(rate * adaptive.factor, min(adaptive.minimumPerSecond, policy.ratePerSecond))
            bucket.rate = cut
            bucket.changedAt = now
            bucket.throttledAt = now
            buckets[limiter] = bucket
            return cut
        }
    }

    /// Records the backend's quota as spent until `exhaustion.until`.
    public func markExhausted(_ limiter: String, _ exhaustion: SharedExhaustion) async throws {
        buckets.withLock { buckets in
            let now = clock.now
            var bucket = buckets[limiter] ?? Bucket(arrival: now, changedAt: now)
            if let known = bucket.exhaustion, known.until > exhaustion.until { return }
            bucket.exhaustion = exhaustion
            buckets[limiter] = bucket
        }
    }

    /// The spent quota this process knows of for `limiter`, while it holds.
    public func knownExhaustion(_ limiter: String) -> SharedExhaustion? {
        buckets.withLock { $0[limiter]?.exhaustion }.flatMap { $0.until > Date() ? $0 : nil }
    }
}
