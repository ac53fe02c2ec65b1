import Foundation
import SummarizerCore

/// When and how long to wait before another attempt.
public struct RetryPolicy: Sendable, Hashable {
    /// How the computed backoff is randomized.
    public struct Jitter: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case full, none
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A uniform delay between zero and the computed backoff: spreads retries of many
        /// callers that failed together, so they don't return together.
        public static let full = Jitter(.full)
        /// Exactly the computed backoff.
        public static let none = Jitter(.none)

        /// The jitter named `full` or `none`.
        public init?(name: String) {
            guard let base = Base(rawValue: name.lowercased()) else { return nil }
            self.base = base
        }

        public var description: String { base == .full ? "full jitter" : "no jitter" }
    }

    /// Attempts in all, the first included.
    public var maxAttempts = 3
    /// The delay after the first failed attempt.
    public var baseDelay: Duration = .seconds(1)
    /// Each further delay is the previous one times this.
    public var multiplier = 2.0
    /// The longest computed delay.
    public var maxDelay: Duration = .seconds(30)
    /// How the backoff is randomized.
    public var jitter = Jitter.full
    /// A server's wait hint longer than this fails the item instead of stalling the run.
    public var maxRetryAfter: Duration = .seconds(120)

    /// The defaults: 3 attempts, 1 s doubling to at most 30 s, full jitter.
    public init() {}

    /// The backoff before attempt `failedAttempt + 1`, before jitter.
    public func backoff(afterAttempt failedAttempt: Int) -> Duration {
        let exponent = Double(max(0, failedAttempt - 1))
        let seconds = baseDelay.seconds * pow(multiplier, exponent)
        return min(maxDelay, .seconds(min(seconds, maxDelay.seconds)))
    }

    /// The delay before the next attempt; `random` is uniform in [0, 1).
    public func delay(afterAttempt failedAttempt: Int, random: Double) -> Duration {
        let backoff = backoff(afterAttempt: failedAttempt)
        guard jitter == .full else { return backoff }
        return .seconds(backoff.seconds * min(max(random, 0), 1))
    }
}

extension RetryPolicy.Jitter: ConfigValueConvertible {
    public static var configType: ConfigValueType { .string }
    public static var allowedValues: [String]? { ["full", "none"] }

    public init?(configValue: JSONValue) {
        guard let name = configValue.stringValue else { return nil }
        self.init(name: name)
    }

    public var configValue: JSONValue { .string(self == .full ? "full" : "none") }
}

/// The `retry` middleware's config is the policy itself.
extension RetryPolicy: PluginSettings {
    public static let keys: [SettingKey<Self>] = [
        SettingKey("maxAttempts", \.maxAttempts, minimum: 1, environment: ["RETRY_MAX_ATTEMPTS"], doc: "Attempts in all, the first included."),
        SettingKey("baseDelaySeconds", \.baseDelay, minimum: 0, doc: "Delay after the first failure."),
        SettingKey("multiplier", \.multiplier, minimum: 1, doc: "Growth of each further delay."),
        SettingKey("maxDelaySeconds", \.maxDelay, minimum: 0, doc: "The longest computed delay."),
        SettingKey("jitter", \.jitter, doc: "full: a uniform delay between 0 and the backoff; none: exactly the backoff."),
        SettingKey(
            "maxRetryAfterSeconds",
            \.maxRetryAfter,
            minimum: 0,
            doc: "A server wait hint longer than this fails the item instead of stalling the run."
        ),
    ]
}
