import Foundation

/// One summarized article as sinks store it.
///
/// Its JSON form uses snake_case keys named like the database columns (`news_url_id`,
/// `summary_text`, ...), so a JSON-lines file and a table row read the same.
public struct SummaryRecord: Sendable, Hashable, Codable {
    /// The item's id, the upsert key of every sink.
    public var newsURLID: String
    /// The article URL, as the source gave it.
    public var url: String
    /// The title the source knew, or the extracted one.
    public var title: String?
    /// The full formatted summary (``Summary/formattedText``), never truncated.
    public var summaryText: String
    /// The structured summary.
    public var summary: Summary
    /// The model that wrote it, as the backend reported it.
    public var llmModel: String
    public var promptVersion: String
    /// Whether the backend's URL mode failed and we fell back to fetching the page ourselves.
    public var fallbackUsed: Bool
    /// Tokens of every LLM call the item took, repairs and failed first attempts included.
    public var tokens: TokenUsage
    /// Wall time from the first stage to the summary.
    public var processingTimeSeconds: Double
    /// When the summary was made.
    public var generatedAt: Date
    /// The extractor that found the article; `nil` when the LLM read the page.
    public var extractor: String?
    /// SHA-256 of the article text; `nil` when the LLM read the page.
    public var contentHash: String?
    /// How the page was read: `file`, `direct`, `browserHeaders` or `urlContext`.
    public var fetchMethod: String?
    /// Whether the article was cut to fit the input budget.
    public var inputTruncated: Bool
    /// In URL mode, how the backend's page retrieval went (e.g. `URL_RETRIEVAL_STATUS_SUCCESS`).
    public var retrievalStatus: String?
    /// The estimated price of the item's LLM calls, failed attempts included; `nil` when the
    /// backend has no price for the model.
    public var costUSD: Double?

    /// A record; the orchestrator makes these from an item's stages.
    public init(
        newsURLID: String,
        url: String,
        title: String?,
        summary: Summary,
        llmModel: String,
        promptVersion: String,
        fallbackUsed: Bool,
        tokens: TokenUsage,
        processingTimeSeconds: Double,
        generatedAt: Date,
        extractor: String?,
        contentHash: String?,
        fetchMethod: String?,
        inputTruncated: Bool,
        retrievalStatus: String? = nil,
        costUSD: Double? = nil
    ) {
        self.newsURLID = newsURLID
        self.url = url
        self.title = title
        self.summaryText = summary.formattedText
        self.summary = summary
        self.llmModel = llmModel
        self.promptVersion = promptVersion
        self.fallbackUsed = fallbackUsed
        self.tokens = tokens
        self.processingTimeSeconds = processingTimeSeconds
        self.generatedAt = generatedAt
        self.extractor = extractor
        self.contentHash = contentHash
        self.fetchMethod = fetchMethod
        self.inputTruncated = inputTruncated
        self.retrievalStatus = retrievalStatus
        self.costUSD = costUSD
    }

    enum CodingKeys: String, CodingKey {
        case newsURLID = "news_url_id"
        case url, title
        case summaryText = "summary_text"
        case summary
        case keyPoints = "key_points"
        case playersMentioned = "players_mentioned"
        case teamsMentioned = "teams_mentioned"
        case gameReferences = "game_references"
        case injuryUpdates = "injury_updates"
        case articleType = "article_type"
        case sentiment
        case contentQuality = "content_quality"
        case llmModel = "llm_model"
        case promptVersion = "prompt_version"
        case fallbackUsed = "fallback_used"
        case tokens
        case processingTimeSeconds = "processing_time_seconds"
        case generatedAt = "generated_at"
        case extractor
        case contentHash = "content_hash"
        case fetchMethod = "fetch_method"
        case inputTruncated = "input_truncated"
        case retrievalStatus = "retrieval_status"
        case costUSD = "cost_usd"
    }

