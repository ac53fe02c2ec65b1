/// Retrieves the page behind a work item.
///
/// Throw ``PipelineError`` with the kind that fits (``PipelineError/Kind/notFound`` for a
/// 404, ``PipelineError/Kind/transient`` for a reset connection...): retries, breakers and
/// the dead-letter record all follow from it.
public protocol Fetcher: Sendable {
    func fetch(_ item: WorkItem, context: StageContext) async throws -> FetchedPage
}

/// Finds the main article in a fetched page.
///
/// Asynchronous so that extractors that wait (a subprocess, a remote service) can be timed
/// out and cancelled like every other stage; CPU-bound extractors simply don't suspend.
public protocol ContentExtractor: Sendable {
    func extract(_ page: FetchedPage, item: WorkItem, context: StageContext) async throws -> Article
}

/// Turns an article (or a URL) into a structured summary, usually with an LLM.
public protocol Summarizer: Sendable {
    func summarize(_ request: SummaryRequest, context: StageContext) async throws -> SummaryResult
}
