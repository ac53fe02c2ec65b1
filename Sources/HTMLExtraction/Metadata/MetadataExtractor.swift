import Foundation
import SummarizerCore

/// Builds the article from what the page says about itself (`metadata`): JSON-LD
/// `articleBody` when present, otherwise the description (JSON-LD, OpenGraph or `<meta>`), with
/// the headline, author, date, site name and image from the same places.
///
/// No scoring and no tree walk over the body: cheap, and exact on publishers that ship the full
/// text as structured data. As a fallback it gives at least the standfirst; `minWords` decides
/// how little is too little.
public struct MetadataExtractor: ContentExtractor {
    public static let version = "1"

    /// Fewer words fail with `invalidContent`: a description alone is often one sentence.
    public var minWords: Int
    /// Whether the description stands in when there is no `articleBody`.
    public var allowDescription: Bool

    public init(minWords: Int = 1, allowDescription: Bool = true) {
        self.minWords = minWords
        self.allowDescription = allowDescription
    }

    public func extract(_ page: FetchedPage, item: WorkItem, context: StageContext) async throws -> Article {
        guard let document = HTMLDocument(text: page.text, url: page.finalURL) else {
            throw PipelineError(.invalidContent, "the page could not be parsed as HTML", reason: "unparsable")
        }
        let metadata = PageMetadata.read(document)
        let body = metadata.articleBody ?? (allowDescription ? metadata.excerpt : nil)
        guard let text = body?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            throw PipelineError(
                .invalidContent,
                "no article in the page's metadata: no JSON-LD articleBody\(allowDescription ? " and no description" : "")", reason: "no-article")
        }
        let words = Article.countWords(text)
        guard words >= minWords else {
            throw PipelineError(
                .invalidContent, "no article: the page's metadata has \(words) words, fewer than minWords \(minWords)", reason: "no-article")
        }
        return Article(
            title: metadata.title ?? item.title, byline: metadata.byline, publishedTime: metadata.publishedTime, siteName: metadata.siteName,
            language: metadata.language, excerpt: metadata.excerpt, leadImage: metadata.leadImage, text: text, extractor: "metadata",
            extractorVersion: Self.version)
    }

    /// The `metadata` extractor plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "metadata", role: .extractor,
            summary: "The article from JSON-LD and OpenGraph alone: articleBody when present, else the description; cheap fallback.",
            keys: [
                ConfigKey("minWords", .integer, default: .number(1), minimum: 1, doc: "Fewer words fail with invalidContent (no article)."),
                ConfigKey(
                    "allowDescription", .boolean, default: .bool(true),
                    doc: "Use the description (JSON-LD, og:description, meta description) when there is no articleBody."),
            ]),
        .extractor { config, _ in MetadataExtractor(minWords: config.int("minWords")!, allowDescription: config.bool("allowDescription")!) }
    )
}
