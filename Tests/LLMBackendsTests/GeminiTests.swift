import Foundation
import JSONHTTP
import Resilience
import SummarizerCore
import SummarizerTesting
import Testing

@testable import LLMBackends

@Suite("gemini summarizer against the fake Gemini server")
struct GeminiTests {
    @Test func aValidReplyBecomesTheSummaryWithEveryTokenKind() async throws {
        try await withGemini { fake in
            let store = RecordingLogHandlerStore()
            let context = recordingContext(store)
            let summarizer = gemini(fake)
            let result = try await summarizer.summarize(articleRequest(), context: context)

            #expect(result.summary.summary.hasPrefix("The article reports: The Pioneers beat the Armadillos"))
            #expect(result.summary.keyPoints == ["It reports on the article's subject."])
            #expect(result.summary.articleType == "news")
            #expect(result.summary.injuryUpdates == nil)
            #expect(result.model == "gemini-2.5-flash")
            #expect(result.promptVersion.count == 12)
            #expect(result.promptVersion == summarizer.promptVersion)
            #expect(result.tokens.prompt > 0)
            #expect(result.tokens.output > 0)
            #expect(result.tokens.thoughts == fake.thoughtsTokens)
            #expect(result.tokens.total == result.tokens.prompt + result.tokens.output + result.tokens.thoughts)
            let price = try #require(GeminiSummarizer.defaultPrices.price(for: "gemini-2.5-flash"))
            #expect(result.costUSD == price.cost(of: result.tokens))
            #expect(context.metrics.snapshot.llmCalls == 1)
            #expect(context.metrics.snapshot.llmTokens == result.tokens)

            let request = try #require(fake.requests.first)
            #expect(request.headers["x-goog-api-key"] == fake.apiKey)
            #expect(!request.uri.contains("key="))
            #expect(request.uri == "/v1beta/models/gemini-2.5-flash:generateContent")
            let body = try #require(request.body.objectValue)
            let config = try #require(body["generationConfig"]?.objectValue)
            #expect(config["responseMimeType"] == "application/json")
            #expect(config["responseSchema"] == SummarySchema.news.geminiResponseSchema)
            #expect(config["temperature"] == 0.1)
            #expect(body["tools"] == nil)
            let system = body["systemInstruction"]?.objectValue?["parts"]?.arrayValue?.first?.objectValue?["text"]?.stringValue
            #expect(system?.contains("Use only what the article states") == true)
            #expect(fake.protocolViolations.isEmpty)
            #expect(!store.messages.joined().contains(fake.apiKey))
        }
    }

    @Test func anInvalidReplyGetsOneRepairAttemptAndBothCallsCount() async throws {
        try await withGemini { fake in
            fake.enqueue(.text("Here is the summary: the Pioneers won."), .summary(nil))
            let context = recordingContext()
            let result = try await gemini(fake).summarize(articleRequest(), context: context)
            #expect(result.summary.summary.hasPrefix("The article reports:"))
            #expect(context.metrics.snapshot.counters["llm_repair_attempts"] == 1)
            #expect(context.metrics.snapshot.counters["llm_repairs_succeeded"] == 1)
            #expect(context.metrics.snapshot.llmCalls == 2)
            #expect(result.tokens == context.metrics.snapshot.llmTokens)
            #expect(result.tokens.thoughts == 2 * fake.thoughtsTokens)

            let repair = try #require(fake.requests.last?.body.objectValue?["contents"]?.arrayValue)
            #expect(repair.count == 3)
            #expect(repair[1].objectValue?["role"] == "model")
            #expect(repair[1].objectValue?["parts"]?.arrayValue?.first?.objectValue?["text"] == "Here is the summary: the Pioneers won.")
            #expect(repair[2].objectValue?["parts"]?.arrayValue?.first?.objectValue?["text"]?.stringValue?.contains("no JSON object") == true)
        }
    }

