import Foundation
import Synchronization

/// The spending limits every LLM call of a run must fit: the run's own (`run.maxCostUSD`) and a
/// budget shared with other processes (the `costBudget` section).
///
/// Each call reserves its worst case (its input plus `maxOutputTokens`) before it is sent and
/// settles to its real price when the answer comes, so concurrent calls together can never
/// spend more than a limit. A call that does not fit is refused with ``PipelineError``
/// `quotaExhausted` (reason ``refusalReason``): the run stops and the item stays undone.
public final class CostBudget: Sendable {
    /// The reason of the error a refused reservation throws.
    public static let refusalReason = "cost-budget"

    /// A reserved amount, to be settled once the call's real price is known.
    public struct Reservation: Sendable {
        /// The USD held back.
        public let amount: Double
        /// What the shared budget holds for the call, if there is one.
        public let shared: SharedCostReservation?
    }

    struct State {
        var spent = 0.0
        var reserved = 0.0
    }

    /// The most the run may spend, in USD; `nil` when only the shared budget limits it.
    public let limitUSD: Double?
    /// The budget shared with other processes, if the config has one.
    public let shared: SharedCostBudget?
    private let state = Mutex(State())

    /// A budget of `limitUSD` for this run, and `shared` with other processes.
    public init(limitUSD: Double?, shared: SharedCostBudget? = nil) {
        self.limitUSD = limitUSD
        self.shared = shared
    }

    /// The run's budget of `run.maxCostUSD`, or `nil` when it sets none.
    public static func run(_ settings: RunSettings) -> CostBudget? {
        settings.maxCostUSD.map { CostBudget(limitUSD: $0) }
    }

    /// Reserves `amount` USD from the run's limit, then from the shared budget.
    ///
    /// - Throws: ``PipelineError`` `quotaExhausted` when a limit cannot cover it; from the shared
    ///   budget also `misconfigured`, `unauthorized` or `cancelled` (see ``SharedCostBudget``).
    public func reserve(_ amount: Double) async throws(PipelineError) -> Reservation {
        if let limitUSD {
            let granted = state.withLock { state -> Bool in
                guard state.spent + state.reserved + amount <= limitUSD else { return false }
                state.reserved += amount
                return true
            }
            guard granted else {
                throw PipelineError(
                    .quotaExhausted,
                    "the run's cost budget (run.maxCostUSD \(Self.format(limitUSD))) cannot cover another call "
                        + "(spent \(Self.format(spentUSD)), this call's worst case \(Self.format(amount)))",
                    reason: Self.refusalReason
                )
            }
        } else {
            state.withLock { $0.reserved += amount }
        }
        guard let shared else { return Reservation(amount: amount, shared: nil) }
        do {
            return Reservation(amount: amount, shared: try await shared.reserve(amount))
        } catch {
            state.withLock { $0.reserved -= amount }
            throw error
        }
    }

    /// Replaces a reservation by what the call really cost, here and in the shared budget.
    public func settle(_ reservation: Reservation, actualUSD: Double) async {
        state.withLock { state in
            state.reserved -= reservation.amount
            state.spent += actualUSD
        }
        if let held = reservation.shared { await shared?.settle(held, actualUSD: actualUSD) }
    }

    /// Spent by this run so far, settled calls only.
    public var spentUSD: Double { state.withLock { $0.spent } }

    static func format(_ value: Double) -> String {
        "$" + String(format: "%.4f", value)
    }
}
