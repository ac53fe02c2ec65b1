import Foundation

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
