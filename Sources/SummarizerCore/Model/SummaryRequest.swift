/// What a summarizer is asked to summarize.
public struct SummaryRequest: Sendable {
    /// Where the backend gets the article from.
    public enum Input: Sendable {
        /// Our extracted article text (content mode).
        case article(Article)
        /// Only the URL: the backend reads the page itself (URL mode).
        case url(String)
    }

    /// The item being summarized.
    public var item: WorkItem
    /// The article or the URL.
    public var input: Input

    /// A request for `item` with `input`.
    public init(item: WorkItem, input: Input) {
        self.item = item
        self.input = input
    }

    /// The article, in content mode.
    public var article: Article? {
        if case .article(let article) = input { return article }
        return nil
    }
}

/// A summarizer's answer.
public struct SummaryResult: Sendable {
    /// The structured summary.
    public var summary: Summary
    /// The model that wrote it, as the backend names it.
    public var model: String
    /// A short hash of the prompt template, schema and generation settings.
    public var promptVersion: String
    /// Tokens used, including failed attempts of this item.
    public var tokens: TokenUsage
    /// Whether the article text was cut to fit the input budget.
    public var inputTruncated: Bool
    /// The estimated price of the calls, failed attempts included; `nil` when the model has no price.
    public var costUSD: Double?
    /// In URL mode, how the service's page retrieval went.
    public var retrievalStatus: String?

    /// A result; `costUSD` is `nil` when the model has no price.
    public init(
        summary: Summary,
        model: String,
        promptVersion: String,
        tokens: TokenUsage,
        inputTruncated: Bool = false,
        costUSD: Double? = nil,
        retrievalStatus: String? = nil
    ) {
        self.summary = summary
        self.model = model
        self.promptVersion = promptVersion
        self.tokens = tokens
        self.inputTruncated = inputTruncated
        self.costUSD = costUSD
        self.retrievalStatus = retrievalStatus
    }
}
