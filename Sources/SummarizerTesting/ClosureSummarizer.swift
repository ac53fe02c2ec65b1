import SummarizerCore

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
