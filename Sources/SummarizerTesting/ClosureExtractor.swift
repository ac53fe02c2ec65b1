import SummarizerCore

/// An extractor whose behaviour is a closure; by default the page text is the article.
public struct ClosureExtractor: ContentExtractor {
    let body: @Sendable (FetchedPage, WorkItem, StageContext) async throws -> Article

    /// An extractor answering with `body`.
    public init(_ body: @escaping @Sendable (FetchedPage, WorkItem, StageContext) async throws -> Article) {
        self.body = body
    }

    /// Uses the page's text as the article text.
    public static let passThrough = ClosureExtractor { page, item, _ in
        Article(title: item.title, text: page.text, extractor: "passThrough", extractorVersion: "test")
    }

    public func extract(_ page: FetchedPage, item: WorkItem, context: StageContext) async throws -> Article {
        try await body(page, item, context)
    }
}
