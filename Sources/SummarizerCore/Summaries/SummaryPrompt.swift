import Foundation

/// A prompt template: text with `{{placeholder}}`s filled per item.
///
/// Placeholders: `{{article}}` (required: the article block, or in URL mode the instruction to
/// read the URL), `{{format}}` (how to reply: the schema in words when the backend cannot use
/// structured output), `{{title}}`, `{{url}}`, `{{publisher}}`, `{{published}}`.
public struct PromptTemplate: Sendable, Hashable {
    /// The placeholders a template may use; `article` is required.
    public static let placeholders = ["article", "format", "title", "url", "publisher", "published"]

    /// The template's text.
    public var text: String

    /// Checks the placeholders; `file` names the template in errors.
    public init(_ text: String, file: String = "the prompt template") throws(ConfigError) {
        var problems: [String] = []
        var rest = Substring(text)
        var found: Set<String> = []
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                problems.append("an unclosed \"{{\"")
                break
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if Self.placeholders.contains(name) {
                found.insert(name)
            } else {
                let suggestion = Suggestion.closest(to: name, in: Self.placeholders).map { "; did you mean {{\($0)}}?" } ?? ""
                problems.append(
                    "unknown placeholder {{\(name)}}\(suggestion) (known: \(Self.placeholders.map { "{{\($0)}}" }.joined(separator: ", ")))"
                )
            }
            rest = rest[close.upperBound...]
        }
        if !found.contains("article") {
            problems.append("the template must contain {{article}}, where the article goes")
        }
        guard problems.isEmpty else {
            throw ConfigError(file: file, problems: problems.map { ConfigProblem(.root, $0) })
        }
        self.text = text
    }

    /// Reads a template file.
    public static func load(path: String) throws(ConfigError) -> PromptTemplate {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(.root, "cannot read the prompt template as UTF-8 text")])
        }
        return try PromptTemplate(text, file: path)
    }

    /// The default template of the `news` schema.
    public static let news = try! PromptTemplate(
        """
        Summarize the sports news article below for a database of facts.

        {{format}}

        {{article}}
        """
    )

    func render(_ values: [String: String]) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            output += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            output += values[name] ?? ""
            rest = rest[close.upperBound...]
        }
        output += rest
        return output
    }
}

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

/// Token estimates and the input cut, without a tokenizer.
public enum InputBudget {
    /// About four bytes of UTF-8 per token, rounded up: close for English and other Latin-script
    /// text. Scripts whose characters are three bytes but about a token each (Chinese, Japanese)
    /// take more tokens than this says; the cost budget reserves twice this estimate for that reason.
    public static func estimatedTokens(_ text: String) -> Int {
        (text.utf8.count + 3) / 4
    }

    /// `text` cut to at most `maxTokens` (estimated), at the last paragraph boundary that fits,
    /// else the last sentence end, else the last space.
    public static func fit(_ text: String, maxTokens: Int) -> (text: String, truncated: Bool) {
        guard estimatedTokens(text) > maxTokens else { return (text, false) }
        let limit = max(0, maxTokens * 4)
        var end = text.utf8.index(text.startIndex, offsetBy: min(limit, text.utf8.count))
        // Step back to a character boundary so a multi-byte character is never split.
        while end > text.startIndex, String.Index(end, within: text) == nil {
            end = text.utf8.index(before: end)
        }
        let head = text[..<end]
        if let paragraph = head.range(of: "\n\n", options: .backwards), paragraph.lowerBound > head.startIndex {
            return (String(head[..<paragraph.lowerBound]), true)
        }
        for terminator in [". ", "! ", "? ", "\n", " "] {
            if let boundary = head.range(of: terminator, options: .backwards), boundary.lowerBound > head.startIndex {
                let keep = terminator == " " || terminator == "\n" ? boundary.lowerBound : text.index(after: boundary.lowerBound)
                return (String(head[..<keep]), true)
            }
        }
        return (String(head), true)
    }
}

extension SummaryPrompt {
    /// The config every summarizer shares: the schema, the template, the input budget.
    public struct Settings: PluginSettings {
        /// A JSON Schema file; `nil`: the built-in news schema.
        public var schemaFile: String?
        /// A prompt template file; `nil`: the built-in template.
        public var promptFile: String?
        /// Article text beyond about this many tokens is cut at a paragraph boundary.
        public var maxInputTokens = SummaryPrompt().maxInputTokens

        /// The defaults: the built-in schema and template.
        public init() {}

        public static let keys: [SettingKey<Self>] = [
            SettingKey(
                "schemaFile",
                \.schemaFile,
                as: .path,
                doc: "A JSON Schema file describing the summary's fields (see Examples/schemas/); unset: the built-in news schema."
            ),
            SettingKey(
                "promptFile",
                \.promptFile,
                as: .path,
                doc:
                    "A prompt template file with {{article}} and optionally {{format}}, {{title}}, {{url}}, {{publisher}}, {{published}}; unset: the built-in template."
            ),
            SettingKey(
                "maxInputTokens",
                \.maxInputTokens,
                minimum: 100,
                doc: "Article text beyond about this many tokens (4 bytes each) is cut at a paragraph boundary; records say input_truncated."
            ),
        ]
    }

    /// The config keys every summarizer shares; a summarizer's spec appends them to its own.
    public static var configKeys: [ConfigKey] { Settings.configKeys }

    /// The prompt a summarizer's config describes; file problems point at the key that names the file.
    public init(config: PluginConfig) throws(ConfigError) {
        let settings = try config.decode(Settings.self)
        var schema = SummarySchema.news
        var template = PromptTemplate.news
        var problems: [ConfigProblem] = []
        if let path = settings.schemaFile {
            do {
                schema = try SummarySchema.load(path: path)
            } catch {
                problems += error.problems.map {
                    ConfigProblem(config.pointer.appending("schemaFile"), "\(path), at \($0.pointer): \($0.message)")
                }
            }
        }
        if let path = settings.promptFile {
            do {
                template = try PromptTemplate.load(path: path)
            } catch {
                problems += error.problems.map { ConfigProblem(config.pointer.appending("promptFile"), "\(path): \($0.message)") }
            }
        }
        guard problems.isEmpty else { throw ConfigError(problems: problems) }
        self.init(schema: schema, template: template, maxInputTokens: settings.maxInputTokens)
    }
}
