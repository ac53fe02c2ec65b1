import Foundation
import Testing

@testable import SummarizerCore

@Suite("Summary schema, prompt and prices")
struct SummariesTests {
    static let validNews: JSONValue = [
        "summary": "The Pioneers won.\n\nThey won in overtime.", "key_points": ["Won 27-24", "  ", "Overtime"],
        "players_mentioned": ["Sam Ortiz"], "teams_mentioned": ["Pioneers", "Armadillos"],
        "game_references": ["Pioneers vs Armadillos, Week 9"], "injury_updates": .null, "article_type": "Injury Report",
        "sentiment": "positive", "content_quality": "high",
    ]

    @Test func aValidReplyBecomesASummaryWithNormalizedChoices() throws {
        let summary = try SummarySchema.news.decode(Self.validNews).get()
        #expect(summary.keyPoints == ["Won 27-24", "Overtime"])
        #expect(summary.articleType == "injury_report")
        #expect(summary.injuryUpdates == nil)
        #expect(summary.extraFields.isEmpty)
    }

    @Test func everyViolationIsReportedWithItsPointer() {
        var object = Self.validNews.objectValue!
        object["summary"] = "   "
        object["key_points"] = ["fine", 3]
        object["sentiment"] = "ecstatic"
        object.removeValue(forKey: "teams_mentioned")
        object["article_type"] = .null
        guard case .failure(let violations) = SummarySchema.news.decode(.object(object)) else {
            Issue.record("expected violations")
            return
        }
        #expect(
            Set(violations.problems) == [
                "/summary: empty", "/key_points/1: expected a string, got an integer", "/teams_mentioned: missing",
                "/article_type: null is not allowed", "/sentiment: \"ecstatic\" is not one of positive, negative, neutral, mixed",
            ]
        )
    }

    @Test func replyTextMayBeFencedButMustHoldAnObject() {
        let fenced =
            "```json\n"
            + #"{"summary": "x", "key_points": [], "players_mentioned": [], "teams_mentioned": [], "game_references": [], "injury_updates": null, "article_type": "news", "sentiment": "neutral", "content_quality": "low"}"#
            + "\n```"
        #expect((try? SummarySchema.news.decode(replyText: fenced).get())?.summary == "x")
        #expect(throws: SchemaViolations.self) { try SummarySchema.news.decode(replyText: "I could not access the page.").get() }
        #expect(throws: SchemaViolations.self) { try SummarySchema.news.decode(replyText: "{not json}").get() }
    }

    @Test func aCustomSchemaFileIsReadWithItsOrderAndExtraFields() throws {
        let file: JSONValue = [
            "title": "match_report", "type": "object",
            "propertyOrdering": ["summary", "score", "mvp", "venue"],
            "properties": [
                "summary": ["type": "string", "description": "Two paragraphs."],
                "score": ["type": "string", "description": "Final score"],
                "mvp": ["type": ["string", "null"]],
                "venue": ["type": "string", "enum": ["home", "away", "neutral"]],
            ],
            "required": ["summary", "score", "venue"],
        ]
        let schema = try SummarySchema(jsonSchema: file, file: "match.json")
        #expect(schema.name == "match_report")
        #expect(schema.fields.map(\.name) == ["summary", "score", "mvp", "venue"])
        #expect(schema.fields[2].nullable && !schema.fields[2].required)

        let summary = try schema.decode(["summary": "Won.", "score": "27-24", "venue": "Home"]).get()
        #expect(summary.extraFields == ["score": "27-24", "venue": "home"])
        #expect(summary.formattedText.contains("Score:\n27-24"))

        // The round trip through a record keeps the custom fields as top-level keys.
        let record = SummaryRecord(
            newsURLID: "id",
            url: "https://x.test/a",
            title: nil,
            summary: summary,
            llmModel: "m",
            promptVersion: "v",
            fallbackUsed: false,
            tokens: .zero,
            processingTimeSeconds: 1,
            generatedAt: Date(timeIntervalSince1970: 0),
            extractor: nil,
            contentHash: nil,
            fetchMethod: nil,
            inputTruncated: false
        )
        let data = try JSONEncoder().encode(record)
        let object = try JSONValue.parse(data).objectValue!
        #expect(object["score"] == "27-24")
        #expect(try JSONDecoder().decode(SummaryRecord.self, from: data).summary.extraFields == summary.extraFields)

    }

    @Test func badSchemaFilesAreReportedWithPointers() {
        let file: JSONValue = [
            "type": "object",
            "properties": [
                "summary": ["type": "integer"], "url": ["type": "string"], "scores": ["type": "array", "items": ["type": "number"]],
            ],
            "required": ["summary", "missing"],
        ]
        #expect {
            try SummarySchema(jsonSchema: file, file: "bad.json")
        } throws: { error in
            let messages = (error as? ConfigError)?.problems.map(\.description) ?? []
            return messages.contains { $0.hasPrefix("/required: \"missing\" is required") }
                && messages.contains { $0.hasPrefix("/properties/url: \"url\" is a record field") }
                && messages.contains { $0.hasPrefix("/properties/scores/items: lists must be lists of strings") }
                && messages.contains { $0.hasPrefix("/properties/summary/type: unsupported type") }
        }
    }

    @Test func theNewsSchemaRoundTripsThroughItsJSONSchemaForm() throws {
        let reread = try SummarySchema(jsonSchema: SummarySchema.news.jsonSchema, file: "news")
        #expect(reread.fields == SummarySchema.news.fields)
    }

    @Test func templatesAreCheckedAndRendered() throws {
        #expect(throws: ConfigError.self) { try PromptTemplate("No article here: {{title}}") }
        #expect {
            try PromptTemplate("{{artcle}}")
        } throws: { error in
            (error as? ConfigError)?.description.contains("did you mean {{article}}") == true
        }
        let template = try PromptTemplate("Summarize {{ title }} from {{url}}.\n{{article}}")
        let prompt = SummaryPrompt(template: template)
        let item = WorkItem(url: "https://x.test/a", title: "Big win")
        let article = Article(title: nil, text: "Text.", extractor: "t", extractorVersion: "1")
        let rendered = prompt.render(SummaryRequest(item: item, input: .article(article)), structuredOutput: true)
        #expect(
            rendered.text.hasPrefix("Summarize Big win from https://x.test/a.\nTitle: Big win\nURL: https://x.test/a\n\n<article>\nText.\n</article>")
        )
        #expect(!rendered.inputTruncated)
    }

    @Test func thePromptVersionChangesWithWhatChangesAnswers() throws {
        let base = SummaryPrompt()
        let version = base.version(settings: "t=0.1")
        #expect(version.count == 12)
        #expect(version == SummaryPrompt().version(settings: "t=0.1"))
        #expect(version != base.version(settings: "t=0.2"))
        #expect(version != SummaryPrompt(template: try PromptTemplate("{{article}}")).version(settings: "t=0.1"))
        var schema = SummarySchema.news
        schema.fields.removeLast()
        #expect(version != SummaryPrompt(schema: schema).version(settings: "t=0.1"))
        #expect(version != SummaryPrompt(maxInputTokens: 1000).version(settings: "t=0.1"))
    }

    @Test func theInputIsCutAtParagraphThenSentenceBoundaries() {
        let text = "First paragraph here.\n\nSecond paragraph is longer than the rest.\n\nThird."
        #expect(InputBudget.fit(text, maxTokens: 100) == (text, false))
        #expect(InputBudget.fit(text, maxTokens: 12) == ("First paragraph here.", true))
        let sentences = "One short sentence. Another sentence follows here and goes on."
        #expect(InputBudget.fit(sentences, maxTokens: 8) == ("One short sentence.", true))
        // Never splits a multi-byte character.
        let accents = String(repeating: "é", count: 50)
        let cut = InputBudget.fit(accents, maxTokens: 5)
        #expect(cut.truncated && cut.text.allSatisfy { $0 == "é" } && cut.text.utf8.count <= 20)
    }

    @Test func pricesCountEveryTokenKind() throws {
        let price = ModelPrice(inputPerMillion: 1, outputPerMillion: 10, cachedInputPerMillion: 0.25)
        let usage = TokenUsage(prompt: 1_000_000, output: 100_000, toolUse: 200_000, thoughts: 50_000, cached: 400_000)
        // input: (1M - 400k + 200k) x $1 + 400k x $0.25; output: 150k x $10.
        #expect(abs(price.cost(of: usage) - (0.8 + 0.1 + 1.5)) < 1e-9)

        let table = PriceTable(["gemini-2.5-flash": price, "gemini-2.5-flash-lite": ModelPrice(inputPerMillion: 2, outputPerMillion: 2)])
        #expect(table.price(for: "gemini-2.5-flash-001") == price)
        #expect(table.price(for: "gemini-2.5-flash-lite-preview")?.inputPerMillion == 2)
        #expect(table.price(for: "gemini-3") == nil)
    }

    @Test func thePriceConfigIsValidatedWithPointers() throws {
        let spec = PluginSpec(type: "x", role: .summarizer, summary: "x", keys: [ConfigKey("prices", .object, doc: "p")])
        let config = PluginConfig(spec: spec, pointer: JSONPointer(["summarizer"]), values: [:])
        let parsed = try PriceTable.parse(
            ["my-model": ["inputPerMillion": 1, "outputPerMillion": 2]],
            over: PriceTable(),
            config: config
        )
        #expect(parsed.price(for: "my-model") == ModelPrice(inputPerMillion: 1, outputPerMillion: 2))
        #expect {
            try PriceTable.parse(["m": ["inputPerMilion": 1, "outputPerMillion": -2]], over: PriceTable(), config: config)
        } throws: { error in
            let text = (error as? ConfigError)?.description ?? ""
            return text.contains("/summarizer/prices/m/inputPerMilion: unknown key; did you mean \"inputPerMillion\"?")
                && text.contains("/summarizer/prices/m/outputPerMillion: must be a number")
                && text.contains("/summarizer/prices/m/inputPerMillion: missing required key")
        }
    }

    @Test func theBudgetNeverLetsReservationsExceedTheLimit() async throws {
        let budget = CostBudget(limitUSD: 1)
        let first = try await budget.reserve(0.6)
        await #expect(throws: PipelineError.self) { try await budget.reserve(0.5) }
        await budget.settle(first, actualUSD: 0.1)
        #expect(budget.spentUSD == 0.1)
        _ = try await budget.reserve(0.9)
        await #expect(throws: PipelineError.self) { try await budget.reserve(0.01) }
    }

    @Test func summaryTextKeepsTheOriginalOrderAndCutsNothing() throws {
        let players = (1...9).map { "Player Number\($0)" }
        let points = (1...8).map { "Point \($0)." }
        let summary = Summary(
            summary: "It happened.",
            keyPoints: points,
            playersMentioned: players,
            teamsMentioned: ["Pioneers"],
            gameReferences: ["Pioneers vs Armadillos, Week 9"],
            injuryUpdates: "Frame is out.",
            articleType: "recap",
            sentiment: "mixed",
            contentQuality: "high"
        )
        let text = summary.formattedText
        let order = ["Type: recap", "Players:", "Teams:", "Games:", "Key points:", "Summary:", "Injury updates:"].map {
            text.range(of: $0)?.lowerBound
        }
        #expect(order.allSatisfy { $0 != nil })
        #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
        #expect(players.allSatisfy(text.contains))
        #expect(points.allSatisfy(text.contains))
    }
}
