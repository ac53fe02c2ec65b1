import SummarizerCore

/// The LLM summarizer plugins of this module: `gemini` and `openai`.
public enum LLMBackendsPlugins {
    /// Every plugin of this module.
    public static let all: [Plugin] = [GeminiSummarizer.plugin, OpenAISummarizer.plugin]
}
