import SummarizerCore

/// A fetcher whose behaviour is a closure, for tests.
public struct ClosureFetcher: Fetcher {
    let body: @Sendable (WorkItem, StageContext) async throws -> FetchedPage

    /// A fetcher answering with `body`.
    public init(_ body: @escaping @Sendable (WorkItem, StageContext) async throws -> FetchedPage) {
        self.body = body
    }

    /// A fetcher that returns `html` for every item.
    public static func serving(_ html: @escaping @Sendable (WorkItem) -> String) -> ClosureFetcher {
        ClosureFetcher { item, _ in
            let text = html(item)
            return FetchedPage(finalURL: item.url, body: Array(text.utf8), text: text, method: .direct)
        }
    }

    public func fetch(_ item: WorkItem, context: StageContext) async throws -> FetchedPage {
        try await body(item, context)
    }
}
