import Foundation
import Logging
import Synchronization

/// A cost budget shared by every process that names it (the config's `costBudget` section):
/// what its calls may spend together, and over which period.
public struct SharedBudgetPolicy: Sendable, Hashable {
    /// How long a budget's spending counts before it starts again from zero.
    public enum Period: String, Sendable, CaseIterable, ConfigValueConvertible {
        /// From midnight to midnight in the budget's time zone.
        case day
        /// From the first of a month to the first of the next, in the budget's time zone.
        case month
        /// For ever: the budget is spent once, until its limit is raised.
        case total
    }

    /// The budget's name; processes giving the same name share it.
    public var name: String
    /// The most its calls may spend in a period, in USD.
    public var limitUSD: Double
    /// The period the limit applies to.
    public var period: Period
    /// The IANA time zone whose midnights start the periods, e.g. `UTC` or `America/Los_Angeles`.
    public var timeZone: String
    /// How long a reservation holds before it counts as spent at its worst case (its process
    /// died or lost the database): longer than any one LLM call may take.
    public var reservationTTL: Duration

    /// A policy.
    public init(name: String, limitUSD: Double, period: Period = .day, timeZone: String = "UTC", reservationTTL: Duration = .seconds(600)) {
        self.name = name
        self.limitUSD = limitUSD
        self.period = period
        self.timeZone = timeZone
        self.reservationTTL = reservationTTL
    }

    /// The policy as `explain` shows it, e.g. `"team" $25.0000 a day (UTC)`.
    public var summary: String {
        let per =
            switch period {
            case .day: "a day (\(timeZone))"
            case .month: "a month (\(timeZone))"
            case .total: "in all"
            }
        return "\"\(name)\" \(CostBudget.format(limitUSD)) \(per)"
    }
}

/// An amount held in a shared ledger until its call is settled.
public struct SharedCostReservation: Sendable, Hashable {
    /// The ledger's id of the reservation.
    public var id: Int64
    /// The USD held.
    public var amountUSD: Double

    /// A reservation.
    public init(id: Int64, amountUSD: Double) {
        self.id = id
        self.amountUSD = amountUSD
    }
}

/// What a shared ledger answers a reservation.
public enum SharedCostAnswer: Sendable, Hashable {
    /// The amount is held.
    case reserved(SharedCostReservation)
    /// The amount fits only once calls in flight settle (they cost less than their worst cases);
    /// ask again shortly.
    case busy
    /// The budget is spent, even were no call in flight: `message` is the same for every
    /// process, `until` is when the period ends (`nil` for a budget without periods).
    case refused(message: String, until: Date?)
}

/// Where cost budgets shared by several processes are kept (e.g. PostgreSQL).
public protocol SharedCostLedger: Sendable, CustomStringConvertible {
    /// Holds `amountUSD` of the budget; or answers that it will fit once calls in flight settle;
    /// or that it is spent (and records that for every process, until the period ends).
    ///
    /// - Throws: ``PipelineError`` when the ledger cannot be reached (`transient`; the caller
    ///   waits and tries again) or is not set up (`misconfigured`).
    func reserve(_ amountUSD: Double, policy: SharedBudgetPolicy) async throws -> SharedCostAnswer

    /// Replaces `reservation` by what the call cost. Settling a reservation that expired or was
    /// settled already changes nothing.
    func settle(_ reservation: SharedCostReservation, actualUSD: Double) async throws

    /// Starts following what other processes record of `policy`'s budget, so that
    /// ``knownRefusal(_:)`` answers without a round trip (PostgreSQL's ledger listens for it).
    func follow(_ policy: SharedBudgetPolicy) async

    /// The refusal recorded for `policy`'s budget that this ledger has heard of while following
    /// it and that still holds, or `nil`.
    func knownRefusal(_ policy: SharedBudgetPolicy) -> (message: String, until: Date?)?
}

extension SharedCostLedger {
    /// Follows nothing: the next reservation learns of a refusal.
    public func follow(_ policy: SharedBudgetPolicy) async {}

    /// Knows of no refusal beyond the reservations' answers.
    public func knownRefusal(_ policy: SharedBudgetPolicy) -> (message: String, until: Date?)? { nil }
}

/// A way to keep shared cost budgets, selected by the `costBudget` section's `scope`.
public typealias CostLedgerScope = SharedScope<any SharedCostLedger>

/// A ``CostBudget``'s part shared with other processes: the policy, its ledger, and what this
/// process learnt of the budget being spent.
///
/// As a service of the run it asks the run to stop (exit 2) once the ledger hears that another
/// process met the refusal, so a worker waiting for rows stops with the others instead of at its
/// next call.
public final class SharedCostBudget: PipelineService {
    /// The budget's name, limit and period.
    public let policy: SharedBudgetPolicy
    /// Where the budget is kept.
    public let ledger: any SharedCostLedger
    let logger: Logger
    let clock: any Clock<Duration>
    let control: RunControl?
    /// The refusal this process met, repeated without a round trip while it holds.
    private let refusal = Mutex<(message: String, until: Date?)?>(nil)
    /// Whether an outage of the ledger is being waited out, so it is logged once.
    private let waitingOut = Mutex(false)

