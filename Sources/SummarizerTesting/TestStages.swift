import SummarizerCore
import Synchronization

/// A source yielding a fixed list, for tests.
public struct StaticSource: ItemSource {
    /// What the source yields, in order.
    public var elements: [SourceElement]
    /// Thrown after the elements, to simulate an outage.
    public var failure: PipelineError?

    /// A source of `items`, failing with `failure` after them when given.
    public init(_ items: [WorkItem], failure: PipelineError? = nil) {
        self.elements = items.map(SourceElement.item)
        self.failure = failure
    }

    /// A source of `elements`, rejections included.
    public init(elements: [SourceElement]) {
        self.elements = elements
    }

    public func items(_ query: ItemQuery, context: StageContext) -> AsyncThrowingStream<SourceElement, any Error> {
        let elements = elements
        let failure = failure
        return AsyncThrowingStream { continuation in
            for element in elements { continuation.yield(element) }
            continuation.finish(throwing: failure)
        }
    }
}

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

/// A summarizer whose behaviour is a closure, for tests.
public struct ClosureSummarizer: Summarizer {
    let body: @Sendable (SummaryRequest, StageContext) async throws -> SummaryResult
    public let inputMode: SummaryInputMode
    public let promptVersion: String

    /// - Parameter inputMode: `.url` makes the orchestrator send URLs first, as for Gemini's URL-context mode.
    public init(
        inputMode: SummaryInputMode = .content,
        promptVersion: String = "test",
        _ body: @escaping @Sendable (SummaryRequest, StageContext) async throws -> SummaryResult
    ) {
        self.inputMode = inputMode
        self.promptVersion = promptVersion
        self.body = body
    }

    /// Summarizes every article as its first 80 characters.
    public static let echo = ClosureSummarizer { request, _ in
        SummaryResult(
            summary: Summary(summary: String((request.article?.text ?? request.item.url).prefix(80))),
            model: "echo",
            promptVersion: "test",
            tokens: TokenUsage(prompt: 10, output: 5)
        )
    }

    public func summarize(_ request: SummaryRequest, context: StageContext) async throws -> SummaryResult {
        try await body(request, context)
    }
}

/// Counts how many calls run at once and the peak, to prove concurrency bounds.
public final class ConcurrencyProbe: Sendable {
    private let state = Mutex((current: 0, peak: 0, total: 0))

    /// A probe with nothing running.
    public init() {}

    /// Runs `body`, counting it as in flight meanwhile.
    public func measure<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        state.withLock {
            $0.current += 1
            $0.total += 1
            $0.peak = max($0.peak, $0.current)
        }
        defer { state.withLock { $0.current -= 1 } }
        return try await body()
    }

    /// The most calls that ran at once.
    public var peak: Int { state.withLock { $0.peak } }
    /// Calls made in all.
    public var total: Int { state.withLock { $0.total } }
    /// Calls running now.
    public var current: Int { state.withLock { $0.current } }
}

extension WorkItem {
    /// `count` items with URLs `https://example.test/article/<n>`.
    public static func numbered(_ count: Int, host: String = "example.test") -> [WorkItem] {
        (1...max(1, count)).prefix(count).map { WorkItem(url: "https://\(host)/article/\($0)", title: "Article \($0)") }
    }
}
