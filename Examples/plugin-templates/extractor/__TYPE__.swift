import Foundation
import SummarizerCore

/// Finds the article in a fetched page (`__PLUGIN__` extractor).
///
/// The skeleton takes the text of the page's `<p>` elements. Throw `PipelineError`
/// with the kind that fits: `.invalidContent` (reason `no-article`) for a page without
/// an article fails the item without retries; `.transient` would be retried.
public struct __TYPE__: ContentExtractor, PluginSettings {
    /// Pages with fewer words fail with `invalidContent`.
    public var minWords = 1

    /// The extractor with every setting at its default.
    public init() {}

    public func extract(_ page: FetchedPage, item: WorkItem, context: StageContext) async throws -> Article {
        let text = Self.paragraphs(in: page.text).joined(separator: "\n\n")
        let words = Article.countWords(text)
        guard words >= minWords else {
            throw PipelineError(.invalidContent, "no article: \(words) words in paragraphs, fewer than minWords \(minWords)", reason: "no-article")
        }
        return Article(title: item.title, text: text, extractor: "__PLUGIN__", extractorVersion: "1")
    }

    /// The text of every `<p>...</p>`, tags removed and whitespace collapsed.
    static func paragraphs(in html: String) -> [String] {
        var paragraphs: [String] = []
        var rest = html[...]
        while let open = rest.range(of: "<p"), let start = rest[open.upperBound...].firstIndex(of: ">"),
            let close = rest[start...].range(of: "</p>")
        {
            var text = ""
            var inTag = false
            for character in rest[rest.index(after: start)..<close.lowerBound] {
                if character == "<" { inTag = true } else if character == ">" { inTag = false } else if !inTag { text.append(character) }
            }
            let words = text.split(whereSeparator: \.isWhitespace)
            if !words.isEmpty { paragraphs.append(words.joined(separator: " ")) }
            rest = rest[close.upperBound...]
        }
        return paragraphs
    }

    /// The config keys, each bound to the property it sets; its default is the property's.
    public static let keys: [SettingKey<Self>] = [
        SettingKey("minWords", \.minWords, minimum: 1, doc: "Pages with fewer words fail with invalidContent.")
    ]

    /// The `__PLUGIN__` extractor plugin: its config keys and how to build it from them.
    public static let plugin = Plugin(
        type: "__PLUGIN__",
        summary: "The text of the page's paragraphs (generated skeleton; describe yours here).",
        keys: configKeys,
        .extractor { config, _ in try config.decode(__TYPE__.self) }
    )
}