    @Test func aReplyInvalidTwiceFailsAsInvalidOutputWithItsTokens() async throws {
        try await withGemini { fake in
            fake.enqueue(.text(#"{"summary": ""}"#), .text(#"{"summary": "ok", "sentiment": "furious"}"#))
            let context = recordingContext()
            let error = await pipelineError { _ = try await gemini(fake).summarize(articleRequest(), context: context) }
            #expect(error?.kind == .invalidOutput)
            #expect(error?.message.contains("/sentiment") == true)
            #expect(error?.message.contains("/key_points: missing") == true)
            #expect(error?.spend?.tokens == context.metrics.snapshot.llmTokens)
            #expect((error?.spend?.tokens.total ?? 0) > 0)
            #expect(fake.requests.count == 2)
        }
    }

    @Test func aPerMinuteLimitIsWaitedOutForItsFractionalDelay() async throws {
        try await withGemini { fake in
            fake.enqueue(.rateLimitPerMinute(retryDelay: "1.5s"))
            let clock = ManualClock()
            let context = recordingContext(clock: clock)
            let summarizer = gemini(fake)
            var policy = RetryPolicy()
            policy.maxAttempts = 3
            let retry = RetryMiddleware(policy: policy, metrics: context.metrics)
            let call = StageCall(role: .summarizer, pluginType: "gemini", item: sampleItem(), context: context)
            let result = try await driving(clock) {
                try await retry.handle(call) { call in try await summarizer.summarize(articleRequest(), context: call.context) }
            }
            #expect(result.summary.summary.hasPrefix("The article reports:"))
            #expect(clock.now.offset == .milliseconds(1500))
            #expect(fake.requests.count == 2)
            #expect(context.attempts.attempts.map(\.kind) == [.rateLimited])
        }
    }

    @Test func rateLimitDetailsAreParsed() {
        #expect(GeminiErrors.protobufDuration("1.5s") == .milliseconds(1500))
        #expect(GeminiErrors.protobufDuration("36.43s") == .milliseconds(36430))
        #expect(GeminiErrors.protobufDuration("2s") == .seconds(2))
        #expect(GeminiErrors.protobufDuration("0.000000001s") == .nanoseconds(1))
        #expect(GeminiErrors.protobufDuration("1.5") == nil)
        #expect(GeminiErrors.protobufDuration("-1s") == nil)
        #expect(GeminiErrors.protobufDuration("1.0000000001s") == nil)
    }

    @Test func aPerDayQuotaStopsTheRun() async throws {
        try await withGemini { fake in
            fake.enqueue(.quotaPerDay)
            let error = await pipelineError { _ = try await gemini(fake).summarize(articleRequest(), context: recordingContext()) }
            #expect(error?.kind == .quotaExhausted)
            #expect(error?.kind.stopsRun == true)
            #expect(error?.isRetryable == false)
            #expect(error?.message.contains("daily quota is spent") == true)
            #expect(error?.message.contains("PerDay") == true)
        }
    }

    @Test(arguments: [500, 503, 504])
    func serverErrorsAreTransient(status: Int) async throws {
        try await withGemini { fake in
            fake.enqueue(.status(status))
            let error = await pipelineError { _ = try await gemini(fake).summarize(articleRequest(), context: recordingContext()) }
            #expect(error?.kind == .transient)
            #expect(error?.isRetryable == true)
            #expect(error?.code?.hasPrefix(String(status)) == true)
        }
    }

    @Test(arguments: ["SAFETY", "RECITATION", "PROHIBITED_CONTENT"])
    func withheldAnswersAreContentFiltered(reason: String) async throws {
        try await withGemini { fake in
            fake.enqueue(.finish(reason))
            let context = recordingContext()
            let error = await pipelineError { _ = try await gemini(fake).summarize(articleRequest(), context: context) }
            #expect(error?.kind == .contentFiltered)
            #expect(error?.code == reason)
            #expect((error?.spend?.tokens.prompt ?? 0) > 0)
            #expect(context.metrics.snapshot.llmCalls == 1)
        }
    }

    @Test func aBlockedPromptIsContentFiltered() async throws {
        try await withGemini { fake in
            fake.enqueue(.blocked("SAFETY"))
            let error = await pipelineError { _ = try await gemini(fake).summarize(articleRequest(), context: recordingContext()) }
            #expect(error?.kind == .contentFiltered)
            #expect(error?.message.contains("blockReason SAFETY") == true)
        }
    }

    @Test func aCutReplyIsInvalidOutputWithAHint() async throws {
        try await withGemini { fake in
            fake.enqueue(.maxTokens)
            let error = await pipelineError { _ = try await gemini(fake).summarize(articleRequest(), context: recordingContext()) }
            #expect(error?.kind == .invalidOutput)
            #expect(error?.isRetryable == false)
            #expect(error?.hint?.contains("raise maxOutputTokens") == true)
            #expect(fake.requests.count == 1)
        }
    }

    @Test func aBadKeyIsUnauthorizedAndNeverEchoed() async throws {
        try await withGemini { fake in
            let store = RecordingLogHandlerStore()
            let wrongKey = "AIzaWRONG-key-0123456789"
            let error = await pipelineError {
                _ = try await gemini(fake, key: wrongKey).summarize(articleRequest(), context: recordingContext(store))
            }
            #expect(error?.kind == .unauthorized)
            #expect(error?.kind.stopsRun == true)
            #expect(error?.reason == "api-key-invalid")
            #expect(error?.hint?.contains("GEMINI_API_KEY") == true)
            #expect(!"\(String(describing: error))".contains(wrongKey))
            #expect(!store.messages.joined(separator: "\n").contains(wrongKey))
            #expect(fake.requests.isEmpty)

            fake.enqueue(.permissionDenied)
            let denied = await pipelineError { _ = try await gemini(fake).summarize(articleRequest(), context: recordingContext()) }
            #expect(denied?.kind == .unauthorized)
        }
    }

    @Test func configurationProblemsStopTheRunAndOtherBadRequestsFailTheItem() async throws {
        try await withGemini { fake in
            let unknown = await pipelineError {
                _ = try await gemini(fake, model: "gemini-9-ultra").summarize(articleRequest(), context: recordingContext())
            }
            #expect(unknown?.kind == .misconfigured)
            #expect(unknown?.message.contains("gemini-9-ultra") == true)

            fake.enqueue(.failedPrecondition)
            let precondition = await pipelineError { _ = try await gemini(fake).summarize(articleRequest(), context: recordingContext()) }
            #expect(precondition?.kind == .misconfigured)
            #expect(precondition?.hint?.contains("billing") == true)

            fake.enqueue(.badRequest("The input token count exceeds the maximum."))
            let bad = await pipelineError { _ = try await gemini(fake).summarize(articleRequest(), context: recordingContext()) }
            #expect(bad?.kind == .invalidContent)
            #expect(bad?.kind.stopsRun == false)
            #expect(bad?.message.contains("The input token count exceeds the maximum.") == true)
        }
    }

    @Test func urlModeUsesTheToolAndPutsTheSchemaIntoThePrompt() async throws {
        try await withGemini { fake in
            let summarizer = gemini(fake) { $0.mode = .urlContext }
            #expect(summarizer.inputMode == .url)
            let request = SummaryRequest(item: sampleItem(), input: .url("https://news.example/pioneers-rally"))
            let result = try await summarizer.summarize(request, context: recordingContext())
            #expect(result.retrievalStatus == "URL_RETRIEVAL_STATUS_SUCCESS")
            #expect(result.tokens.toolUse == fake.toolUseTokens)

            let body = try #require(fake.requests.first?.body.objectValue)
            #expect(body["tools"] == [["url_context": [:]]])
            #expect(body["generationConfig"]?.objectValue?["responseMimeType"] == nil)
            #expect(body["generationConfig"]?.objectValue?["responseSchema"] == nil)
            let prompt = FakeGeminiServer.texts(body)
            #expect(prompt.contains("https://news.example/pioneers-rally"))
            #expect(prompt.contains("\"article_type\": one of \"news\""))
            #expect(fake.protocolViolations.isEmpty)
        }
    }

    @Test(arguments: [
        "URL_RETRIEVAL_STATUS_ERROR", "URL_RETRIEVAL_STATUS_PAYWALL", "URL_RETRIEVAL_STATUS_UNSAFE",
        "URL_RETRIEVAL_STATUS_UNSPECIFIED", nil,
    ])
    func aFailedRetrievalAsksForTheFallback(status: String?) async throws {
        try await withGemini { fake in
            fake.enqueue(.urlContext(status: status))
            let summarizer = gemini(fake) { $0.mode = .urlContext }
            let request = SummaryRequest(item: sampleItem(), input: .url("https://news.example/pioneers-rally"))
            let error = await pipelineError { _ = try await summarizer.summarize(request, context: recordingContext()) }
            #expect(error?.reason == PipelineError.urlRetrievalFailedReason)
            #expect(error?.code == (status ?? "none"))
            #expect(error?.isRetryable == false)
            #expect(error?.spend?.tokens.toolUse == fake.toolUseTokens)
        }
    }

    @Test func groundingAddsTheSearchToolWithoutJSONMode() async throws {
        try await withGemini { fake in
            _ = try await gemini(fake) { $0.grounding = true }.summarize(articleRequest(), context: recordingContext())
            let body = try #require(fake.requests.first?.body.objectValue)
            #expect(body["tools"] == [["google_search": [:]]])
            #expect(body["generationConfig"]?.objectValue?["responseMimeType"] == nil)
            #expect(fake.protocolViolations.isEmpty)
        }
    }

    @Test func aLongArticleIsCutAtAParagraphAndTheCutRecorded() async throws {
        try await withGemini { fake in
            let paragraphs = (1...200).map { "Paragraph \($0) says the Pioneers practised on day \($0)." }
            let article = sampleArticle(text: paragraphs.joined(separator: "\n\n"))
            let summarizer = GeminiSummarizer(
                configuration: {
                    var configuration = GeminiSummarizer.Configuration(apiKey: fake.apiKey)
                    configuration.baseURL = fake.baseURL
                    return configuration
                }(),
                prompt: SummaryPrompt(maxInputTokens: 500)
            )
            let result = try await summarizer.summarize(articleRequest(article), context: recordingContext())
            #expect(result.inputTruncated)
            let prompt = FakeGeminiServer.texts(try #require(fake.requests.first?.body.objectValue))
            #expect(prompt.contains("Paragraph 1 says"))
            #expect(!prompt.contains("Paragraph 200 says"))
            #expect(prompt.contains(".\n\n[The article continues; it was cut here to fit the input budget.]"))
        }
    }

    @Test func theCostBudgetRefusesACallThatCouldExceedIt() async throws {
        try await withGemini { fake in
            // A call's worst case is at least 8192 output tokens at $2.50/M = $0.02048; a real
            // call here costs well under $0.001, so the budget lasts a few calls.
            let limit = 0.022
            let budget = CostBudget(limitUSD: limit)
            let summarizer = gemini(fake, budget: budget)
            var refused: PipelineError?
            var calls = 0
            while refused == nil, calls < 50 {
                refused = await pipelineError { _ = try await summarizer.summarize(articleRequest(), context: recordingContext()) }
                calls += 1
            }
            #expect(refused?.kind == .quotaExhausted)
            #expect(refused?.reason == CostBudget.refusalReason)
            #expect(calls > 1)
            #expect(fake.requests.count == calls - 1)
            #expect(budget.spentUSD <= limit)
            // Refused only once what is left is less than a worst case (output part $0.02048 plus input).
            #expect(limit - budget.spentUSD < 0.0215)
        }
    }

    @Test func theFakeRefusesAKeyInTheQueryString() async throws {
        try await withGemini { fake in
            let client = JSONHTTPClient(timeout: .seconds(5), maxConnections: 1)
            let response = try await client.post(
                "\(fake.baseURL)/v1beta/models/gemini-2.5-flash:generateContent?key=\(fake.apiKey)",
                headers: [],
                body: Data("{}".utf8),
                service: "fake",
                context: recordingContext()
            )
            await client.shutdown()
            #expect(response.status == 400)
            #expect(fake.protocolViolations.count == 1)
        }
    }
}
