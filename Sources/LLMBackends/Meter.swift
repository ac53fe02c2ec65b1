import Foundation
import SummarizerCore

/// Counts and budgets every LLM call of one backend.
///
/// Before a call it reserves the call's worst case from the run's ``CostBudget`` (twice the
/// estimated input plus `maxOutputTokens`); after it, it records the tokens the service reported (also
/// for calls that then fail: a refused or cut answer is billed all the same) and settles the
/// reservation to the real price.
struct Meter: Sendable {
    /// The model the calls use, for the metrics by model.
    let model: String
    let price: ModelPrice?
    let budget: CostBudget?
    let maxOutputTokens: Int

    func spend(_ tokens: TokenUsage) -> Spend {
        Spend(tokens: tokens, costUSD: price?.cost(of: tokens))
    }

    /// Runs one call. `send` performs the request and returns the decoded answer with the usage
    /// it reports; `interpret` turns the answer into the result (or throws, with the spend attached).
    func metered<Answer, Result>(
        estimatedInputTokens: Int,
        context: StageContext,
        send: () async throws -> (Answer, TokenUsage?),
        interpret: (Answer, Spend) throws -> Result
    ) async throws -> Result {
        var reservation: CostBudget.Reservation?
        if let budget, let price {
            // Twice the byte-based estimate: text in scripts with more tokens per byte than
            // English must not push a call past what it reserved.
            reservation = try await budget.reserve(price.worstCase(inputTokens: 2 * estimatedInputTokens, maxOutputTokens: maxOutputTokens))
        }
        let answer: Answer
        let tokens: TokenUsage?
        do {
            (answer, tokens) = try await send()
        } catch {
            // No answer, no usage: services do not bill requests they refused or failed.
            if let reservation { await budget?.settle(reservation, actualUSD: 0) }
            throw error
        }
        let spent = spend(tokens ?? .zero)
        if tokens != nil { context.metrics.recordLLMCall(spent, model: model) }
        if let reservation { await budget?.settle(reservation, actualUSD: spent.costUSD ?? 0) }
        return try interpret(answer, spent)
    }
}

/// With `run.maxCostUSD` or a `costBudget` set, every call must have a price, or the budget could not hold.
func checkBudget(_ budget: CostBudget?, prices: PriceTable, model: String, config: PluginConfig) throws(ConfigError) {
    guard budget != nil, prices.price(for: model) == nil else { return }
    throw config.problem(
        "prices",
        "a cost budget is set (run.maxCostUSD or costBudget), but the model \"\(model)\" has no price; add {\"\(model)\": {\"inputPerMillion\": ..., \"outputPerMillion\": ...}}"
    )
}
