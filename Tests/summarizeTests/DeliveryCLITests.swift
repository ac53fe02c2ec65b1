import Foundation
import Postgres
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

/// Delivery per sink, as a user meets it: a sink that failed in one run is filled in the next,
/// from the records the dead-letter file kept, and nothing lands twice anywhere.
@Suite("summarize: every record reaches every sink", .serialized)
struct DeliveryCLITests {
    let logger = TestDatabase.logger

    static func lines(_ url: URL) throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static func pages(_ count: Int) throws -> [String: LocalPageServer.Behaviour] {
        let page = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/week9-recap.html"), encoding: .utf8)
        var routes: [String: LocalPageServer.Behaviour] = [:]
        for index in 1...count { routes["/news/\(index)"] = .page(page.replacingOccurrences(of: "<title>", with: "<title>Story \(index): ")) }
        return routes
    }

    /// Rows in news_urls for the server's first `count` stories, and a URL list naming them by id.
    static func seed(_ count: Int, from server: LocalPageServer, into client: PostgresClient) async throws -> String {
        var list = ""
        for index in 1...count {
            let url = server.url("/news/\(index)")
            let rows = try await client.query("insert into news_urls (url) values (\(url)) returning id::text", logger: TestDatabase.logger)
            for try await id in rows.decode(String.self) {
                list += #"{"id": "\#(id)", "url": "\#(url)"}"# + "\n"
            }
        }
        return list
    }

    static func config(sinks: String) -> String {
        """
        {
          "source": {"type": "urlFile", "path": "urls.txt"},
          "fetcher": {"type": "http", "timeoutSeconds": 2, "allowAddresses": ["127.0.0.1/32"], "middleware": []},
          "extractor": {"type": "readability"},
          "summarizer": {"type": "mock", "middleware": []},
          "sinks": \(sinks),
          "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"},
          "run": {"concurrency": 4, "batchSize": 50, "flushIntervalSeconds": 60}
        }
        """
    }

