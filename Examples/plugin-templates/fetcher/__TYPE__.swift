import Foundation
import SummarizerCore

/// Gets the page of an item (`__PLUGIN__` fetcher).
///
/// The skeleton reads `file://` URLs. Throw `.notFound` for a missing page, `.blocked`
/// for a refusal, `.transient` for what a retry may fix (the retry and circuit-breaker
/// middleware act on the kind; the fetcher never retries itself).
public struct __TYPE__: Fetcher, PluginSettings {
    /// Larger files fail with `invalidContent`.
    public var maxBytes = 5_000_000

    /// The fetcher with every setting at its default.
    public init() {}

    public func fetch(_ item: WorkItem, context: StageContext) async throws -> FetchedPage {
        guard let url = URL(string: item.url), url.isFileURL else {
            throw PipelineError(.invalidContent, "\(item.url) is not a file:// URL", reason: "unsupported-scheme")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PipelineError(.notFound, "\(url.path) does not exist or cannot be read", reason: "not-found")
        }
        guard data.count <= maxBytes else {
            throw PipelineError(.invalidContent, "\(url.path) is \(data.count) bytes, over maxBytes \(maxBytes)", reason: "too-large")
        }
        return FetchedPage(finalURL: item.url, body: Array(data), text: String(decoding: data, as: UTF8.self), method: .direct)
    }

    /// The config keys, each bound to the property it sets; its default is the property's.
    public static let keys: [SettingKey<Self>] = [
        SettingKey("maxBytes", \.maxBytes, minimum: 1, doc: "Larger files fail with invalidContent.")
    ]

    /// The `__PLUGIN__` fetcher plugin: its config keys and how to build it from them.
    public static let plugin = Plugin(
        type: "__PLUGIN__",
        summary: "Reads file:// URLs as UTF-8 (generated skeleton; describe yours here).",
        keys: configKeys,
        .fetcher { config, _ in try config.decode(__TYPE__.self) }
    )
}
