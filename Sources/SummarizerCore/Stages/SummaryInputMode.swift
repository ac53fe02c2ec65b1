/// Where a summarizer's input comes from.
public enum SummaryInputMode: Sendable, Hashable {
    /// The orchestrator fetches and extracts; the summarizer gets the article.
    case content
    /// The summarizer gets the URL and reads the page itself. When it throws a failure with
    /// reason ``PipelineError/urlRetrievalFailedReason``, the orchestrator falls back to content
    /// mode for that item and records `fallback_used`.
    case url
}
