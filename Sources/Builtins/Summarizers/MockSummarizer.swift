import Foundation
import SummarizerCore
import Synchronization

/// A deterministic, offline summarizer (`mock`): extractive, but useful.
///
/// The summary is the article's first sentences, the key points its highest-scoring
/// sentences, the entities come from the shape of capitalized names, and the classification
/// fields from keyword counts. It fills the configured schema: fields of a custom schema that
/// the heuristics know nothing about get their empty value (an empty list, null, or the first
/// allowed value), and the result is validated like an LLM reply. Tokens are estimated as
/// bytes / 4 and cost nothing. For tests it can wait (`latencyMilliseconds`), play a script of
/// outcomes call by call (`script`), and fail every Nth call with a chosen error kind.
public struct MockSummarizer: Summarizer {
    /// What the `mock` plugin's config sets.
    public struct Configuration: PluginSettings {
        /// The name recorded as `llm_model`.
        public var model = "mock-extractive-1"
        /// Simulated time per call, on the run's clock.
        public var latency: Duration = .zero
        /// Fail every Nth call (retries included); 0 never fails.
        public var failEvery = 0
        /// The error kind of injected failures.
        public var failureKind: PipelineError.Kind = .transient
        /// Outcomes of the first calls in order: `ok` or an error kind's name; then normal behaviour.
        public var script: [String] = []

        /// The defaults: no latency, no failures.
        public init() {}

        public static let keys: [SettingKey<Self>] = [
            SettingKey("model", \.model, doc: "The name recorded as llm_model; --model overrides."),
            SettingKey(
                ConfigKey(
                    "latencyMilliseconds",
                    .integer,
                    default: .number(0),
                    minimum: 0,
                    doc: "Simulated time per call, on the run's clock."
                ),
                apply: { settings, value, _ throws(ConfigError) in settings.latency = .milliseconds(value.intValue ?? 0) }
            ),
            SettingKey("failEvery", \.failEvery, minimum: 0, doc: "Fail every Nth call, retries included; 0 never fails."),
            SettingKey(
                ConfigKey(
                    "failureKind",
                    .string,
                    default: .string(Configuration().failureKind.name),
                    allowed: PipelineError.Kind.allKinds.map(\.name),
                    doc: "The error kind of injected failures."
                ),
                apply: { settings, value, config throws(ConfigError) in
                    guard let kind = value.stringValue.flatMap(PipelineError.Kind.init(name:)) else {
                        throw config.problem("failureKind", "\(value) is not an error kind")
                    }
                    settings.failureKind = kind
                }
            ),
            SettingKey(
                ConfigKey(
                    "script",
                    .stringArray,
                    default: .array([]),
                    doc:
                        "Outcomes of the first calls, in order: \"ok\" or an error kind (e.g. [\"rateLimited\", \"ok\", \"invalidOutput\"]); later calls behave normally."
                ),
                apply: { settings, value, config throws(ConfigError) in
                    let script = [String](configValue: value) ?? []
                    let known = Set(PipelineError.Kind.allKinds.map(\.name) + ["ok"])
                    if let index = script.firstIndex(where: { !known.contains($0) }) {
                        throw ConfigError(
                            config.pointer.appending("script").appending(index),
                            "\"\(script[index])\" is not \"ok\" or an error kind (\(PipelineError.Kind.allKinds.map(\.name).joined(separator: ", ")))"
                        )
                    }
                    settings.script = script
                }
            ),
        ]
    }

    /// What the plugin's config set.
    public var configuration: Configuration
    /// The name recorded as `llm_model`.
    public var model: String { configuration.model }
    /// Simulated time per call.
    public var latency: Duration { configuration.latency }
    /// Every Nth call fails; 0 never.
    public var failEvery: Int { configuration.failEvery }
    /// The error kind of injected failures.
    public var failureKind: PipelineError.Kind { configuration.failureKind }
    /// Outcomes of the first calls.
    public var script: [String] { configuration.script }
    /// The schema filled and the input budget; setting it updates ``promptVersion``.
    public var prompt: SummaryPrompt {
        didSet { promptVersion = prompt.version(settings: Self.rulesVersion) }
    }
    /// The prompt version recorded on every record: the rules and the schema (worked out once,
    /// not per call: it hashes the schema).
    public private(set) var promptVersion: String
    private let calls = Counter()

    /// A mock summarizer with `configuration`, filling `prompt`'s schema.
    public init(configuration: Configuration = Configuration(), prompt: SummaryPrompt = SummaryPrompt()) {
        self.configuration = configuration
        self.prompt = prompt
        promptVersion = prompt.version(settings: Self.rulesVersion)
    }

    /// Identifies the summarizing rules; changes when they change.
    public static let rulesVersion = "mock-1"

