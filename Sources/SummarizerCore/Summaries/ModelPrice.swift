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
