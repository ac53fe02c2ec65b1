import Foundation
import HTMLExtraction
import Logging
import SummarizerCore
import SummarizerTesting
import Testing
import WebFetch

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
        let mock = MockSummarizer(
            configuration: configuration {
                $0.failEvery = 3
                $0.failureKind = .rateLimited
            }
        )
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
        let mock = MockSummarizer(configuration: configuration { $0.script = ["transient", "ok", "invalidOutput"] })
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
            ],
            file: "custom.json"
        )
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
        let mock = MockSummarizer(configuration: configuration { $0.latency = .milliseconds(250) })
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
                SummaryRequest(item: WorkItem(url: "https://x.example"), input: .url("https://x.example")),
                context: context
            )
        }
    }

    @Test func sentencesRespectAbbreviations() {
        let sentences = TextHeuristics.sentences("Mr. Hale threw for 300 yds. He won vs. the Drovers. Final!")
        #expect(sentences == ["Mr. Hale threw for 300 yds.", "He won vs. the Drovers.", "Final!"])
    }
}

/// The mock's outputs are a contract: the offline default's records, and every test that reads
/// them, depend on them. `Fixtures/mock-summaries.jsonl` holds the records the mock made before
/// its heuristics were rewritten for speed (generated pages and the example pages, extracted by
/// `readability`); the same pages must still give the same fields.
@Suite("Mock summarizer: recorded outputs")
struct MockSummarizerRecordedTests {
    struct Recorded {
        var page: String
        var record: [String: Any]
    }

    static func recorded() throws -> [Recorded] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/mock-summaries", withExtension: "jsonl"))
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return Recorded(page: try #require(object["page"] as? String), record: try #require(object["record"] as? [String: Any]))
        }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The page as the recording run fetched it: generated, or an example file read (and its
    /// charset decoded) by the file fetcher.
    func fetch(_ page: String, context: StageContext) async throws -> FetchedPage {
        if let number = page.split(separator: "/").last.flatMap({ Int($0) }), page.hasPrefix("generated/") {
            let html = ArticlePages.page(number, bytes: 5_000)
            return FetchedPage(
                finalURL: "https://example.test/",
                status: 200,
                headers: [:],
                body: Array(html.utf8),
                text: html,
                contentType: "text/html",
                charset: "utf-8",
                method: .file,
                fetchSeconds: 0
            )
        }
        let url = Self.repository.appendingPathComponent(page).absoluteString
        return try await FileFetcher().fetch(WorkItem(url: url), context: context)
    }

    @Test func theSamePagesGiveTheSameSummaries() async throws {
        let recorded = try Self.recorded()
        #expect(recorded.count >= 30)
        let context = StageContext(logger: Logger(label: "test"))
        let extractor = ReadabilityExtractor()
        let mock = MockSummarizer()
        for entry in recorded {
            let page = try await fetch(entry.page, context: context)
            let article = try await extractor.extract(page, item: WorkItem(url: page.finalURL), context: context)
            let result = try await mock.summarize(
                SummaryRequest(item: WorkItem(url: page.finalURL), input: .article(article)),
                context: context
            )
            let summary = result.summary
            let record = entry.record
            #expect(summary.summary == record["summary"] as? String, "\(entry.page)")
            #expect(summary.keyPoints == record["key_points"] as? [String], "\(entry.page)")
            #expect(summary.playersMentioned == record["players_mentioned"] as? [String], "\(entry.page)")
            #expect(summary.teamsMentioned == record["teams_mentioned"] as? [String], "\(entry.page)")
            #expect(summary.gameReferences == record["game_references"] as? [String], "\(entry.page)")
            #expect(summary.injuryUpdates == record["injury_updates"] as? String, "\(entry.page)")
            #expect(summary.articleType == record["article_type"] as? String, "\(entry.page)")
            #expect(summary.sentiment == record["sentiment"] as? String, "\(entry.page)")
            #expect(summary.contentQuality == record["content_quality"] as? String, "\(entry.page)")
            #expect(summary.formattedText == record["summary_text"] as? String, "\(entry.page)")
            #expect(result.promptVersion == record["prompt_version"] as? String, "\(entry.page)")
        }
    }
}

/// The scalar-level rules that stand in for `Character` and Foundation calls.
@Suite("Mock summarizer: text rules")
struct TextHeuristicsTests {
    @Test func onlyTwoScalarsOutsideASCIILowercaseToASCIILetters() {
        // PhraseSet and Followers match ASCII phrases in place and lowercase the text for real
        // only when it has one of these; a Unicode update adding a third would break that.
        var found: [UInt32] = []
        for value in 0x80...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if scalar.properties.lowercaseMapping.unicodeScalars.contains(where: { $0.isASCII && $0.properties.isAlphabetic }) {
                found.append(UInt32(value))
            }
        }
        #expect(found == [0x130, 0x212A])
    }

