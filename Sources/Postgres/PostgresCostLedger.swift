import Foundation
import Logging
import PostgresNIO
import SummarizerCore
import Synchronization

/// Cost budgets shared through PostgreSQL (the `costBudget` section with `"scope": "database"`),
/// in the `summarizer_cost_budgets` and `summarizer_cost_reservations` tables of the shipped
/// schema (migration 006).
///
/// A reservation and a settlement are one statement each, calling a function of the schema that
/// locks the budget's row, so the processes sharing a budget together never hold more than its
/// limit. A refusal recorded by any process reaches the others at once through
/// `LISTEN summarizer_cost_budgets` (migration 009), and in any case with their next reservation.
public final class PostgresCostLedger: SharedCostLedger, PipelineService {
    /// The channel migration 009's trigger notifies when a refusal is recorded, with the budget's
    /// name as payload.
    static let channel = "summarizer_cost_budgets"

    let url: DatabaseURL
    let client: PostgresClient
    let logger: Logger
    let timeout: Duration
    /// The budgets followed, by name, and the refusals heard of for them.
    private let followed = Mutex<[String: (policy: SharedBudgetPolicy, refusal: (message: String, until: Date?)?)]>([:])

    /// A ledger in the database at `url`; its pool runs as a service of the run.
    public init(url: DatabaseURL, logger: Logger, timeout: Duration = .seconds(10)) {
        self.url = url
        self.logger = logger
        self.timeout = timeout
        var configuration = url.clientConfiguration
        // A statement before and after each LLM call; calls in flight are at most the run's concurrency.
        configuration.options.maximumConnections = 4
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger.forPool())
    }

    public var description: String { "database \(url)" }

    /// Runs the pool and the listener until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            group.addTask { await listen(on: Self.channel, client: self.client, logger: self.logger) { await self.refresh($0) } }
            await group.next()
            group.cancelAll()
        }
    }

    /// Listens for refusals of `policy`'s budget, and reads the one recorded already, if any.
    public func follow(_ policy: SharedBudgetPolicy) async {
        followed.withLock { $0[policy.name] = (policy, $0[policy.name]?.refusal) }
        await refresh(policy.name)
    }

    /// The refusal of `policy`'s budget heard of since following it.
    public func knownRefusal(_ policy: SharedBudgetPolicy) -> (message: String, until: Date?)? {
        followed.withLock { $0[policy.name]?.refusal }
    }

    /// Reads the refusal recorded for the followed budget `name` in the current period, if it
    /// applies to this process's limit (one raised above the refused limit starts afresh).
    func refresh(_ name: String) async {
        guard let policy = followed.withLock({ $0[name]?.policy }) else { return }
        let (client, logger) = (client, logger)
        do {
            let refusal = try await statement("reading the shared cost budget \"\(name)\" at \(url)") {
                var found: (message: String, until: Date?)?
                for try await (message, until) in try await client.query(
                    """
                    select b.exhausted_message, p.period_end
                    from summarizer_cost_budgets b
                    cross join cost_budget_period(\(policy.period.rawValue), \(policy.timeZone), clock_timestamp()) p
                    where b.name = \(name) and b.period_start = p.period_start
                      and b.exhausted_message is not null and \(policy.limitUSD) <= b.exhausted_limit_usd
                    """,
                    logger: logger
                ).decode((String, Date?).self) {
                    found = (message, until)
                }
                return found
            }
            if let refusal { followed.withLock { $0[name]?.refusal = refusal } }
        } catch {
            logger.debug("reading a spent cost budget failed", metadata: ["budget": "\(name)", "error": "\(error)"])
        }
    }

    /// Holds `amountUSD` of the budget, or answers the refusal every process shares.
    public func reserve(_ amountUSD: Double, policy: SharedBudgetPolicy) async throws -> SharedCostAnswer {
        let (client, logger) = (client, logger)
        let action = "reserving from the shared cost budget \"\(policy.name)\" at \(url)"
        let row = try await statement(action) {
            var found: (Int64?, Date?, String?)?
            for try await row in try await client.query(
                """
                select reservation_id, period_end, refused_message
                from reserve_cost_budget(\(policy.name), \(amountUSD), \(policy.limitUSD), \(policy.period.rawValue), \
                \(policy.timeZone), \(policy.reservationTTL.seconds))
                """,
                logger: logger
            ).decode((Int64?, Date?, String?).self) {
                found = row
            }
            return found
        }
        guard let (id, periodEnd, refused) = row else {
            throw PipelineError(.transient, "\(action): no answer row", reason: "database-protocol")
        }
        if let id { return .reserved(SharedCostReservation(id: id, amountUSD: amountUSD)) }
        guard let refused else { return .busy }
        return .refused(message: refused, until: periodEnd)
    }

    /// Replaces a reservation by what its call cost.
    public func settle(_ reservation: SharedCostReservation, actualUSD: Double) async throws {
        let (client, logger) = (client, logger)
        try await statement("settling a call with a shared cost budget at \(url)") {
            try await client.query("select settle_cost_budget(\(reservation.id), \(actualUSD))", logger: logger)
        }
    }

    /// Runs one statement bounded by ``timeout``, its errors as ``PipelineError``s.
    @discardableResult
    private func statement<T: Sendable>(_ action: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withTimeout(timeout, action, body)
        } catch {
            throw pipelineError(fromDatabase: error, doing: action)
        }
    }
}

extension PostgresCostLedger {
    /// The `costBudget` section's `"scope": "database"`: one ledger per database URL and run.
    public static let scope = CostLedgerScope(name: "database") { config, environment throws(ConfigError) -> any SharedCostLedger in
        guard config.string("databaseURL") != nil else {
            throw config.problem("databaseURL", "a shared cost budget needs a databaseURL, or DATABASE_URL in the environment")
        }
        let url = try DatabaseURL(config: config)
        return environment.services.shared("costBudget.database.\(url)") {
            PostgresCostLedger(url: url, logger: environment.logger)
        }
    }
}
