/// Finds the main article in a fetched page.
///
/// Asynchronous so that extractors that wait (a subprocess, a remote service) can be timed
/// out and cancelled like every other stage; CPU-bound extractors simply don't suspend.
public protocol ContentExtractor: Sendable {
    /// The article in `page`; throws ``PipelineError`` with kind
    /// ``PipelineError/Kind/invalidContent`` (reason `no-article`) for a page without one.
    func extract(_ page: FetchedPage, item: WorkItem, context: StageContext) async throws -> Article
}
