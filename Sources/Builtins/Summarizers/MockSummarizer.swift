import Foundation
import SummarizerCore
import Synchronization

/// A deterministic, offline summarizer (`mock`): extractive, but useful.
///
/// The summary is the article's first sentences, the key points its highest-scoring
/// sentences, the entities come from the shape of capitalized names, and the classification
/// fields from keyword counts. Tokens are estimated as characters / 4. For tests it can wait
/// (`latencyMilliseconds`) and fail every Nth call with a chosen error kind.
public struct MockSummarizer: Summarizer {
    public var model: String
    public var latency: Duration
    /// Fail every Nth call (retries included); 0 never fails.
    public var failEvery: Int
    public var failureKind: PipelineError.Kind
    private let calls = Counter()

    public init(model: String = "mock-extractive-1", latency: Duration = .zero, failEvery: Int = 0, failureKind: PipelineError.Kind = .transient) {
        self.model = model
        self.latency = latency
        self.failEvery = failEvery
        self.failureKind = failureKind
    }

    /// Identifies the summarizing rules; changes when they change.
    public static let rulesVersion = "mock-1"

    public func summarize(_ request: SummaryRequest, context: StageContext) async throws -> SummaryResult {
        let call = calls.next()
        if latency > .zero {
            try await context.clock.sleep(for: latency)
        }
        if failEvery > 0, call % failEvery == 0 {
            throw PipelineError(
                failureKind, "injected failure on call \(call) (failEvery \(failEvery))", reason: "injected",
                retryAfter: failureKind == .rateLimited ? .seconds(1) : nil)
        }
        guard let article = request.article else {
            throw PipelineError(.misconfigured, "the mock summarizer needs the article text; it cannot read URLs")
        }

        let sentences = TextHeuristics.sentences(article.text)
        let summary = Self.summary(sentences)
        let keyPoints = TextHeuristics.keySentences(sentences, count: 6)
        let (people, teams) = TextHeuristics.entities(sentences)
        let injuries = sentences.filter { sentence in
            let lowered = sentence.lowercased()
            return TextHeuristics.injuryWords.contains { lowered.contains($0) }
        }
        let structured = Summary(
            summary: summary,
            keyPoints: keyPoints,
            playersMentioned: people,
            teamsMentioned: teams,
            gameReferences: TextHeuristics.gameReferences(sentences),
            injuryUpdates: injuries.isEmpty ? nil : injuries.joined(separator: " "),
            articleType: Self.articleType(article, injuries: injuries.count),
            sentiment: Self.sentiment(article.text),
            contentQuality: article.wordCount >= 400 ? "high" : article.wordCount >= 150 ? "medium" : "low")

        let output = structured.formattedText
        let tokens = TokenUsage(prompt: (article.text.utf8.count + 3) / 4, output: (output.utf8.count + 3) / 4)
        return SummaryResult(
            summary: structured, model: model, promptVersion: Self.rulesVersion, tokens: tokens, inputTruncated: false)
    }

    /// The first sentences, up to about 120 words, in two paragraphs when long enough.
    static func summary(_ sentences: [String]) -> String {
        var chosen: [String] = []
        var words = 0
        for sentence in sentences where words < 120 {
            let count = Article.countWords(sentence)
            guard count >= 4 || chosen.isEmpty else { continue }
            chosen.append(sentence)
            words += count
        }
        guard chosen.count >= 4 else { return chosen.joined(separator: " ") }
        let half = chosen.count / 2
        return chosen[..<half].joined(separator: " ") + "\n\n" + chosen[half...].joined(separator: " ")
    }

    static func articleType(_ article: Article, injuries: Int) -> String {
        let title = (article.title ?? "").lowercased()
        let text = (title + " " + article.text).lowercased()
        func has(_ words: [String]) -> Bool { words.contains { text.contains($0) } }
        // A label in the headline says more than words in the body.
        if title.hasPrefix("analysis") { return "analysis" }
        if title.contains("preview") { return "preview" }
        if title.contains("recap") { return "recap" }
        if injuries >= 2 || has(["injury report"]) { return "injury_report" }
        if has(["signed", "signs", "traded", "trade ", "waived", "released", "contract extension", "agreed to terms"]) {
            return "transaction"
        }
        if has(["preview", "will face", "will host", "upcoming", "kickoff is set"]) { return "preview" }
        if has(["final score", "defeated", " beat ", " won ", "victory over", "recap"]) { return "recap" }
        if has(["analysis", "why the", "film study", "breakdown"]) { return "analysis" }
        return "news"
    }

    static func sentiment(_ text: String) -> String {
        var positive = 0
        var negative = 0
        for word in TextHeuristics.words(text.lowercased()) {
            if TextHeuristics.positiveWords.contains(word) { positive += 1 }
            if TextHeuristics.negativeWords.contains(word) { negative += 1 }
        }
        if positive >= 2, negative >= 2, min(positive, negative) * 2 >= max(positive, negative) { return "mixed" }
        if positive > negative { return "positive" }
        if negative > positive { return "negative" }
        return "neutral"
    }

    /// The `mock` summarizer plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "mock", role: .summarizer,
            summary: "Deterministic offline summarizer: first sentences, top sentences, name heuristics; with fault injection.",
            keys: [
                ConfigKey("model", .string, default: .string("mock-extractive-1"), doc: "The name recorded as llm_model; --model overrides."),
                ConfigKey("latencyMilliseconds", .integer, default: .number(0), minimum: 0, doc: "Simulated time per call, on the run's clock."),
                ConfigKey("failEvery", .integer, default: .number(0), minimum: 0, doc: "Fail every Nth call, retries included; 0 never fails."),
                ConfigKey(
                    "failureKind", .string, default: .string("transient"), allowed: PipelineError.Kind.allKinds.map(\.name),
                    doc: "The error kind of injected failures."),
            ],
            runOptions: [.model]),
        .summarizer { config, environment in
            MockSummarizer(
                model: environment.runOptions.model ?? config.string("model")!,
                latency: .milliseconds(config.int("latencyMilliseconds") ?? 0),
                failEvery: config.int("failEvery") ?? 0,
                failureKind: PipelineError.Kind(name: config.string("failureKind")!) ?? .transient)
        }
    )
}

/// A thread-safe call counter starting at 1.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}
