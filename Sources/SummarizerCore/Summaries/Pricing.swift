import Foundation
import Synchronization

/// What LLM calls cost: tokens by kind and their estimated price.
public struct Spend: Sendable, Hashable {
    /// The tokens spent.
    public var tokens: TokenUsage
    /// USD; `nil` when the model has no price.
    public var costUSD: Double?

    /// A spend; `costUSD` is `nil` when the model has no price.
    public init(tokens: TokenUsage = .zero, costUSD: Double? = nil) {
        self.tokens = tokens
        self.costUSD = costUSD
    }

    /// Nothing spent.
    public static let zero = Spend()

    /// Two spends added; the cost is unknown when either is.
    public static func + (lhs: Spend, rhs: Spend) -> Spend {
        let cost: Double? =
            switch (lhs.costUSD, rhs.costUSD) {
            case (nil, nil): nil
            case (let a, let b): (a ?? 0) + (b ?? 0)
            }
        return Spend(tokens: lhs.tokens + rhs.tokens, costUSD: cost)
    }
}

/// The price of one model, in USD per million tokens.
public struct ModelPrice: Sendable, Hashable {
    /// USD per million prompt tokens not read from the cache.
    public var inputPerMillion: Double
    /// USD per million output tokens, thoughts included.
    public var outputPerMillion: Double
    /// The price of cached prompt tokens; the input price when `nil`.
    public var cachedInputPerMillion: Double?

    /// A price; cached input costs full price when no cached price is given.
    public init(inputPerMillion: Double, outputPerMillion: Double, cachedInputPerMillion: Double? = nil) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
        self.cachedInputPerMillion = cachedInputPerMillion
    }

    /// The price of `usage`: input is prompt plus tool use (the cached part of the prompt at the
    /// cached price), output is generated plus thinking tokens.
    public func cost(of usage: TokenUsage) -> Double {
        let cached = min(usage.cached, usage.prompt)
        let freshInput = Double(usage.prompt - cached + usage.toolUse)
        let input = freshInput * inputPerMillion + Double(cached) * (cachedInputPerMillion ?? inputPerMillion)
        let output = Double(usage.output + usage.thoughts) * outputPerMillion
        return (input + output) / 1_000_000
    }

    /// The most a call can cost: `inputTokens` at the input price and `maxOutputTokens` at the output price.
    public func worstCase(inputTokens: Int, maxOutputTokens: Int) -> Double {
        (Double(inputTokens) * inputPerMillion + Double(maxOutputTokens) * outputPerMillion) / 1_000_000
    }
}

/// Prices by model name, from a summarizer's `prices` config key over its defaults.
public struct PriceTable: Sendable, Hashable {
    /// The prices by model name.
    public var prices: [String: ModelPrice]

    /// A table of `prices`.
    public init(_ prices: [String: ModelPrice] = [:]) {
        self.prices = prices
    }

    /// The price of `model`: an exact entry, else the longest entry the name starts with
    /// (`gemini-2.5-flash-001` is priced as `gemini-2.5-flash`).
    public func price(for model: String) -> ModelPrice? {
        if let exact = prices[model] { return exact }
        return prices.filter { model.hasPrefix($0.key + "-") }.max { $0.key.count < $1.key.count }?.value
    }

    /// The `prices` key of a summarizer's spec, read with ``parse(_:over:config:key:)``.
    public static func configKey(doc: String) -> ConfigKey {
        ConfigKey("prices", .object, doc: doc)
    }

    /// Reads the `prices` config object (`{"model": {"inputPerMillion", "outputPerMillion",
    /// "cachedInputPerMillion"}}`) over `defaults`.
    public static func parse(
        _ value: JSONValue?,
        over defaults: PriceTable,
        config: PluginConfig,
        key: String = "prices"
    )
        throws(ConfigError) -> PriceTable
    {
        var table = defaults
        guard let value else { return table }
        guard let models = value.objectValue else { throw config.problem(key, "must be an object of model prices") }
        var problems: [ConfigProblem] = []
        let pointer = config.pointer.appending(key)
        for (model, entry) in models.sorted(by: { $0.key < $1.key }) {
            let modelPointer = pointer.appending(model)
            guard let fields = entry.objectValue else {
                problems.append(ConfigProblem(modelPointer, "must be an object with inputPerMillion and outputPerMillion"))
                continue
            }
            for name in fields.keys where !["inputPerMillion", "outputPerMillion", "cachedInputPerMillion"].contains(name) {
                let suggestion = Suggestion.closest(to: name, in: ["inputPerMillion", "outputPerMillion", "cachedInputPerMillion"])
                problems.append(
                    ConfigProblem(modelPointer.appending(name), "unknown key" + (suggestion.map { "; did you mean \"\($0)\"?" } ?? ""))
                )
            }
            func number(_ name: String, required: Bool) -> Double? {
                guard let raw = fields[name] else {
                    if required { problems.append(ConfigProblem(modelPointer.appending(name), "missing required key \"\(name)\"")) }
                    return nil
                }
                guard let number = raw.doubleValue, number >= 0 else {
                    problems.append(ConfigProblem(modelPointer.appending(name), "must be a number of USD per million tokens, at least 0"))
                    return nil
                }
                return number
            }
            let input = number("inputPerMillion", required: true)
            let output = number("outputPerMillion", required: true)
            let cached = number("cachedInputPerMillion", required: false)
            if let input, let output {
                table.prices[model] = ModelPrice(inputPerMillion: input, outputPerMillion: output, cachedInputPerMillion: cached)
            }
        }
        guard problems.isEmpty else { throw ConfigError(problems: problems) }
        return table
    }
}

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
