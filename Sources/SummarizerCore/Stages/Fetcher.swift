/// Retrieves the page behind a work item.
///
/// Throw ``PipelineError`` with the kind that fits (``PipelineError/Kind/notFound`` for a
/// 404, ``PipelineError/Kind/transient`` for a reset connection...): retries, breakers and
/// the dead-letter record all follow from it.
public protocol Fetcher: Sendable {
    /// The page of `item`, its body decoded to text; throws ``PipelineError`` for a page that
    /// cannot be had. Never retries by itself: the stage's middleware does.
    func fetch(_ item: WorkItem, context: StageContext) async throws -> FetchedPage
}
