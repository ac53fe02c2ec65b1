import Foundation

/// Everything that decides what an LLM is asked: the system instruction, the template, the
/// schema and the input budget. Backends render it per item; its ``version(settings:)`` is
/// recorded on every record, so summaries made under different prompts can be told apart.
public struct SummaryPrompt: Sendable, Hashable {
    /// The fields the summary has.
    public var schema: SummarySchema
    /// The user message's template.
    public var template: PromptTemplate
    /// The system instruction: the factual rules.
    public var systemInstruction: String
    /// The article text is cut to about this many tokens, at a paragraph boundary.
    public var maxInputTokens: Int

    /// A prompt; the defaults are the news schema and template.
    public init(
        schema: SummarySchema = .news,
        template: PromptTemplate = .news,
        systemInstruction: String = SummaryPrompt.factualRules,
        maxInputTokens: Int = 30_000
    ) {
        self.schema = schema
        self.template = template
        self.systemInstruction = systemInstruction
        self.maxInputTokens = maxInputTokens
    }

    /// The factual-only rules every backend sends as its system instruction.
    public static let factualRules = """
        You write structured, factual summaries of news articles for a database.
        Rules:
        1. Use only what the article states. Add no outside knowledge, background, predictions or opinions the article does not contain.
        2. Do not guess. When the article does not say what a field asks for, leave that list empty, or use null where the field allows it.
        3. Write names exactly as the article does; people as "FirstName LastName", teams by their official names.
        4. When the article reports what someone said or claimed, attribute it to them.
        5. If you cannot read the article, reply with an empty "summary" rather than describing the problem.
        """

    /// A short hash of the system instruction, template, schema and `settings` (the generation
    /// settings that change answers: temperature, token limits, mode, tools).
    public func version(settings: String) -> String {
        let text = [systemInstruction, template.text, schema.canonicalText, "maxInputTokens=\(maxInputTokens)", settings]
            .joined(separator: "\u{1F}")
        return String(SHA256.hex(of: SHA256.digest(Array(text.utf8))).prefix(12))
    }

    /// The rendered prompt of one request.
    public struct Rendered: Sendable, Hashable {
        /// The rendered user message.
        public var text: String
        /// Whether the article was cut to fit ``SummaryPrompt/maxInputTokens``.
        public var inputTruncated: Bool
        /// The estimated tokens of ``text`` and the system instruction.
        public var estimatedTokens: Int
    }

    /// Renders the prompt for `request`. With `structuredOutput` the backend sends the schema
    /// itself, so the prompt only says to fill it; without, the schema goes into the prompt.
    public func render(_ request: SummaryRequest, structuredOutput: Bool) -> Rendered {
        let item = request.item
        var truncated = false
        let article: String
        var title = item.title ?? ""
        switch request.input {
        case .article(let extracted):
            let fitted = InputBudget.fit(extracted.text, maxTokens: maxInputTokens)
            truncated = fitted.truncated
            if title.isEmpty { title = extracted.title ?? "" }
            var header: [String] = []
            if !title.isEmpty { header.append("Title: \(title)") }
            if let byline = extracted.byline { header.append("Byline: \(byline)") }
            if let published = extracted.publishedTime { header.append("Published: \(published)") }
            header.append("URL: \(item.url)")
            var body = fitted.text
            if truncated { body += "\n\n[The article continues; it was cut here to fit the input budget.]" }
            article = header.joined(separator: "\n") + "\n\n<article>\n" + body + "\n</article>"
        case .url(let url):
            article = "Read the article at this URL with the URL context tool, then summarize it:\n\(url)"
        }
        let format =
            structuredOutput
            ? "Reply with the JSON object of the response schema; fill every field from the article."
            : schema.promptDescription
        let text = template.render([
            "article": article, "format": format, "title": title, "url": item.url, "publisher": item.publisher ?? "",
            "published": item.publishedAt.map(ISO8601.string(from:)) ?? "",
        ])
        return Rendered(
            text: text,
            inputTruncated: truncated,
            estimatedTokens: InputBudget.estimatedTokens(text) + InputBudget.estimatedTokens(systemInstruction)
        )
    }

    /// The follow-up message of the one repair attempt after an invalid reply.
    public func repairMessage(_ violations: SchemaViolations) -> String {
        """
        Your reply did not match the required format: \(violations.description).
        Reply again with only the corrected JSON object.
        \(schema.promptDescription)
        """
    }
}
