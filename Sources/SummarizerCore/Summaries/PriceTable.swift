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
