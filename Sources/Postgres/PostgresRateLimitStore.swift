import Foundation
import Logging
import PostgresNIO
import SummarizerCore
import Synchronization

/// The buckets of `rateLimit`s with `"scope": "database"`, in the `summarizer_rate_limits`
/// table of the shipped schema (migration 005).
///
/// Every operation is one statement calling a function of the schema, bounded by a timeout. A
/// spent quota recorded by any process reaches this one at once through
/// `LISTEN summarizer_rate_limits`, and in any case with its next reservation.
public final class PostgresRateLimitStore: SharedRateLimitStore, PipelineService {
    /// The channel `mark_rate_limit_exhausted` notifies, with the limiter's name as payload.
    static let channel = "summarizer_rate_limits"

    let url: DatabaseURL
    let client: PostgresClient
    let logger: Logger
    let timeout: Duration
    private let exhaustions = Mutex<[String: SharedExhaustion]>([:])

    /// A store in the database at `url`; its pool runs as a service of the run.
    public init(url: DatabaseURL, logger: Logger, timeout: Duration = .seconds(10)) {
        self.url = url
        self.logger = logger
        self.timeout = timeout
        var configuration = url.clientConfiguration
        // One connection listens; reservations are one at a time per limiter.
        configuration.options.maximumConnections = 4
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger.forPool())
    }

    public var description: String { "database \(url)" }

    /// Runs the pool and the listener until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            // Spent quotas recorded by other processes.
            group.addTask { await listen(on: Self.channel, client: self.client, logger: self.logger) { await self.refresh($0) } }
            await group.next()
            group.cancelAll()
        }
    }

    /// Reserves up to `tokens` from the bucket `limiter`, or throws the recorded exhaustion.
    public func reserve(_ limiter: String, tokens: Int, policy: SharedRatePolicy) async throws -> SharedRateGrant {
        let (client, logger) = (client, logger)
        let adaptive = policy.adaptive
        let row = try await statement("reserving rate-limit tokens") {
            let rows = try await client.query(
                """
                select granted, wait_seconds, rate_per_second, exhausted_until, exhausted_message, schedule_end
                from take_rate_limit_tokens(\(limiter), \(Int32(tokens)), \(policy.ratePerSecond), \(Int32(policy.burst)), \
                \(adaptive != nil), \(adaptive?.minimumPerSecond), \(adaptive?.raiseEvery.seconds ?? 60), \(adaptive?.raisePerSecond))
                """,
                logger: logger
            )
            var result: (Int32, Double, Double, Date?, String?, Double)?
            for try await row in rows.decode((Int32, Double, Double, Date?, String?, Double).self) { result = row }
            return result
        }
        guard let (granted, wait, rate, until, message, end) = row else {
            throw PipelineError(.transient, "reserving rate-limit tokens at \(url): no answer row", reason: "database-protocol")
        }
        if let until {
            let exhaustion = SharedExhaustion(until: until, message: message ?? "the backend's quota is spent")
            remember(limiter, exhaustion)
            throw exhaustion.error(limiter: limiter)
        }
        return SharedRateGrant(tokens: Int(granted), wait: .seconds(max(0, wait)), ratePerSecond: rate, scheduleEnd: end)
    }

    /// Gives back unused tokens of `grant` while no later reservation was made.
    public func giveBack(_ limiter: String, tokens: Int, of grant: SharedRateGrant) async throws {
        let (client, logger) = (client, logger)
        try await statement("giving back rate-limit tokens") {
            try await client.query(
                "select return_rate_limit_tokens(\(limiter), \(Int32(tokens)), \(grant.ratePerSecond), \(grant.scheduleEnd))",
                logger: logger
            )
        }
    }

    /// Cuts an adaptive bucket's rate after a 429, once per `cooldown`.
    public func throttle(_ limiter: String, policy: SharedRatePolicy, cooldown: Duration) async throws -> Double? {
        guard let adaptive = policy.adaptive else { return nil }
        let (client, logger) = (client, logger)
        return try await statement("lowering a shared rate") {
            var rate: Double?
            for try await value in try await client.query(
                """
                select throttle_rate_limit(\(limiter), \(policy.ratePerSecond), \(adaptive.factor), \(adaptive.minimumPerSecond), \
                \(cooldown.seconds))
                """,
                logger: logger
            ).decode(Double?.self) {
                rate = value
            }
            return rate
        }
    }

    /// Records the backend's quota as spent until `exhaustion.until`.
    public func markExhausted(_ limiter: String, _ exhaustion: SharedExhaustion) async throws {
        remember(limiter, exhaustion)
        let (client, logger) = (client, logger)
        try await statement("recording a spent quota") {
            try await client.query(
                "select mark_rate_limit_exhausted(\(limiter), \(exhaustion.until), \(exhaustion.message))",
                logger: logger
            )
        }
    }

    /// The spent quota this process knows of for `limiter`, while it holds.
    public func knownExhaustion(_ limiter: String) -> SharedExhaustion? {
        exhaustions.withLock { $0[limiter] }.flatMap { $0.until > Date() ? $0 : nil }
    }

    private func remember(_ limiter: String, _ exhaustion: SharedExhaustion) {
        exhaustions.withLock { known in
            if let current = known[limiter], current.until >= exhaustion.until { return }
            known[limiter] = exhaustion
        }
    }

    /// Runs one statement, failing with a `transient` error naming `action` after ``timeout``
    /// (see ``withTimeout(_:_:_:)``: the caller stops waiting for a query that hangs).
    @discardableResult
    private func statement<T: Sendable>(_ action: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withTimeout(timeout, "\(action) at \(url)", body)
        } catch {
            throw pipelineError(fromDatabase: error, doing: "\(action) at \(url)")
        }
    }

    /// Reads the exhaustion recorded for `limiter`.
    func refresh(_ limiter: String) async {
        let (client, logger) = (client, logger)
        do {
            let record = try await statement("reading a spent quota") {
                var found: (Date?, String?)?
                for try await row in try await client.query(
                    "select exhausted_until, exhausted_message from summarizer_rate_limits where name = \(limiter)",
                    logger: logger
                ).decode((Date?, String?).self) {
                    found = row
                }
                return found
            }
            if let (until, message) = record, let until {
                remember(limiter, SharedExhaustion(until: until, message: message ?? "the backend's quota is spent"))
            }
        } catch {
            logger.debug("reading a spent quota failed", metadata: ["limit": "\(limiter)", "error": "\(error)"])
        }
    }
}

extension PostgresRateLimitStore {
    /// `rateLimit`'s `"scope": "database"`: one store per database URL and run, shared by every
    /// limiter naming it.
    public static let scope = RateLimitScope(name: "database") { config, environment throws(ConfigError) in
        guard config.string("databaseURL") != nil else {
            throw config.problem("databaseURL", "scope database needs a databaseURL, or DATABASE_URL in the environment")
        }
        let url = try DatabaseURL(config: config)
        return environment.services.shared("rateLimit.database.\(url)") {
            PostgresRateLimitStore(url: url, logger: environment.logger)
        }
    }
}