    /// A key of a custom schema's field, spread into the record like the news fields.
    struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    // The record is flat on the wire (one column per summary field), so the nested
    // `Summary` is spread into the top level rather than encoded as an object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(newsURLID, forKey: .newsURLID)
        try container.encode(url, forKey: .url)
        try container.encode(title, forKey: .title)
        try container.encode(summaryText, forKey: .summaryText)
        try container.encode(summary.summary, forKey: .summary)
        try container.encode(summary.keyPoints, forKey: .keyPoints)
        try container.encode(summary.playersMentioned, forKey: .playersMentioned)
        try container.encode(summary.teamsMentioned, forKey: .teamsMentioned)
        try container.encode(summary.gameReferences, forKey: .gameReferences)
        try container.encode(summary.injuryUpdates, forKey: .injuryUpdates)
        try container.encode(summary.articleType, forKey: .articleType)
        try container.encode(summary.sentiment, forKey: .sentiment)
        try container.encode(summary.contentQuality, forKey: .contentQuality)
        try container.encode(llmModel, forKey: .llmModel)
        try container.encode(promptVersion, forKey: .promptVersion)
        try container.encode(fallbackUsed, forKey: .fallbackUsed)
        try container.encode(tokens, forKey: .tokens)
        try container.encode(processingTimeSeconds, forKey: .processingTimeSeconds)
        try container.encode(ISO8601.string(from: generatedAt), forKey: .generatedAt)
        try container.encode(extractor, forKey: .extractor)
        try container.encode(contentHash, forKey: .contentHash)
        try container.encode(fetchMethod, forKey: .fetchMethod)
        try container.encode(inputTruncated, forKey: .inputTruncated)
        try container.encode(retrievalStatus, forKey: .retrievalStatus)
        try container.encode(costUSD, forKey: .costUSD)
        if !summary.extraFields.isEmpty {
            var extra = encoder.container(keyedBy: FieldKey.self)
            for (name, value) in summary.extraFields {
                try extra.encode(value, forKey: FieldKey(name))
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        newsURLID = try container.decode(String.self, forKey: .newsURLID)
        url = try container.decode(String.self, forKey: .url)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        summaryText = try container.decode(String.self, forKey: .summaryText)
        summary = Summary(
            summary: try container.decode(String.self, forKey: .summary),
            keyPoints: try container.decodeIfPresent([String].self, forKey: .keyPoints) ?? [],
            playersMentioned: try container.decodeIfPresent([String].self, forKey: .playersMentioned) ?? [],
            teamsMentioned: try container.decodeIfPresent([String].self, forKey: .teamsMentioned) ?? [],
            gameReferences: try container.decodeIfPresent([String].self, forKey: .gameReferences) ?? [],
            injuryUpdates: try container.decodeIfPresent(String.self, forKey: .injuryUpdates),
            articleType: try container.decodeIfPresent(String.self, forKey: .articleType),
            sentiment: try container.decodeIfPresent(String.self, forKey: .sentiment),
            contentQuality: try container.decodeIfPresent(String.self, forKey: .contentQuality),
            extraFields: try Self.extraFields(from: decoder)
        )
        llmModel = try container.decode(String.self, forKey: .llmModel)
        promptVersion = try container.decode(String.self, forKey: .promptVersion)
        fallbackUsed = try container.decodeIfPresent(Bool.self, forKey: .fallbackUsed) ?? false
        tokens = try container.decodeIfPresent(TokenUsage.self, forKey: .tokens) ?? .zero
        processingTimeSeconds = try container.decodeIfPresent(Double.self, forKey: .processingTimeSeconds) ?? 0
        let generated = try container.decode(String.self, forKey: .generatedAt)
        guard let date = ISO8601.date(from: generated) else {
            throw DecodingError.dataCorruptedError(
                forKey: .generatedAt,
                in: container,
                debugDescription: "not an ISO 8601 time: \(generated)"
            )
        }
        generatedAt = date
        extractor = try container.decodeIfPresent(String.self, forKey: .extractor)
        contentHash = try container.decodeIfPresent(String.self, forKey: .contentHash)
        fetchMethod = try container.decodeIfPresent(String.self, forKey: .fetchMethod)
        inputTruncated = try container.decodeIfPresent(Bool.self, forKey: .inputTruncated) ?? false
        retrievalStatus = try container.decodeIfPresent(String.self, forKey: .retrievalStatus)
        costUSD = try container.decodeIfPresent(Double.self, forKey: .costUSD)
    }

    /// Keys that are neither record fields nor news fields belong to a custom schema.
    private static func extraFields(from decoder: any Decoder) throws -> [String: JSONValue] {
        let container = try decoder.container(keyedBy: FieldKey.self)
        var fields: [String: JSONValue] = [:]
        for key in container.allKeys where CodingKeys(stringValue: key.stringValue) == nil {
            fields[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
        }
        return fields
    }
}
