import Foundation
import Synchronization

/// The run's spending limit (`run.maxCostUSD`), shared by every LLM call.
///
/// Each call reserves its worst case (its input plus `maxOutputTokens`) before it is sent and
/// settles to its real price when the answer comes, so concurrent calls together can never
/// spend more than the limit. A call that does not fit is refused with ``PipelineError``
/// `quotaExhausted` (reason ``refusalReason``): the run stops and the item stays undone.
public final class CostBudget: Sendable {
    /// The reason of the error a refused reservation throws.
    public static let refusalReason = "cost-budget"

    /// A reserved amount, to be settled once the call's real price is known.
    public struct Reservation: Sendable {
        /// The USD held back.
        public let amount: Double
    }

    struct State {
        var spent = 0.0
        var reserved = 0.0
    }

    /// The most the run may spend, in USD.
    public let limitUSD: Double
    private let state = Mutex(State())

    /// A budget of `limitUSD`.
    public init(limitUSD: Double) {
        self.limitUSD = limitUSD
    }

    /// Reserves `amount` USD, or throws when spent plus reserved plus `amount` would exceed the limit.
    public func reserve(_ amount: Double) throws(PipelineError) -> Reservation {
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
        return Reservation(amount: amount)
    }

    /// Replaces a reservation by what the call really cost.
    public func settle(_ reservation: Reservation, actualUSD: Double) {
        state.withLock { state in
            state.reserved -= reservation.amount
            state.spent += actualUSD
        }
    }

    /// Spent so far, settled calls only.
    public var spentUSD: Double { state.withLock { $0.spent } }

    static func format(_ value: Double) -> String {
        "$" + String(format: "%.4f", value)
    }
}
