import Foundation
import SummarizerCore
import SummarizerTesting
import Testing

/// `summarize run` with the `gemini` summarizer pointed at the fake Gemini server.
@Suite("summarize CLI with gemini, end to end")
struct GeminiCLITests {
    static let key = "AIzaFAKE-recognizable-secret-4242"

    /// A sandbox with a gemini config over the example pages (without the no-article page).
    func sandbox(concurrency: Int = 1, summarizer extra: String = "") throws -> URL {
        let folder = try CLIRunner.sandbox()
        let pages = CLITests.articlePages.map { "Examples/pages/\($0).html" }
        try pages.joined(separator: "\n").write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
        let config = """
            {
              "source": { "type": "urlFile", "path": "urls.txt" },
              "fetcher": { "type": "file" },
              "extractor": { "type": "readability" },
              "summarizer": { "type": "gemini", "apiKey": "${GEMINI_API_KEY}", "middleware": ["llmRetry"]\(extra) },
              "sinks": [ { "type": "stdout", "format": "jsonl" }, { "type": "jsonl", "path": "out/summaries.jsonl" } ],
              "deadLetter": { "type": "jsonl", "path": "out/failed.jsonl" },
              "middleware": { "llmRetry": { "type": "retry", "maxAttempts": 2, "baseDelaySeconds": 0.01 } },
              "run": { "concurrency": \(concurrency) }
            }
            """
        try config.write(to: folder.appendingPathComponent("gemini.json"), atomically: true, encoding: .utf8)
        return folder
    }

    func lines(_ url: URL) -> [[String: Any]] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func environment(_ fake: FakeGeminiServer) -> [String: String] {
        ["GEMINI_API_KEY": Self.key, "GEMINI_BASE_URL": fake.baseURL]
    }

    @Test func recordsCarryTheStructuredReplyAndEveryTokenKindAndNeverTheKey() async throws {
        let fake = try await FakeGeminiServer.start(apiKey: Self.key)
        let folder = try sandbox(concurrency: 4)
        let result = try await CLIRunner.run(["run", "--config", "gemini.json", "--verbose"], in: folder, environment: environment(fake))
        try await fake.shutdown()
        #expect(result.status == 0, "stderr: \(result.stderr)")

        let records = lines(folder.appendingPathComponent("out/summaries.jsonl"))
        #expect(records.count == CLITests.articlePages.count)
        for record in records {
            #expect((record["summary"] as? String)?.hasPrefix("The article reports:") == true)
            #expect(record["key_points"] as? [String] == ["It reports on the article's subject."])
            #expect(record["article_type"] as? String == "news")
            #expect(record["llm_model"] as? String == "gemini-2.5-flash")
            #expect((record["prompt_version"] as? String)?.count == 12)
            #expect(record["fallback_used"] as? Bool == false)
            let tokens = record["tokens"] as? [String: Int] ?? [:]
            #expect(tokens["thoughts"] == fake.thoughtsTokens)
            #expect((tokens["prompt"] ?? 0) > 0 && (tokens["output"] ?? 0) > 0)
            #expect(tokens["total"] == (tokens["prompt"] ?? 0) + (tokens["output"] ?? 0) + (tokens["thoughts"] ?? 0))
            #expect((record["cost_usd"] as? Double ?? 0) > 0)
        }
        #expect(fake.requests.count == CLITests.articlePages.count)
        #expect(fake.requests.allSatisfy { $0.headers["x-goog-api-key"] == Self.key && !$0.uri.contains("key=") })
        #expect(fake.protocolViolations.isEmpty)
        #expect(result.stderr.contains("LLM: 8 calls; tokens: prompt"))
        #expect(result.stderr.contains("estimated cost $"))

        let written = try String(contentsOf: folder.appendingPathComponent("out/summaries.jsonl"), encoding: .utf8)
        for output in [result.stdout, result.stderr, written] {
            #expect(!output.contains(Self.key))
        }
    }

