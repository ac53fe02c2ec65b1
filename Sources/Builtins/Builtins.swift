import SummarizerCore

/// The plugins that need no service: URL-list, standard-input and folder sources, the `exec`
/// extractor, the mock summarizer, and the stdout and JSON-lines sinks.
public enum Builtins {
    /// Every built-in plugin.
    public static let plugins: [Plugin] = [
        URLListSource.urlFilePlugin,
        URLListSource.stdinPlugin,
        DirectorySource.plugin,
        ExecExtractor.plugin,
        MockSummarizer.plugin,
        StdoutSink.plugin,
        JSONLinesSink.plugin,
        JSONLinesDeadLetterSink.plugin,
    ]

    /// Adds every built-in plugin to `registry`.
    public static func register(in registry: inout PluginRegistry) {
        for plugin in plugins { registry.register(plugin) }
    }
}