    /// A shared budget kept in `ledger`; a refusal met by another process stops the run `control`
    /// governs.
    public init(
        policy: SharedBudgetPolicy,
        ledger: any SharedCostLedger,
        logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(),
        control: RunControl? = nil
    ) {
        self.policy = policy
        self.ledger = ledger
        self.logger = logger
        self.clock = clock
        self.control = control
    }

    /// Follows the budget and asks the run to stop once the ledger knows it is spent (NOTIFY
    /// brings another process's refusal within milliseconds; this looks every quarter second).
    public func run() async {
        guard let control else { return }
        await ledger.follow(policy)
        while !Task.isCancelled {
            if let known = ledger.knownRefusal(policy), known.until.map({ $0 > Date() }) ?? true {
                refusal.withLock { $0 = known }
                if control.requestStop(.serviceUnavailable(Self.error(known.message, until: known.until))) {
                    logger.warning(
                        "stopping: the shared cost budget is recorded as spent for every process sharing it",
                        metadata: ["budget": "\(policy.name)"]
                    )
                }
                return
            }
            guard (try? await clock.sleep(for: .milliseconds(250))) != nil else { return }
        }
    }

    /// Holds `amount` USD, waiting while it fits only once calls in flight settle, and waiting
    /// out an unreachable ledger: a budget that cannot be checked lets no call through.
    ///
    /// - Throws: ``PipelineError`` `quotaExhausted` (reason ``CostBudget/refusalReason``) when the
    ///   budget is spent; `misconfigured` or `unauthorized` when the ledger is not set up; `cancelled`.
    func reserve(_ amount: Double) async throws(PipelineError) -> SharedCostReservation {
        if let known = refusal.withLock({ $0 }), known.until.map({ $0 > Date() }) ?? true {
            throw Self.error(known.message, until: known.until)
        }
        var delay = Duration.milliseconds(250)
        var busy = Duration.milliseconds(50)
        while true {
            do {
                let answer = try await ledger.reserve(amount, policy: policy)
                endOutage()
                switch answer {
                case .reserved(let reservation):
                    return reservation
                case .busy:
                    try await clock.sleep(for: busy)
                    busy = min(busy * 2, .milliseconds(500))
                case .refused(let message, let until):
                    refusal.withLock { $0 = (message, until) }
                    throw Self.error(message, until: until)
                }
            } catch let error as PipelineError where error.kind != .transient {
                throw error
            } catch {
                let failure = PipelineError.from(error)
                if Task.isCancelled || failure.kind == .cancelled {
                    throw PipelineError(.cancelled, "stopped while waiting for the shared cost budget \"\(policy.name)\"")
                }
                startOutage(failure)
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    throw PipelineError(.cancelled, "stopped while waiting for the shared cost budget \"\(policy.name)\"")
                }
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// Settles `reservation`, trying a few times; a reservation left unsettled expires and
    /// counts at its worst case, which errs on the side of the limit.
    func settle(_ reservation: SharedCostReservation, actualUSD: Double) async {
        for attempt in 1...3 {
            do {
                try await ledger.settle(reservation, actualUSD: actualUSD)
                return
            } catch {
                if attempt == 3 || Task.isCancelled {
                    logger.warning(
                        "could not settle a call with the shared cost budget; its worst case counts once the reservation expires",
                        metadata: ["budget": "\(policy.name)", "worstCaseUSD": "\(reservation.amountUSD)", "error": "\(error)"]
                    )
                    return
                }
                try? await clock.sleep(for: .milliseconds(200 * attempt))
            }
        }
    }

    private func startOutage(_ error: PipelineError) {
        let first = waitingOut.withLock { waiting in
            defer { waiting = true }
            return !waiting
        }
        if first {
            logger.warning(
                "the shared cost budget cannot be reached; LLM calls wait until it can",
                metadata: ["budget": "\(policy.name)", "ledger": "\(ledger)", "error": "\(error.message)"]
            )
        }
    }

    private func endOutage() {
        let ended = waitingOut.withLock { waiting in
            defer { waiting = false }
            return waiting
        }
        if ended { logger.notice("the shared cost budget can be reached again", metadata: ["budget": "\(policy.name)"]) }
    }

    static func error(_ message: String, until: Date?) -> PipelineError {
        PipelineError(
            .quotaExhausted,
            message,
            reason: CostBudget.refusalReason,
            hint: until.map { "every process sharing the budget stops until \(ISO8601.string(from: $0)), when its period ends" }
                ?? "every process sharing the budget stops until its maxCostUSD is raised"
        )
    }
}
