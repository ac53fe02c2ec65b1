/// Turns an article (or a URL) into a structured summary, usually with an LLM.
public protocol Summarizer: Sendable {
    /// What the summarizer wants to be given: the extracted article (``SummaryInputMode/content``,
    /// the default) or only the URL, for backends that read pages themselves.
    var inputMode: SummaryInputMode { get }

    /// What decides the answers (prompt, schema, generation settings) as a short hash: recorded
    /// on every record, and compared with the stored one to skip unchanged items.
    var promptVersion: String { get }

    /// The summary of `request`'s article (or URL) with the tokens it cost; throws
    /// ``PipelineError`` (rate limits with their wait hint, spent quotas, replies off the schema).
    func summarize(_ request: SummaryRequest, context: StageContext) async throws -> SummaryResult
}

extension Summarizer {
    public var inputMode: SummaryInputMode { .content }
}