    @Test func aDailyQuotaStopsTheRunAfterTheItemsInFlightAndLeavesTheRestUntouched() async throws {
        let fake = try await FakeGeminiServer.start(apiKey: Self.key)
        // The third page (by the order of urls.txt) hits the daily quota.
        fake.script(whenPromptContains: "Eli Navarro", [.quotaPerDay])
        let folder = try sandbox(concurrency: 1)
        let result = try await CLIRunner.run(["run", "--config", "gemini.json"], in: folder, environment: environment(fake))
        try await fake.shutdown()

        #expect(result.status == 2, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("the Gemini daily quota is spent"))
        let written = lines(folder.appendingPathComponent("out/summaries.jsonl")).compactMap { $0["url"] as? String }
        #expect(written.count == 2)
        let failed = lines(folder.appendingPathComponent("out/failed.jsonl"))
        #expect(failed.count == 1)
        #expect(failed.first?["error_kind"] as? String == "quotaExhausted")
        #expect((failed.first?["url"] as? String)?.hasSuffix("injury-update-jsonld.html") == true)
        // The pages after it were never sent: they are left for the next run.
        #expect(fake.requests.count == 3)
    }

    @Test func aBadKeyStopsTheRunBeforeBurningTheList() async throws {
        let fake = try await FakeGeminiServer.start(apiKey: "the-right-key")
        let folder = try sandbox(concurrency: 1)
        let result = try await CLIRunner.run(["run", "--config", "gemini.json", "--verbose"], in: folder, environment: environment(fake))
        try await fake.shutdown()
        #expect(result.status == 2, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("Gemini refused the API key (API_KEY_INVALID)"))
        #expect(result.stderr.contains("GEMINI_API_KEY"))
        #expect(lines(folder.appendingPathComponent("out/failed.jsonl")).count == 1)
        let failures = try String(contentsOf: folder.appendingPathComponent("out/failed.jsonl"), encoding: .utf8)
        for output in [result.stdout, result.stderr, failures] {
            #expect(!output.contains(Self.key))
        }
    }

    @Test func urlModeFallsBackToFetchingWhenRetrievalFails() async throws {
        let fake = try await FakeGeminiServer.start(apiKey: Self.key)
        fake.enqueue(.urlContext(status: "URL_RETRIEVAL_STATUS_ERROR"))
        let folder = try sandbox(concurrency: 1, summarizer: #", "mode": "urlContext""#)
        let result = try await CLIRunner.run(["run", "--config", "gemini.json", "--limit", "2"], in: folder, environment: environment(fake))
        try await fake.shutdown()
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let records = lines(folder.appendingPathComponent("out/summaries.jsonl"))
        #expect(records.count == 2)
        let fallback = records.first { $0["fallback_used"] as? Bool == true }
        #expect(fallback?["retrieval_status"] as? String == "URL_RETRIEVAL_STATUS_ERROR")
        #expect(fallback?["fetch_method"] as? String == "file")
        #expect(fallback?["extractor"] as? String == "readability")
        // Both calls are on the record: the URL call's tool-use tokens and the content call's.
        #expect((fallback?["tokens"] as? [String: Int])?["tool_use"] == fake.toolUseTokens)
        #expect((fallback?["tokens"] as? [String: Int])?["thoughts"] == 2 * fake.thoughtsTokens)
        let direct = records.first { $0["fallback_used"] as? Bool == false }
        #expect(direct?["retrieval_status"] as? String == "URL_RETRIEVAL_STATUS_SUCCESS")
        #expect(direct?["fetch_method"] as? String == "urlContext")
        #expect(fake.requests.count == 3)
        #expect(result.stderr.contains("fallback_requests: 1"))
    }

    @Test func aCostBudgetStopsTheRunCleanly() async throws {
        let fake = try await FakeGeminiServer.start(apiKey: Self.key)
        let folder = try sandbox(concurrency: 1, summarizer: #", "maxOutputTokens": 1000"#)
        // A worst case is about 1000 x $2.50/M = $0.0025 plus input; a real call costs under $0.001, so a few fit in $0.005.
        let config = try String(contentsOf: folder.appendingPathComponent("gemini.json"), encoding: .utf8)
            .replacingOccurrences(of: #""run": { "concurrency": 1 }"#, with: #""run": { "concurrency": 1, "maxCostUSD": 0.005 }"#)
        try config.write(to: folder.appendingPathComponent("gemini.json"), atomically: true, encoding: .utf8)
        let result = try await CLIRunner.run(["run", "--config", "gemini.json"], in: folder, environment: environment(fake))
        try await fake.shutdown()
        #expect(result.status == 2, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("cost budget"))
        let written = lines(folder.appendingPathComponent("out/summaries.jsonl"))
        #expect(written.count >= 2 && written.count < CLITests.articlePages.count)
        #expect(lines(folder.appendingPathComponent("out/failed.jsonl")).isEmpty)
        let spent = written.compactMap { $0["cost_usd"] as? Double }.reduce(0, +)
        #expect(spent <= 0.005)
        #expect(fake.requests.count == written.count)
    }
}
