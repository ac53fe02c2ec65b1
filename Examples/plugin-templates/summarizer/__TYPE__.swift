import Foundation
import SummarizerCore

/// Turns an article into a summary (`__PLUGIN__` summarizer).
///
/// The skeleton keeps the first `sentences` sentences. A real backend throws
/// `.rateLimited` (with `retryAfter` when the service says how long), `.quotaExhausted`
/// (stops the run), `.unauthorized`, `.invalidOutput` for a reply that does not parse,
/// and reports the tokens it used.
public struct __TYPE__: Summarizer, PluginSettings {
    public var sentences = 3
    /// Changes whenever what decides the answers changes; records carry it and
    /// `skipUnchanged` compares it.
    public var promptVersion: String { "__PLUGIN__-\(sentences)" }

    /// The summarizer with every setting at its default.
    public init() {}

    public init(sentences: Int) {
        self.sentences = sentences
    }

    public func summarize(_ request: SummaryRequest, context: StageContext) async throws -> SummaryResult {
        guard let text = request.article?.text, !text.isEmpty else {
            throw PipelineError(.invalidContent, "no article text to summarize", reason: "no-article")
        }
        // A sentence ends at ".", "!" or "?" followed by whitespace or the end.
        var picked: [String] = []
        var current = ""
        var previous: Character = " "
        for character in text + " " {
            if character.isWhitespace, ".!?".contains(previous) {
                let sentence = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !sentence.isEmpty { picked.append(sentence) }
                current = ""
                if picked.count >= sentences { break }
            } else {
                current.append(character)
            }
            previous = character
        }
        return SummaryResult(
            summary: Summary(summary: picked.joined(separator: " "), keyPoints: picked),
            model: "__PLUGIN__",
            promptVersion: promptVersion,
            tokens: TokenUsage()
        )
    }

    /// The config keys, each bound to the property it sets; its default is the property's.
    public static let keys: [SettingKey<Self>] = [
        SettingKey("sentences", \.sentences, minimum: 1, doc: "Sentences kept.")
    ]

    /// The `__PLUGIN__` summarizer plugin: its config keys and how to build it from them.
    public static let plugin = Plugin(
        type: "__PLUGIN__",
        summary: "The article's first sentences (generated skeleton; describe yours here).",
        keys: configKeys,
        .summarizer { config, _ in try config.decode(__TYPE__.self) }
    )
}
