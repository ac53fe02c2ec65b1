import Foundation
import SummarizerCore

/// Where the work comes from (`__PLUGIN__` source).
///
/// The skeleton reads the URLs of its `urls` key. A real source pages through its
/// backend, honours `query.limit` (and `query.publisher`/`query.ids` when it declares
/// those run options), and yields `.rejected(...)` for an entry it cannot use, so the
/// entry is reported and dead-lettered instead of silently dropped.
public struct __TYPE__: ItemSource, PluginSettings {
    /// Required: the config must list them.
    public var urls: [String] = []

    /// The source with every setting at its default.
    public init() {}

    public init(urls: [String]) {
        self.urls = urls
    }

    public func items(_ query: ItemQuery, context: StageContext) -> AsyncThrowingStream<SourceElement, any Error> {
        let wanted = query.limit.map { Array(urls.prefix($0)) } ?? urls
        return AsyncThrowingStream { continuation in
            for (index, url) in wanted.enumerated() {
                if URL(string: url)?.scheme == nil {
                    let error = PipelineError(.invalidContent, "\"\(url)\" is not an absolute URL", reason: "bad-url")
                    continuation.yield(.rejected(SourceRejection(location: "urls[\(index)]", entry: url, error: error)))
                } else {
                    continuation.yield(.item(WorkItem(url: url)))
                }
            }
            continuation.finish()
        }
    }

    /// The config keys, each bound to the property it sets.
    public static let keys: [SettingKey<Self>] = [
        SettingKey("urls", \.urls, required: true, doc: "The article URLs to summarize.")
    ]

    /// The `__PLUGIN__` source plugin: its config keys and how to build it from them.
    public static let plugin = Plugin(
        type: "__PLUGIN__",
        summary: "The URLs of its urls key (generated skeleton; describe yours here).",
        keys: configKeys,
        .source { config, _ in try config.decode(__TYPE__.self) }
    )
}
