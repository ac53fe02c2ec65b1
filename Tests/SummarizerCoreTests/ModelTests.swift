import Foundation
import Testing

@testable import SummarizerCore

@Suite("Domain model")
struct ModelTests {
    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        )
    }

    @Test func derivedIDIsAStableVersion5UUID() {
        let id = WorkItem.derivedID(for: "https://example.com/news/a%2Fb?x=1")
        #expect(id == "7a6a1579-a7af-5d2c-b3f7-fc6ff4453903")
        #expect(WorkItem.derivedID(for: "HTTPS://EXAMPLE.com/news/a%2Fb?x=1#top") == id)
        #expect(WorkItem.derivedID(for: "https://example.com/news/a/b?x=1") != id)
        #expect(UUID(uuidString: id) != nil)
    }

    @Test func formattedTextKeepsTheOriginalOrderAndCutsNothing() {
        let summary = Summary(
            summary: "Paragraph one.\n\nParagraph two.",
            keyPoints: (1...7).map { "Point \($0)." },
            playersMentioned: (1...6).map { "Player \($0)" },
            teamsMentioned: ["Portland Pioneers"],
            gameReferences: ["Pioneers vs Armadillos, Week 9"],
            injuryUpdates: "Hale is questionable.",
            articleType: "recap",
            sentiment: "positive",
            contentQuality: "high"
        )
        let text = summary.formattedText
        let order = ["Type: recap", "Players:", "Teams:", "Games:", "Key points:", "Summary:", "Injury updates:"]
        let positions = order.map { text.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(text.contains("Point 7."))
        #expect(text.contains("Player 6"))
    }

    @Test func recordEncodesWithColumnNames() throws {
        let record = SummaryRecord(
            newsURLID: "id-1",
            url: "https://example.test/a",
            title: "T",
            summary: Summary(summary: "S", keyPoints: ["k"]),
            llmModel: "m",
            promptVersion: "p1",
            fallbackUsed: false,
            tokens: TokenUsage(prompt: 3, output: 2, toolUse: 1),
            processingTimeSeconds: 1.5,
            generatedAt: Date(timeIntervalSince1970: 1_800_000_000),
            extractor: "plainText",
            contentHash: "abc",
            fetchMethod: "direct",
            inputTruncated: false
        )
        let data = try JSONEncoder().encode(record)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let expected: Set<String> = [
            "news_url_id", "url", "title", "summary_text", "summary", "key_points", "players_mentioned", "teams_mentioned",
            "game_references", "injury_updates", "article_type", "sentiment", "content_quality", "llm_model",
            "prompt_version", "fallback_used", "tokens", "processing_time_seconds", "generated_at", "extractor",
            "content_hash", "fetch_method", "input_truncated", "retrieval_status", "cost_usd",
        ]
        #expect(Set(object.keys) == expected)
        #expect((object["tokens"] as? [String: Int]) == ["prompt": 3, "output": 2, "tool_use": 1, "thoughts": 0, "cached": 0, "total": 6])
        #expect(object["generated_at"] as? String == "2027-01-15T08:00:00.000Z")
        let decoded = try JSONDecoder().decode(SummaryRecord.self, from: data)
        #expect(decoded == record)
    }

    @Test func failureRecordRoundTripsWithKindNames() throws {
        let item = WorkItem(id: "x", url: "https://example.test/x")
        let failure = FailureRecord(
            item: item,
            stage: .summarize,
            error: PipelineError(.rateLimited, "slow down", code: "429", hint: "wait"),
            failedAt: Date(timeIntervalSince1970: 0)
        )
        let data = try JSONEncoder().encode(failure)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["error_kind"] as? String == "rateLimited")
        #expect(object["stage"] as? String == "summarize")
        #expect(object["attempts"] as? Int == 1)
        #expect(try JSONDecoder().decode(FailureRecord.self, from: data) == failure)
    }

    @Test func errorKindsDriveRetryBreakerAndStop() {
        #expect(PipelineError.Kind.transient.isRetryable && PipelineError.Kind.transient.countsForBreaker)
        #expect(PipelineError.Kind.rateLimited.isRetryable && !PipelineError.Kind.rateLimited.countsForBreaker)
        #expect(!PipelineError.Kind.blocked.isRetryable && PipelineError.Kind.blocked.countsForBreaker)
        #expect(PipelineError.Kind.unauthorized.stopsRun && PipelineError.Kind.quotaExhausted.stopsRun)
        #expect(!PipelineError.Kind.notFound.stopsRun)
        #expect(PipelineError.Kind.allKinds.count == 11)
        #expect(PipelineError.from(CancellationError()).kind == .cancelled)
    }

    @Test func suggestionFindsTyposOnly() {
        #expect(Suggestion.closest(to: "concurency", in: ["concurrency", "batchSize"]) == "concurrency")
        #expect(Suggestion.closest(to: "btachSize", in: ["concurrency", "batchSize"]) == "batchSize")
        #expect(Suggestion.closest(to: "zzz", in: ["concurrency", "batchSize"]) == nil)
    }

    @Test func wordCount() {
        #expect(Article.countWords("  one two\n\nthree\tfour ") == 4)
        #expect(Article.countWords("") == 0)
    }
}
