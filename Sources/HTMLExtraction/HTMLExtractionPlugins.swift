import SummarizerCore

/// The extractor plugins of this module: `readability` and `plainText`.
public enum HTMLExtractionPlugins {
    /// Every plugin of this module.
    public static let all: [Plugin] = [ReadabilityExtractor.plugin, PlainTextExtractor.plugin]
}
