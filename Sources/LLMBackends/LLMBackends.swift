import SummarizerCore

/// Registers the LLM summarizers: `gemini` and `openai`.
public func register(in registry: inout PluginRegistry) {
    registry.register(GeminiSummarizer.plugin)
    registry.register(OpenAISummarizer.plugin)
}
