import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Testing

@testable import Builtins

@Suite("Mock summarizer")
struct MockSummarizerTests {
    static let text = """
        The Portland Pioneers beat the Austin Armadillos 27-24 in overtime on Sunday in the Pioneers vs Armadillos game in Week 9.

        Quarterback Marcus Hale completed 28 of 39 passes for 311 yards and two touchdowns for the Pioneers.

        Kicker Luis Ortega won it with a 44-yard field goal. Receiver Theo Brandt left with a hamstring injury and is questionable.

        The win moves Portland to 6-3. The Armadillos fall to 4-5 and host the Denver Drovers next week.
        """

    func request(_ text: String = Self.text) -> SummaryRequest {
        let article = Article(title: "Pioneers win in overtime", text: text, extractor: "test", extractorVersion: "1")
        return SummaryRequest(item: WorkItem(url: "https://example.test/a"), input: .article(article))
    }

    var context: StageContext { StageContext(logger: Logger(label: "test")) }

    @Test func fillsEveryFieldDeterministically() async throws {
        let mock = MockSummarizer()
        let first = try await mock.summarize(request(), context: context)
        let second = try await mock.summarize(request(), context: context)
        #expect(first.summary == second.summary)
        let summary = first.summary
        #expect(summary.summary.hasPrefix("The Portland Pioneers beat the Austin Armadillos"))
        #expect(!summary.keyPoints.isEmpty)
        #expect(summary.playersMentioned.contains("Marcus Hale"))
        #expect(summary.playersMentioned.contains("Luis Ortega"))
        #expect(summary.teamsMentioned.contains("Portland Pioneers"))
        #expect(summary.teamsMentioned.contains("Denver Drovers"))
        #expect(!summary.playersMentioned.contains("Portland Pioneers"))
        #expect(summary.gameReferences == ["Pioneers vs Armadillos, Week 9"])
        #expect(summary.injuryUpdates?.contains("hamstring") == true)
        #expect(Summary.articleTypes.contains(summary.articleType ?? ""))
        #expect(Summary.sentiments.contains(summary.sentiment ?? ""))
        #expect(summary.contentQuality == "low")
        #expect(first.tokens.prompt == (Self.text.utf8.count + 3) / 4)
        #expect(first.tokens.total == first.tokens.prompt + first.tokens.output)
        #expect(first.model == "mock-extractive-1")
    }

    @Test func noInjuryMeansNullInjuryUpdates() async throws {
        let result = try await MockSummarizer().summarize(request("The team practiced on Monday. Everyone was present."), context: context)
        #expect(result.summary.injuryUpdates == nil)
    }

    @Test func failsEveryNthCallWithTheChosenKind() async throws {
        let mock = MockSummarizer(failEvery: 3, failureKind: .rateLimited)
        var outcomes: [String] = []
        for _ in 0..<6 {
            do {
                _ = try await mock.summarize(request(), context: context)
                outcomes.append("ok")
            } catch let error as PipelineError {
                outcomes.append(error.kind.name)
                #expect(error.retryAfter == .seconds(1))
            }
        }
        #expect(outcomes == ["ok", "ok", "rateLimited", "ok", "ok", "rateLimited"])
    }

    @Test func playsItsScriptCallByCall() async throws {
        let mock = MockSummarizer(script: ["transient", "ok", "invalidOutput"])
        var outcomes: [String] = []
        for _ in 0..<4 {
            do {
                _ = try await mock.summarize(request(), context: context)
                outcomes.append("ok")
            } catch let error as PipelineError {
                outcomes.append(error.kind.name)
            }
        }
        #expect(outcomes == ["transient", "ok", "invalidOutput", "ok"])
    }

    @Test func fillsACustomSchemaAndRecordsItsVersion() async throws {
        let schema = try SummarySchema(
            jsonSchema: [
                "type": "object",
                "properties": [
                    "summary": ["type": "string"], "key_points": ["type": "array", "items": ["type": "string"]],
                    "sentiment": ["type": "string", "enum": ["good", "bad"]], "venue": ["type": ["string", "null"]],
                ],
                "required": ["summary", "key_points", "sentiment"],
            ], file: "custom.json")
        let mock = MockSummarizer(prompt: SummaryPrompt(schema: schema))
        let result = try await mock.summarize(request(), context: context)
        #expect(!result.summary.keyPoints.isEmpty)
        // The heuristic's "positive" is not allowed here, so the field takes its first allowed value.
        #expect(result.summary.sentiment == "good")
        #expect(result.summary.extraFields["venue"] == .null)
        #expect(result.summary.playersMentioned.isEmpty)
        #expect(result.promptVersion != MockSummarizer().promptVersion)
        #expect(result.costUSD == 0)
    }

    @Test func latencyWaitsOnTheRunsClock() async throws {
        let clock = ManualClock()
        let mock = MockSummarizer(latency: .milliseconds(250))
        let context = StageContext(logger: Logger(label: "t"), clock: clock)
        async let result = mock.summarize(request(), context: context)
        await clock.waitForSleepers(1)
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .milliseconds(250))
        _ = try await result
        #expect(clock.now.offset == .milliseconds(250))
    }

    @Test func urlModeIsRefusedClearly() async {
        await #expect(throws: PipelineError.self) {
            try await MockSummarizer().summarize(
                SummaryRequest(item: WorkItem(url: "https://x.example"), input: .url("https://x.example")), context: context)
        }
    }

    @Test func sentencesRespectAbbreviations() {
        let sentences = TextHeuristics.sentences("Mr. Hale threw for 300 yds. He won vs. the Drovers. Final!")
        #expect(sentences == ["Mr. Hale threw for 300 yds.", "He won vs. the Drovers.", "Final!"])
    }
}