    /// The reproduction of the issue: jsonl and supabase, every Supabase write failing in the
    /// first run; then a healthy run, a replay and another run: every row in both sinks once.
    @Test(.enabled(if: TestDatabase.available)) func aSinkThatFailedIsFilledByTheNextRunAndNothingIsDuplicated() async throws {
        let count = 20
        let server = try await LocalPageServer.start(routes: try Self.pages(count))
        defer { Task { try? await server.shutdown() } }
        try await TestDatabase.withMigrated { _, client in
            let list = try await Self.seed(count, from: server, into: client)
            let folder = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: folder) }
            try list.write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
            try Self.config(sinks: #"[{"type": "jsonl", "path": "out/summaries.jsonl"}, {"type": "supabase", "middleware": []}]"#)
                .write(to: folder.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
            let fake = try await FakePostgREST.start(client: client, logger: logger)
            let environment = ["SUPABASE_URL": fake.projectURL, "SUPABASE_SERVICE_KEY": fake.apiKey]
            let output = folder.appendingPathComponent("out/summaries.jsonl")
            let failed = folder.appendingPathComponent("out/failed.jsonl")

            // Run 1: the one batch's upsert answers 503 and no retry is configured.
            fake.failNext(1, status: 503, matching: "POST /rest/v1/context_summaries")
            let first = try await CLIRunner.run(["run", "--config", "run.json"], in: folder, environment: environment)
            #expect(first.status == 1, "\(first.stderr)")
            #expect(try Self.lines(output).count == count)
            let dead = try Self.lines(failed)
            #expect(dead.count == count)
            #expect(dead.allSatisfy { $0["stage"] as? String == "sink" && $0["record"] != nil })
            #expect(dead.allSatisfy { $0["stored_in"] as? [String] == ["jsonl"] && $0["failed_in"] as? [String] == ["supabase"] })
            #expect(try await DatabaseCLITests.count(client, logger: logger) == (0, 0))

            // Run 2, Supabase healthy: the rows go to Supabase only, from the stored records.
            let second = try await CLIRunner.run(["run", "--config", "run.json"], in: folder, environment: environment)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("\(count) read, \(count) written, 0 failed, 0 skipped"), "\(second.stderr)")
            #expect(try await DatabaseCLITests.count(client, logger: logger) == (count, count))
            #expect(try Self.lines(output).count == count)
            // Delivered everywhere: their lines left the dead-letter file.
            #expect(try Self.lines(failed).isEmpty)

            // Replay finds nothing; another run skips everything, every sink holding it.
            let replay = try await CLIRunner.run(["replay", "--config", "run.json"], in: folder, environment: environment)
            #expect(replay.status == 0, "\(replay.stderr)")
            #expect(replay.stderr.contains("Nothing to replay"), "\(replay.stderr)")
            let third = try await CLIRunner.run(["run", "--config", "run.json"], in: folder, environment: environment)
            #expect(third.status == 0, "\(third.stderr)")
            #expect(third.stderr.contains("0 read, 0 written, 0 failed, \(count) skipped"), "\(third.stderr)")
            #expect(third.stderr.contains("every sink already holds their records"))
            try await fake.shutdown()

            let ids = try Self.lines(output).compactMap { $0["news_url_id"] as? String }
            #expect(ids.count == count && Set(ids).count == count)
            #expect(try await DatabaseCLITests.count(client, logger: logger) == (count, count))
        }
    }

    /// Replay after a run whose postgres writes were all refused writes to exactly that sink,
    /// from the stored records, and counts only what it delivered; the postgres sink with jsonl.
    @Test(.enabled(if: TestDatabase.available)) func replayWritesToTheSinkThatFailedAndCountsOnlyDeliveries() async throws {
        let count = 10
        let server = try await LocalPageServer.start(routes: try Self.pages(count))
        defer { Task { try? await server.shutdown() } }
        try await TestDatabase.withMigrated { url, client in
            var list = try await Self.seed(count, from: server, into: client)
            list += server.url("/missing") + "\n"
            let folder = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: folder) }
            try list.write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
            let environment = ["DATABASE_URL": try #require(TestDatabase.connectionString(for: url))]
            try Self.config(sinks: #"[{"type": "postgres", "middleware": []}, {"type": "jsonl", "path": "out/summaries.jsonl"}]"#)
                .write(to: folder.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
            let output = folder.appendingPathComponent("out/summaries.jsonl")
            let failed = folder.appendingPathComponent("out/failed.jsonl")

            // The table passes the start-up check but refuses every row, as a broken trigger or
            // constraint would.
            try await client.query("alter table context_summaries add constraint refuse_all check (false) not valid", logger: logger)
            let first = try await CLIRunner.run(["run", "--config", "run.json"], in: folder, environment: environment)
            #expect(first.status == 1, "\(first.stderr)")
            #expect(try await DatabaseCLITests.count(client, logger: logger) == (0, 0))
            let dead = try Self.lines(failed).filter { $0["stage"] as? String == "sink" }
            #expect(dead.count == count, "\(first.stderr)")
            #expect(dead.allSatisfy { $0["failed_in"] as? [String] == ["postgres"] && $0["stored_in"] as? [String] == ["jsonl"] })
            #expect(try Self.lines(output).count == count)
            let fetched = server.requestCount

            try await client.query("alter table context_summaries drop constraint refuse_all", logger: logger)
            let replay = try await CLIRunner.run(["replay", "--config", "run.json"], in: folder, environment: environment)
            // The missing page fails again; the ten stored records go to postgres alone.
            #expect(replay.status == 1, "\(replay.stderr)")
            #expect(
                replay.stderr.contains("\(count + 1) items, \(count) delivered to the sinks that lacked them (left the file), 1 failed again"),
                "\(replay.stderr)"
            )
            // One fetch, of the missing page, and no LLM call: nothing was summarized again.
            #expect(server.requestCount == fetched + 1)
            #expect(!replay.stderr.contains("LLM:"))
            #expect(try Self.lines(output).count == count)
            #expect(try await DatabaseCLITests.count(client, logger: logger) == (count, count))
            #expect(try Self.lines(failed).map { $0["url"] as? String } == [server.url("/missing")])
        }
    }

    /// Two JSON-lines sinks, the second added after the first run: the next run fills it and
    /// leaves the first as it was.
    @Test func aSinkAddedLaterIsFilledOnTheNextRun() async throws {
        let count = 6
        let server = try await LocalPageServer.start(routes: try Self.pages(count))
        defer { Task { try? await server.shutdown() } }
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        try (1...count).map { server.url("/news/\($0)") }.joined(separator: "\n")
            .write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
        let one = #"{"type": "jsonl", "path": "out/one.jsonl"}"#
        let two = #"{"type": "jsonl", "path": "out/two.jsonl"}"#
        try Self.config(sinks: "[\(one)]").write(to: folder.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
        let first = try await CLIRunner.run(["run", "--config", "run.json"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        let fetched = server.requestCount

        try Self.config(sinks: "[\(one), \(two)]").write(to: folder.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
        let second = try await CLIRunner.run(["run", "--config", "run.json"], in: folder)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("\(count) read, \(count) written"), "\(second.stderr)")
        // Summarized again (no stored record of them), written to the new sink only.
        #expect(server.requestCount == fetched + count)
        let oneIDs = try Self.lines(folder.appendingPathComponent("out/one.jsonl")).compactMap { $0["news_url_id"] as? String }
        let twoIDs = try Self.lines(folder.appendingPathComponent("out/two.jsonl")).compactMap { $0["news_url_id"] as? String }
        #expect(oneIDs.count == count && Set(oneIDs) == Set(twoIDs) && twoIDs.count == count)

        let third = try await CLIRunner.run(["run", "--config", "run.json"], in: folder)
        #expect(third.stderr.contains("0 read, 0 written, 0 failed, \(count) skipped"), "\(third.stderr)")
    }

    /// A URL that fails for good, over six runs: one dead-letter line whose runs and history
    /// grow, then skipped with the report line once `run.maxItemAttempts` is reached.
    @Test func aPoisonURLIsHeldOnceAndGivenUpAfterMaxItemAttempts() async throws {
        let server = try await LocalPageServer.start(routes: ["/gone": .status(404)])
        defer { Task { try? await server.shutdown() } }
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        try server.url("/gone").write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
        try Self.config(sinks: #"[{"type": "jsonl", "path": "out/summaries.jsonl"}]"#)
            .write(to: folder.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
        let failed = folder.appendingPathComponent("out/failed.jsonl")
        for run in 1...5 {
            let result = try await CLIRunner.run(["run", "--config", "run.json"], in: folder)
            #expect(result.status == 1, "run \(run): \(result.stderr)")
            let dead = try Self.lines(failed)
            #expect(dead.count == 1, "run \(run)")
            #expect(dead.first?["failed_runs"] as? Int == run)
            #expect(dead.first?["attempts"] as? Int == run)
        }
        let sixth = try await CLIRunner.run(["run", "--config", "run.json"], in: folder)
        #expect(sixth.status == 0, "\(sixth.stderr)")
        #expect(sixth.stderr.contains("1 item skipped after 5 failed attempts; `summarize replay --include-exhausted` runs them."), "\(sixth.stderr)")
        #expect(server.requestCount == 5)
        #expect(try Self.lines(failed).count == 1)

        let replay = try await CLIRunner.run(["replay", "--config", "run.json"], in: folder)
        #expect(replay.stderr.contains("1 kept after too many failed runs"), "\(replay.stderr)")
        #expect(server.requestCount == 5)
        let forced = try await CLIRunner.run(["replay", "--config", "run.json", "--include-exhausted"], in: folder)
        #expect(forced.status == 1)
        #expect(server.requestCount == 6)
        #expect(try Self.lines(failed).first?["failed_runs"] as? Int == 6)
    }

    /// A secret written in the file: a warning from validate, explain and run; an error under
    /// `validate --strict` and `run.strictSecrets`. The value itself is never printed.
    @Test func aSecretWrittenInTheFileIsAWarningAndAnErrorWhenStrict() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "https://example.test/a\n".write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
        func config(strict: Bool) -> String {
            """
            {
              "source": {"type": "urlFile", "path": "urls.txt"},
              "fetcher": {"type": "file"},
              "extractor": {"type": "readability"},
              "summarizer": {"type": "gemini", "apiKey": "AIza-literal-key-in-the-file"},
              "sinks": [{"type": "stdout"}],
              "run": {"strictSecrets": \(strict)}
            }
            """
        }
        try config(strict: false).write(to: folder.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        let validate = try await CLIRunner.run(["validate", "--config", "c.json"], in: folder)
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        #expect(validate.stderr.contains("warning: c.json: /summarizer/apiKey: the secret \"apiKey\" is written in the file; use ${VAR}"))
        let explain = try await CLIRunner.run(["explain", "--config", "c.json"], in: folder)
        #expect(explain.stderr.contains("/summarizer/apiKey: the secret"))
        let strict = try await CLIRunner.run(["validate", "--strict", "--config", "c.json"], in: folder)
        #expect(strict.status == 78)
        #expect(strict.stdout.contains("/summarizer/apiKey"))
        try config(strict: true).write(to: folder.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        let run = try await CLIRunner.run(["run", "--config", "c.json", "--dry-run"], in: folder)
        #expect(run.status == 78)
        for output in [validate, explain, strict, run] {
            #expect(!output.stdout.contains("AIza-literal") && !output.stderr.contains("AIza-literal"))
        }
    }
}
