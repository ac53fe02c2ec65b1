import Foundation
import Logging
import Postgres
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Synchronization
import Testing

/// The `costBudget` section: budgets in `summarizer_cost_budgets`, each ledger with its own pool
/// as a separate process would have.
@Suite("Shared cost budgets in PostgreSQL", .enabled(if: TestDatabase.available))
struct SharedCostBudgetTests {
    let logger = TestDatabase.logger

    static func spent(_ client: PostgresClient, _ name: String = "team") async throws -> Double {
        var spent = -1.0
        for try await value in try await client.query(
            "select spent_usd from summarizer_cost_budgets where name = \(name)",
            logger: TestDatabase.logger
        ).decode(Double.self) {
            spent = value
        }
        return spent
    }

    @Test(.timeLimit(.minutes(1)))
    func fourProcessesTogetherNeverSpendMoreThanTheLimitAndStopWithOneMessage() async throws {
        try await TestDatabase.withMigrated { url, client in
            // Each "process" reserves a $0.01 worst case per call and settles it at $0.004, as
            // fast as it can, until the budget refuses. Near the end a call that fits only once
            // the others settle is told to ask again, so the four stop within one worst case of
            // the limit, never above it.
            let policy = SharedBudgetPolicy(name: "team", limitUSD: 1)
            let ledgers = (0..<4).map { _ in PostgresCostLedger(url: url, logger: logger) }
            let outcomes = Outcomes()
            let busy = Counter()
            try await withServices(ledgers) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for ledger in ledgers {
                        group.addTask {
                            var calls = 0
                            while true {
                                switch try await ledger.reserve(0.01, policy: policy) {
                                case .reserved(let reservation):
                                    calls += 1
                                    try await ledger.settle(reservation, actualUSD: 0.004)
                                case .busy:
                                    busy.add()
                                case .refused(let message, _):
                                    outcomes.append(calls, message)
                                    return
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let all = outcomes.all
            let calls = all.map(\.calls).reduce(0, +)
            let spent = try await Self.spent(client)
            #expect(abs(spent - Double(calls) * 0.004) < 1e-9)
            #expect(spent <= 1)
            // Refused only once spent plus the others' calls in flight left less than a worst case.
            #expect(spent > 1 - 0.01, "stopped early at \(spent)")
            #expect(busy.value > 0, "no call ever waited for the others to settle")
            #expect(all.allSatisfy { $0.calls > 0 }, "\(all.map(\.calls))")
            #expect(Set(all.map(\.refusal)).count == 1, "\(all.map(\.refusal))")
            #expect(all.first?.refusal.contains("the shared cost budget \"team\" ($1.0000 a day) is spent") == true)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aReservationNobodySettlesCountsAsSpentAtItsWorstCaseOnceItExpires() async throws {
        try await TestDatabase.withMigrated { url, client in
            let policy = SharedBudgetPolicy(name: "team", limitUSD: 1, reservationTTL: .milliseconds(500))
            let ledger = PostgresCostLedger(url: url, logger: logger)
            try await withServices([ledger]) {
                guard case .reserved(let lost) = try await ledger.reserve(0.5, policy: policy) else {
                    Issue.record("the first reservation was refused")
                    return
                }
                try await Task.sleep(for: .milliseconds(700))
                guard case .reserved(let next) = try await ledger.reserve(0.4, policy: policy) else {
                    Issue.record("an expired reservation still held its amount")
                    return
                }
                #expect(try await Self.spent(client) == 0.5)
                // Its process settling late counts nothing twice.
                try await ledger.settle(lost, actualUSD: 0.01)
                #expect(try await Self.spent(client) == 0.5)
                try await ledger.settle(next, actualUSD: 0.1)
                try await ledger.settle(next, actualUSD: 0.1)
                #expect(abs(try await Self.spent(client) - 0.6) < 1e-9)
                guard case .refused = try await ledger.reserve(0.5, policy: policy) else {
                    Issue.record("a reservation above the limit was granted")
                    return
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aRefusalHoldsUntilThePeriodEndsOrTheLimitIsRaised() async throws {
        try await TestDatabase.withMigrated { url, client in
            let ledger = PostgresCostLedger(url: url, logger: logger)
            let policy = SharedBudgetPolicy(name: "team", limitUSD: 1, period: .day, timeZone: "America/Los_Angeles")
            let raised = SharedBudgetPolicy(name: "team", limitUSD: 2, period: .day, timeZone: "America/Los_Angeles")
            try await withServices([ledger]) {
                guard case .reserved(let first) = try await ledger.reserve(0.9, policy: policy) else {
                    Issue.record("the first reservation was refused")
                    return
                }
                try await ledger.settle(first, actualUSD: 0.9)
                guard case .refused(let message, let until) = try await ledger.reserve(0.2, policy: policy) else {
                    Issue.record("a call above the limit was granted")
                    return
                }
                // The period ends at the next midnight in Los Angeles.
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "America/Los_Angeles")!
                let midnight = calendar.nextDate(after: Date(), matching: DateComponents(hour: 0, minute: 0, second: 0), matchingPolicy: .nextTime)
                #expect(until == midnight)
                // A smaller call now fits by the numbers, but the budget stays spent for everyone.
                guard case .refused(let again, _) = try await ledger.reserve(0.05, policy: policy) else {
                    Issue.record("a call after the refusal was granted")
                    return
                }
                #expect(again == message)
                guard case .reserved = try await ledger.reserve(0.2, policy: raised) else {
                    Issue.record("raising the limit did not lift the refusal")
                    return
                }
                // Yesterday's spending does not count today.
                _ = try await ledger.reserve(5, policy: policy)
                try await client.query(
                    "update summarizer_cost_budgets set period_start = period_start - interval '1 day'",
                    logger: logger
                )
                try await client.query("delete from summarizer_cost_reservations", logger: logger)
                guard case .reserved = try await ledger.reserve(0.95, policy: policy) else {
                    Issue.record("a new period started with the old spending")
                    return
                }
                #expect(try await Self.spent(client) == 0)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anUnreachableLedgerMakesCallsWaitAndAMissingTableStopsTheRun() async throws {
        try await TestDatabase.withMigrated { url, client in
            let proxy = try await TCPProxy.start(to: url.host, port: url.port)
            var proxied = url
            proxied.port = proxy.port
            let ledger = PostgresCostLedger(url: proxied, logger: logger, timeout: .seconds(1))
            let logs = RecordingLogHandlerStore()
            let shared = SharedCostBudget(policy: SharedBudgetPolicy(name: "team", limitUSD: 1), ledger: ledger, logger: logs.logger())
            let budget = CostBudget(limitUSD: nil, shared: shared)
            try await withServices([ledger]) {
                let first = try await budget.reserve(0.1)
                await budget.settle(first, actualUSD: 0.1)
                // A loaded machine may have timed out the first statement already: count from here.
                let before = logs.messages.count
                proxy.sever()
                let severed = ContinuousClock.now
                let waiting = Task { try await budget.reserve(0.1) }
                try await Task.sleep(for: .seconds(3))
                let warnings = logs.messages.dropFirst(before).filter { $0.hasPrefix("warning") && $0.contains("cannot be reached") }
                #expect(warnings.count == 1, "\(logs.messages)")
                proxy.restore()
                let second = try await waiting.value
                #expect(ContinuousClock.now - severed >= .seconds(3), "a call passed while the ledger was away")
                await budget.settle(second, actualUSD: 0.1)
                #expect(abs(try await Self.spent(client) - 0.2) < 1e-9)
                #expect(logs.messages.dropFirst(before).contains { $0.contains("reached again") })

                try await client.query("drop table summarizer_cost_reservations", logger: logger)
                await #expect {
                    try await budget.reserve(0.1)
                } throws: { error in
                    let error = error as? PipelineError
                    return error?.kind == .misconfigured && error?.hint?.contains("summarize db migrate") == true
                }
            }
            try await proxy.shutdown()
        }
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

final class Outcomes: Sendable {
    private let entries = Mutex<[(calls: Int, refusal: String)]>([])
    func append(_ calls: Int, _ refusal: String) { entries.withLock { $0.append((calls, refusal)) } }
    var all: [(calls: Int, refusal: String)] { entries.withLock { $0 } }
}
