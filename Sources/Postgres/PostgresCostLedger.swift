import Foundation
import Logging
import PostgresNIO
import SummarizerCore

/// Cost budgets shared through PostgreSQL (the `costBudget` section with `"scope": "database"`),
/// in the `summarizer_cost_budgets` and `summarizer_cost_reservations` tables of the shipped
/// schema (migration 006).
///
/// A reservation and a settlement are one statement each, calling a function of the schema that
/// locks the budget's row, so the processes sharing a budget together never hold more than its
/// limit.
public final class PostgresCostLedger: SharedCostLedger, PipelineService {
    let url: DatabaseURL
    let client: PostgresClient
    let logger: Logger
    let timeout: Duration

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

    /// Runs the pool until cancelled.
    public func run() async {
        await client.run()
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
