import Foundation

/// How a rate limiter's shared bucket behaves: the values of its `rateLimit` config.
public struct SharedRatePolicy: Sendable, Hashable {
    /// What happens to the rate on a 429 (`adaptive: true`).
    public struct Adaptive: Sendable, Hashable {
        /// The rate is multiplied by this on a 429 (0 < factor < 1).
        public var factor: Double
        /// The rate never goes below this, in requests per second.
        public var minimumPerSecond: Double
        /// Each period this long without a 429 raises the rate by ``raisePerSecond``.
        public var raiseEvery: Duration
        /// What one raise adds, in requests per second.
        public var raisePerSecond: Double

        /// Adaptive settings.
        public init(factor: Double, minimumPerSecond: Double, raiseEvery: Duration, raisePerSecond: Double) {
            self.factor = factor
            self.minimumPerSecond = minimumPerSecond
            self.raiseEvery = raiseEvery
            self.raisePerSecond = raisePerSecond
        }
    }

    /// The configured (and, when adaptive, the highest) sustained rate, per second.
    public var ratePerSecond: Double
    /// Grants allowed at once after an idle period; also the most one reservation may take.
    public var burst: Int
    /// How the rate follows 429s; `nil` keeps it fixed.
    public var adaptive: Adaptive?

    /// A policy.
    public init(ratePerSecond: Double, burst: Int, adaptive: Adaptive? = nil) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        self.adaptive = adaptive
    }
}

/// Tokens reserved from a shared bucket.
public struct SharedRateGrant: Sendable, Hashable {
    /// How many tokens were reserved (at least one, at most the burst).
    public var tokens: Int
    /// How long from now until they may be used; zero when they may be used at once.
    public var wait: Duration
    /// The bucket's rate when they were reserved, per second (lower than configured after 429s).
    public var ratePerSecond: Double
    /// Where the reservation left the bucket's schedule, in the store's own terms: tokens can be
    /// given back only while no later reservation was made after it.
    public var scheduleEnd: Double

    /// A grant.
    public init(tokens: Int, wait: Duration, ratePerSecond: Double, scheduleEnd: Double) {
        self.tokens = tokens
        self.wait = wait
        self.ratePerSecond = ratePerSecond
        self.scheduleEnd = scheduleEnd
    }
}

/// A backend's quota recorded as spent, for every process sharing the limiter.
public struct SharedExhaustion: Sendable, Hashable {
    /// When the quota is expected back.
    public var until: Date
    /// What the worker that met it said, passed on to every worker's stop message.
    public var message: String

    /// An exhaustion record.
    public init(until: Date, message: String) {
        self.until = until
        self.message = message
    }

    /// The reason of the error a recorded exhaustion gives (the record is passed on, not recorded again).
    public static let reason = "quota-shared"

    /// When a backend's spent quota that `error` reports is expected back: the server's hint,
    /// else the next midnight Pacific time, when Gemini's per-day quotas reset. `nil` for other
    /// errors, and for the run's own cost budget, which no waiting brings back.
    public static func quotaBack(_ kind: PipelineError.Kind, reason: String?, retryAfter: Duration? = nil, after now: Date = Date()) -> Date? {
        guard kind == .quotaExhausted, reason != CostBudget.refusalReason else { return nil }
        if let retryAfter { return now.addingTimeInterval(retryAfter.seconds) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Los_Angeles") ?? .gmt
        return calendar.nextDate(after: now, matching: DateComponents(hour: 0, minute: 0, second: 0), matchingPolicy: .nextTime)
            ?? now.addingTimeInterval(86_400)
    }

    /// The error every process stops with while the record holds.
    public func error(limiter: String) -> PipelineError {
        PipelineError(
            .quotaExhausted,
            "\(message) (recorded for the shared rate limit \"\(limiter)\" until \(ISO8601.string(from: until)))",
            reason: Self.reason,
            hint: "the limiter's other workers stop too; the remaining items are left for a run after that time"
        )
    }
}

/// Where rate limiters of several processes keep one bucket per limiter name (`rateLimit` with
/// a `scope` other than `process`).
///
/// A bucket is a generic cell rate schedule: a reservation of `n` tokens moves the schedule on by
/// `n` intervals and says when they may be used, so in any window of length `w` the tokens used
/// across all processes stay at or below `rate × w + burst`.
public protocol SharedRateLimitStore: Sendable, CustomStringConvertible {
    /// Reserves up to `tokens` (at most the burst) from the bucket `limiter`.
    ///
    /// - Throws: ``PipelineError`` `quotaExhausted` while an exhaustion is recorded; other
    ///   errors when the store cannot be reached (the caller waits and tries again).
    func reserve(_ limiter: String, tokens: Int, policy: SharedRatePolicy) async throws -> SharedRateGrant

    /// Gives back `tokens` of `grant` that nobody used, if no reservation was made after it.
    ///
    /// Tokens of an earlier reservation are not given back: moving the schedule back under later
    /// reservations could let them and the next one together exceed the bound. Unused, they are
    /// only lost, which errs on the side of the limit.
    func giveBack(_ limiter: String, tokens: Int, of grant: SharedRateGrant) async throws

    /// Cuts an adaptive bucket's rate after a 429, at most once per `cooldown`.
    ///
    /// - Returns: The rate after the cut, or `nil` when a cut within the cooldown already answered
    ///   the same burst of 429s.
    func throttle(_ limiter: String, policy: SharedRatePolicy, cooldown: Duration) async throws -> Double?

    /// Records that the backend behind `limiter` refuses every call until `exhaustion.until`.
    func markExhausted(_ limiter: String, _ exhaustion: SharedExhaustion) async throws

    /// The exhaustion this process knows of for `limiter` (its own, or announced by another
    /// process), while it holds.
    func knownExhaustion(_ limiter: String) -> SharedExhaustion?
}

/// A place to keep state shared beyond one process, selected by a config's `scope` value: the
/// buckets of `rateLimit`, the budgets of the `costBudget` section.
public struct SharedScope<Store: Sendable>: Sendable {
    /// The `scope` value, e.g. `database`.
    public var name: String
    /// Makes (or finds, shared per run) the store for a config naming this scope.
    public var makeStore: @Sendable (PluginConfig, PluginEnvironment) throws(ConfigError) -> Store

    /// A scope.
    public init(name: String, makeStore: @escaping @Sendable (PluginConfig, PluginEnvironment) throws(ConfigError) -> Store) {
        self.name = name
        self.makeStore = makeStore
    }
}

/// A way to share rate limiters beyond one process, selected by a `rateLimit`'s `scope`.
public typealias RateLimitScope = SharedScope<any SharedRateLimitStore>