    @Test func phrasesAreFoundAsInTheLowercasedText() {
        let phrases = PhraseSet(["knee", "injured reserve", "kelvin"])
        #expect(phrases.found(inLowercased: "He went on INJURED Reserve.") == phrases.bit("injured reserve"))
        #expect(phrases.found(inLowercased: "a Knee and a KNEE") == phrases.bit("knee"))
        #expect(phrases.found(inLowercased: "injured, reserve") == 0)
        // The Kelvin sign lowercases to an ASCII "k".
        #expect(phrases.found(inLowercased: "\u{212A}elvin") == phrases.bit("kelvin"))
        #expect(phrases.found(inLowercased: "“Kelvin” ") == phrases.bit("kelvin"))
    }

    @Test func lowercasingMatchesTheStandardLibrary() {
        for text in ["Plain ASCII", "İstanbul ΣΟΦΙΑ", "Ǆemal ẞ \u{212A}", "e\u{301}É", ""] {
            #expect(TextHeuristics.lowercased(text) == text.lowercased())
        }
    }

    @Test func wordsKeepCombiningMarksAndApostrophes() {
        var words: [String] = []
        TextHeuristics.forEachLowercasedWord(in: "Cafe\u{301} don’t O'Neil 3-2, naïve—done") { words.append(String(decoding: $0, as: UTF8.self)) }
        #expect(words == ["cafe\u{301}", "don’t", "o'neil", "3", "2", "naïve", "done"])
    }

    @Test func sentencesEndAtStopsNotAtAbbreviationsOrInitials() {
        let text = "Dr. Hale met J. R. Smith at 3 p.m. on Monday. Was it late? Yes!\u{200B} Then\u{00A0}more\nA line"
        #expect(
            TextHeuristics.sentences(text) == [
                "Dr. Hale met J. R. Smith at 3 p.m. on Monday.", "Was it late?", "Yes!\u{200B} Then\u{00A0}more", "A line",
            ]
        )
    }

    @Test func teamsAreNamesFollowingTheInAnyCase() {
        let (people, teams) = TextHeuristics.entities([
            "Kansas City Pioneers met Bay Harbor Admirals.", "THE ADMIRALS lost.", "Marcus Hale scored.", "Riverton Falcons drew.",
        ])
        #expect(teams == ["Kansas City Pioneers", "Bay Harbor Admirals", "Riverton Falcons"])
        #expect(people == ["Marcus Hale"])
    }

    @Test func gamesAreFoundLeftmost() {
        #expect(
            TextHeuristics.gameReferences(["The Kansas City Pioneers vs. Portland Rangers game in Week 12 was close."])
                == ["Kansas City Pioneers vs Portland Rangers, Week 12"]
        )
        // Five capitalized words before "vs": the match starts at the second.
        #expect(TextHeuristics.gameReferences(["Aa Bb Cc Dd Ee vs Ff"]) == ["Bb Cc Dd Ee vs Ff"])
        #expect(TextHeuristics.gameReferences(["Lakers versus Celtics tonight"]) == ["Lakers vs Celtics"])
    }
}

@Suite("Mock summarizer: cut articles")
struct MockSummarizerCutTests {
    /// The summary reads the part that fits the input budget; the sentiment still weighs the
    /// whole article, as it always did.
    @Test func sentimentWeighsTheWholeArticleWhenTheInputIsCut() async throws {
        let neutral = (1...40).map { "The team met on day \($0) of the camp near the river." }.joined(separator: " ")
        let text = neutral + "\n\nA win, a record, a victory and a strong comeback: the best week."
        let article = Article(title: "Camp notes", text: text, extractor: "test", extractorVersion: "1")
        let request = SummaryRequest(item: WorkItem(url: "https://example.test/cut"), input: .article(article))
        let mock = MockSummarizer(prompt: SummaryPrompt(maxInputTokens: 100))
        let result = try await mock.summarize(request, context: StageContext(logger: Logger(label: "test")))
        #expect(result.inputTruncated)
        #expect(!result.summary.summary.contains("comeback"))
        #expect(result.summary.sentiment == "positive")
    }
}

/// A mock configuration with `change` applied.
private func configuration(_ change: (inout MockSummarizer.Configuration) -> Void) -> MockSummarizer.Configuration {
    var configuration = MockSummarizer.Configuration()
    change(&configuration)
    return configuration
}