    public func summarize(_ request: SummaryRequest, context: StageContext) async throws -> SummaryResult {
        let call = calls.next()
        if latency > .zero {
            try await context.clock.sleep(for: latency)
        }
        if call <= script.count, script[call - 1] != "ok" {
            let kind = PipelineError.Kind(name: script[call - 1]) ?? .transient
            throw PipelineError(
                kind,
                "scripted failure on call \(call): \(kind)",
                reason: "injected",
                retryAfter: kind == .rateLimited ? .seconds(1) : nil
            )
        }
        if failEvery > 0, call % failEvery == 0 {
            throw PipelineError(
                failureKind,
                "injected failure on call \(call) (failEvery \(failEvery))",
                reason: "injected",
                retryAfter: failureKind == .rateLimited ? .seconds(1) : nil
            )
        }
        guard let article = request.article else {
            throw PipelineError(.misconfigured, "the mock summarizer needs the article text; it cannot read URLs")
        }
        let fitted = InputBudget.fit(article.text, maxTokens: prompt.maxInputTokens)

        let analysis = TextHeuristics.analyse(fitted.text)
        let sentences = analysis.sentences
        let lead = Self.summary(sentences)
        let keyPoints = TextHeuristics.keySentences(analysis, count: 6)
        let (people, teams) = TextHeuristics.entities(sentences)
        let injuries = sentences.filter { TextHeuristics.injuryPhrases.occurs(inLowercased: $0) }
        // The sentences hold every word of the text; the article's own are needed only when it was cut.
        let words = fitted.truncated ? TextHeuristics.Vocabulary(words: article.text) : analysis.vocabulary
        let structured = Summary(
            summary: lead,
            keyPoints: keyPoints,
            playersMentioned: people,
            teamsMentioned: teams,
            gameReferences: TextHeuristics.gameReferences(sentences),
            injuryUpdates: injuries.isEmpty ? nil : injuries.joined(separator: " "),
            articleType: Self.articleType(article, injuries: injuries.count),
            sentiment: Self.sentiment(words),
            contentQuality: article.wordCount >= 400 ? "high" : article.wordCount >= 150 ? "medium" : "low"
        )

        // Onto the configured schema: known fields from the heuristics, the rest empty; then
        // validated like any reply, so a schema the mock cannot fill fails loudly.
        var values = prompt.schema.emptyValues()
        let known = structured.fieldValues
        for field in prompt.schema.fields {
            guard let value = known[field.name] else { continue }
            if case .choice(let allowed) = field.type, !allowed.contains(value.stringValue ?? "") { continue }
            values[field.name] = value
        }
        let summary: Summary
        switch prompt.schema.decode(.object(values)) {
        case .success(let valid): summary = valid
        case .failure(let violations):
            throw PipelineError(.invalidOutput, "the mock's summary does not fit the schema: \(violations)", reason: "schema-mismatch")
        }

        let output = summary.formattedText
        let tokens = TokenUsage(
            prompt: InputBudget.estimatedTokens(fitted.text),
            output: InputBudget.estimatedTokens(output)
        )
        context.metrics.recordLLMCall(Spend(tokens: tokens, costUSD: 0), model: model)
        return SummaryResult(
            summary: summary,
            model: model,
            promptVersion: promptVersion,
            tokens: tokens,
            inputTruncated: fitted.truncated,
            costUSD: 0
        )
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

    /// Phrases of the article types, found in one pass over the title and text.
    static let typePhrases = PhraseSet([
        "injury report", "signed", "signs", "traded", "trade ", "waived", "released", "contract extension", "agreed to terms",
        "preview", "will face", "will host", "upcoming", "kickoff is set",
        "final score", "defeated", " beat ", " won ", "victory over", "recap",
        "analysis", "why the", "film study", "breakdown",
    ])

    static func articleType(_ article: Article, injuries: Int) -> String {
        let title = TextHeuristics.lowercased(article.title ?? "")
        let found = typePhrases.found(inLowercased: (article.title ?? "") + " " + article.text)
        func has(_ phrases: [String]) -> Bool { phrases.contains { found & typePhrases.bit($0) != 0 } }
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

    /// From the text's words: more positive or negative ones, or both about as often.
    static func sentiment(_ words: TextHeuristics.Vocabulary) -> String {
        var positive = 0
        var negative = 0
        for (word, count) in zip(words.words, words.occurrences) {
            if TextHeuristics.positiveWords.contains(word) { positive += count }
            if TextHeuristics.negativeWords.contains(word) { negative += count }
        }
        if positive >= 2, negative >= 2, min(positive, negative) * 2 >= max(positive, negative) { return "mixed" }
        if positive > negative { return "positive" }
        if negative > positive { return "negative" }
        return "neutral"
    }

    /// The `mock` summarizer plugin.
    public static let plugin = Plugin(
        type: "mock",
        summary: "Deterministic offline summarizer: first sentences, top sentences, name heuristics; with fault injection.",
        keys: Configuration.configKeys + SummaryPrompt.configKeys,
        runOptions: [.model],
        .summarizer { config, environment in
            var configuration = try config.decode(Configuration.self)
            if let model = environment.runOptions.model { configuration.model = model }
            return MockSummarizer(configuration: configuration, prompt: try SummaryPrompt(config: config))
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
