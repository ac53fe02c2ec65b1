import Foundation
import Logging
import SummarizerCore
import SummarizerTesting

@testable import LLMBackends

/// A news article long enough to summarize.
func sampleArticle(text: String? = nil) -> Article {
    Article(
        title: "Pioneers rally past Armadillos in overtime",
        byline: "Dana Reporter",
        text: text
            ?? """
            The Pioneers beat the Armadillos 27-24 in overtime on Sunday.

            Quarterback Sam Ortiz threw for 311 yards and two touchdowns.

            Linebacker Joe Frame left in the third quarter with a knee injury.
            """,
        extractor: "readability",
        extractorVersion: "1"
    )
}

func sampleItem(_ url: String = "https://news.example/pioneers-rally") -> WorkItem {
    WorkItem(url: url)
}

func articleRequest(_ article: Article = sampleArticle(), url: String = "https://news.example/pioneers-rally") -> SummaryRequest {
    SummaryRequest(item: sampleItem(url), input: .article(article))
}

/// A stage context whose log lines are kept, with its own metrics.
func recordingContext(
    _ store: RecordingLogHandlerStore = RecordingLogHandlerStore(),
    clock: any Clock<Duration> = ContinuousClock()
)
    -> StageContext
{
    StageContext(logger: store.logger(level: .trace), clock: clock, metrics: RunMetrics())
}

/// A Gemini summarizer pointed at `fake`.
func gemini(
    _ fake: FakeGeminiServer,
    key: String? = nil,
    model: String = "gemini-2.5-flash",
    budget: CostBudget? = nil,
    _ configure: (inout GeminiSummarizer.Configuration) -> Void = { _ in }
) -> GeminiSummarizer {
    var configuration = GeminiSummarizer.Configuration(apiKey: key ?? fake.apiKey)
    configuration.baseURL = fake.baseURL
    configuration.model = model
    configure(&configuration)
    return GeminiSummarizer(configuration: configuration, budget: budget)
}

/// The error `body` throws, as a pipeline error; `nil` when it throws nothing.
func pipelineError(_ body: () async throws -> Void) async -> PipelineError? {
    do {
        try await body()
        return nil
    } catch {
        return PipelineError.from(error)
    }
}

/// Runs `body` with a started fake server and shuts it down after, whatever happens.
func withFake<Fake, T>(
    _ start: () async throws -> Fake,
    shutdown: (Fake) async throws -> Void,
    _ body: (Fake) async throws -> T
)
    async throws -> T
{
    let fake = try await start()
    do {
        let result = try await body(fake)
        try await shutdown(fake)
        return result
    } catch {
        try? await shutdown(fake)
        throw error
    }
}

func withGemini<T>(_ body: (FakeGeminiServer) async throws -> T) async throws -> T {
    try await withFake({ try await FakeGeminiServer.start() }, shutdown: { try await $0.shutdown() }, body)
}

func withOpenAI<T>(apiKey: String? = "test-openai-key", _ body: (FakeOpenAIServer) async throws -> T) async throws -> T {
    try await withFake({ try await FakeOpenAIServer.start(apiKey: apiKey) }, shutdown: { try await $0.shutdown() }, body)
}
