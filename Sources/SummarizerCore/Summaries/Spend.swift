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
