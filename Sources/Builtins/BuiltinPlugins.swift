import SummarizerCore

/// The plugins that need no service: URL-list, standard-input and folder sources, the `exec`
/// extractor, the mock summarizer, and the stdout and JSON-lines sinks.
public enum BuiltinPlugins {
    /// Every plugin of this module.
    public static let all: [Plugin] = [
        URLListSource.urlFilePlugin,
        URLListSource.stdinPlugin,
        DirectorySource.plugin,
        ExecExtractor.plugin,
        MockSummarizer.plugin,
        StdoutSink.plugin,
        JSONLinesSink.plugin,
        JSONLinesDeadLetterSink.plugin,
    ]
}
