import Foundation
import JSONHTTP
import NIOHTTP1
import Resilience
import SummarizerCore
import SummarizerTesting
import Testing

@testable import LLMBackends

func openAI(
    _ fake: FakeOpenAIServer,
    key: String? = "test-openai-key",
    model: String = "gpt-4o-mini",
    _ configure: (inout OpenAISummarizer.Configuration) -> Void = { _ in }
) -> OpenAISummarizer {
    var configuration = OpenAISummarizer.Configuration(model: model, apiKey: key)
    configuration.baseURL = fake.baseURL
    configure(&configuration)
    return OpenAISummarizer(
        configuration: configuration,
        prices: PriceTable(["gpt-4o-mini": ModelPrice(inputPerMillion: 0.15, outputPerMillion: 0.60)])
    )
}

@Suite("openai summarizer against the fake OpenAI-compatible server")
struct OpenAITests {
    @Test func aStrictJSONSchemaReplyBecomesTheSummary() async throws {
        try await withOpenAI { fake in
            let context = recordingContext()
            let result = try await openAI(fake).summarize(articleRequest(), context: context)
            #expect(result.summary.summary.hasPrefix("The article reports:"))
            #expect(result.summary.sentiment == "positive")
            #expect(result.tokens.thoughts == 5)
            #expect(result.tokens.output + result.tokens.thoughts > 5)
            #expect(result.tokens.total == result.tokens.prompt + result.tokens.output + result.tokens.thoughts)
            #expect(result.costUSD == ModelPrice(inputPerMillion: 0.15, outputPerMillion: 0.60).cost(of: result.tokens))
            #expect(context.metrics.snapshot.llmCalls == 1)

            let request = try #require(fake.requests.first)
            #expect(request.headers["authorization"] == "Bearer test-openai-key")
            let body = try #require(request.body.objectValue)
            #expect(body["max_tokens"] == 4096)
            let format = try #require(body["response_format"]?.objectValue)
            #expect(format["type"] == "json_schema")
            #expect(format["json_schema"]?.objectValue?["strict"] == true)
            #expect(format["json_schema"]?.objectValue?["schema"] == SummarySchema.news.openAIResponseSchema)
            #expect(body["messages"]?.arrayValue?.first?.objectValue?["role"] == "system")
            #expect(fake.protocolViolations.isEmpty)
        }
    }

    @Test func aLocalServerNeedsNoKeyAndJSONObjectModePromptsTheSchema() async throws {
        try await withOpenAI(apiKey: nil) { fake in
            let summarizer = openAI(fake, key: nil, model: "llama3.1:8b") { $0.structuredOutput = .jsonObject }
            _ = try await summarizer.summarize(articleRequest(), context: recordingContext())
            let request = try #require(fake.requests.first)
            #expect(request.headers["authorization"] == nil)
            let body = try #require(request.body.objectValue)
            #expect(body["response_format"] == ["type": "json_object"])
            let user = body["messages"]?.arrayValue?[1].objectValue?["content"]?.stringValue ?? ""
            #expect(user.contains("\"content_quality\": one of \"high\", \"medium\", \"low\""))
        }
    }

    @Test func anInvalidReplyIsRepairedOnce() async throws {
        try await withOpenAI { fake in
            fake.enqueue(.text("```json\n{\"summary\": 3}\n```"), .summary(nil))
            let context = recordingContext()
            let result = try await openAI(fake).summarize(articleRequest(), context: context)
            #expect(result.summary.summary.hasPrefix("The article reports:"))
            #expect(context.metrics.snapshot.counters["llm_repair_attempts"] == 1)
            let messages = try #require(fake.requests.last?.body.objectValue?["messages"]?.arrayValue)
            #expect(messages.count == 4)
            #expect(messages[2].objectValue?["role"] == "assistant")
            #expect(messages[3].objectValue?["content"]?.stringValue?.contains("/summary: expected a string") == true)
        }
    }

    @Test func retryAfterIsHonoured() async throws {
        try await withOpenAI { fake in
            fake.enqueue(.rateLimited(retryAfter: "2"))
            let clock = ManualClock()
            let context = recordingContext(clock: clock)
            let summarizer = openAI(fake)
            let retry = RetryMiddleware(policy: RetryPolicy(), metrics: context.metrics)
            let call = StageCall(role: .summarizer, pluginType: "openai", item: sampleItem(), context: context)
            _ = try await driving(clock) {
                try await retry.handle(call) { call in try await summarizer.summarize(articleRequest(), context: call.context) }
            }
            #expect(clock.now.offset == .seconds(2))
            #expect(fake.requests.count == 2)
        }
    }

    @Test func errorsMapOntoTheTaxonomy() async throws {
        try await withOpenAI { fake in
            let cases: [(FakeOpenAIServer.Reply, PipelineError.Kind)] = [
                (.insufficientQuota, .quotaExhausted), (.status(500), .transient), (.status(503), .transient),
                (.contentFilter, .contentFiltered), (.refusal("I can't help with that."), .contentFiltered), (.length, .invalidOutput),
            ]
            for (reply, kind) in cases {
                fake.enqueue(reply)
                let error = await pipelineError { _ = try await openAI(fake).summarize(articleRequest(), context: recordingContext()) }
                #expect(error?.kind == kind, "\(reply)")
            }

            let store = RecordingLogHandlerStore()
            let badKey = await pipelineError {
                _ = try await openAI(fake, key: "sk-wrong-0123456789").summarize(articleRequest(), context: recordingContext(store))
            }
            #expect(badKey?.kind == .unauthorized)
            #expect(!"\(String(describing: badKey))".contains("sk-wrong-0123456789"))
            #expect(!store.messages.joined().contains("sk-wrong-0123456789"))

            let unknown = await pipelineError {
                _ = try await openAI(fake, model: "gpt-7").summarize(articleRequest(), context: recordingContext())
            }
            #expect(unknown?.kind == .misconfigured)
        }
    }

    @Test func retryAfterReadsSecondsMillisecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_445_412_450)  // Wed, 21 Oct 2015 07:27:30 GMT
        #expect(retryAfter(HTTPHeaders([("Retry-After", "2.5")]), now: now) == .milliseconds(2500))
        #expect(retryAfter(HTTPHeaders([("retry-after-ms", "750"), ("Retry-After", "1")]), now: now) == .milliseconds(750))
        #expect(retryAfter(HTTPHeaders([("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]), now: now) == .seconds(30))
        #expect(retryAfter(HTTPHeaders([("Retry-After", "soon")]), now: now) == nil)
        #expect(retryAfter(HTTPHeaders(), now: now) == nil)
    }

    @Test func theStrictSchemaFollowsOpenAIsRules() {
        #expect(FakeOpenAIServer.strictProblem(SummarySchema.news.openAIResponseSchema, path: "schema") == nil)
        let loose: JSONValue = ["type": "object", "properties": ["summary": ["type": "string"]], "required": []]
        #expect(FakeOpenAIServer.strictProblem(loose, path: "schema") != nil)
    }
}
