import Foundation

/// A structured, factual summary of one article (the default `news` schema).
public struct Summary: Sendable, Hashable, Codable {
    /// Three to five paragraphs, facts from the article only.
    public var summary: String
    /// Five to seven factual takeaways.
    public var keyPoints: [String]
    /// People named in the article, "FirstName LastName".
    public var playersMentioned: [String]
    /// Official team names.
    public var teamsMentioned: [String]
    /// Games, "Team1 vs Team2, Week X".
    public var gameReferences: [String]
    /// Injury news, or `nil` when the article has none.
    public var injuryUpdates: String?
    /// One of `news`, `analysis`, `preview`, `recap`, `injury_report`, `transaction`, `other`.
    public var articleType: String?
    /// One of `positive`, `negative`, `neutral`, `mixed`.
    public var sentiment: String?
    /// One of `high`, `medium`, `low`.
    public var contentQuality: String?
    /// Fields of a custom schema that are not among the above, by schema name.
    public var extraFields: [String: JSONValue]

    /// A summary: the news schema's fields, and a custom schema's others in `extraFields`.
    public init(
        summary: String,
        keyPoints: [String] = [],
        playersMentioned: [String] = [],
        teamsMentioned: [String] = [],
        gameReferences: [String] = [],
        injuryUpdates: String? = nil,
        articleType: String? = nil,
        sentiment: String? = nil,
        contentQuality: String? = nil,
        extraFields: [String: JSONValue] = [:]
    ) {
        self.summary = summary
        self.keyPoints = keyPoints
        self.playersMentioned = playersMentioned
        self.teamsMentioned = teamsMentioned
        self.gameReferences = gameReferences
        self.injuryUpdates = injuryUpdates
        self.articleType = articleType
        self.sentiment = sentiment
        self.contentQuality = contentQuality
        self.extraFields = extraFields
    }

    /// The allowed values of the classification fields.
    public static let articleTypes = ["news", "analysis", "preview", "recap", "injury_report", "transaction", "other"]
    /// The values `sentiment` may take in the news schema.
    public static let sentiments = ["positive", "negative", "neutral", "mixed"]
    /// The values `content_quality` may take in the news schema.
    public static let contentQualities = ["high", "medium", "low"]

    /// The full text written for downstream readers, in the original's section order
    /// (metadata, entities, key points, summary, injury updates), with nothing cut; fields of a
    /// custom schema follow, by name.
    public var formattedText: String {
        var sections: [String] = []
        var metadata: [String] = []
        if let articleType { metadata.append("Type: \(articleType)") }
        if let sentiment { metadata.append("Sentiment: \(sentiment)") }
        if let contentQuality { metadata.append("Quality: \(contentQuality)") }
        if !metadata.isEmpty { sections.append(metadata.joined(separator: " | ")) }

        var entities: [String] = []
        if !playersMentioned.isEmpty { entities.append("Players: " + playersMentioned.joined(separator: ", ")) }
        if !teamsMentioned.isEmpty { entities.append("Teams: " + teamsMentioned.joined(separator: ", ")) }
        if !gameReferences.isEmpty { entities.append("Games: " + gameReferences.joined(separator: "; ")) }
        if !entities.isEmpty { sections.append(entities.joined(separator: "\n")) }

        if !keyPoints.isEmpty {
            sections.append("Key points:\n" + keyPoints.map { "- \($0)" }.joined(separator: "\n"))
        }
        sections.append("Summary:\n" + summary)
        if let injuryUpdates, !injuryUpdates.isEmpty {
            sections.append("Injury updates:\n" + injuryUpdates)
        }
        for (name, value) in extraFields.sorted(by: { $0.key < $1.key }) {
            let label = name.replacingOccurrences(of: "_", with: " ").capitalized
            switch value {
            case .string(let text) where !text.isEmpty:
                sections.append("\(label):\n\(text)")
            case .array(let items) where !items.isEmpty:
                sections.append("\(label):\n" + items.map { "- \($0.stringValue ?? $0.description)" }.joined(separator: "\n"))
            default:
                continue
            }
        }
        return sections.joined(separator: "\n\n")
    }
}

/// Tokens one item cost, by kind, as the backend reported them (or estimated).
public struct TokenUsage: Sendable, Hashable, Codable {
    /// Prompt tokens, cached ones included.
    public var prompt: Int
    /// Generated (candidate) tokens.
    public var output: Int
    /// Tokens of tool use, e.g. a page read by `url_context`.
    public var toolUse: Int
    /// Thinking tokens.
    public var thoughts: Int
    /// The cached part of ``prompt``.
    public var cached: Int
    /// prompt + output + toolUse + thoughts.
    public var total: Int

    /// Token counts; `total` defaults to prompt + output + tool use + thoughts.
    public init(prompt: Int = 0, output: Int = 0, toolUse: Int = 0, thoughts: Int = 0, cached: Int = 0, total: Int? = nil) {
        self.prompt = prompt
        self.output = output
        self.toolUse = toolUse
        self.thoughts = thoughts
        self.cached = cached
        self.total = total ?? (prompt + output + toolUse + thoughts)
    }

    /// No tokens.
    public static let zero = TokenUsage()

    /// Adds two usages, e.g. a failed first call and its fallback.
    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(
            prompt: lhs.prompt + rhs.prompt,
            output: lhs.output + rhs.output,
            toolUse: lhs.toolUse + rhs.toolUse,
            thoughts: lhs.thoughts + rhs.thoughts,
            cached: lhs.cached + rhs.cached,
            total: lhs.total + rhs.total
        )
    }

    enum CodingKeys: String, CodingKey {
        case prompt, output
        case toolUse = "tool_use"
        case thoughts, cached, total
    }
}
