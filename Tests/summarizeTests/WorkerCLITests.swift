import Foundation
import Postgres
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

/// `summarize worker` as a deployment runs it: a real process on a real PostgreSQL.
@Suite("summarize worker", .enabled(if: TestDatabase.available))
struct WorkerCLITests {
    let logger = TestDatabase.logger

    static func page(_ name: String) -> String {
        CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/\(name).html").absoluteString
    }

    static let config = """
        {
          "source": {"type": "postgres", "leaseSeconds": 30},
          "fetcher": {"type": "file"},
          "extractor": {"type": "readability"},
          "summarizer": {"type": "mock"},
          "sinks": [{"type": "jsonl", "path": "out/summaries.jsonl"}],
          "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"},
          "run": {"concurrency": 2, "batchSize": 1}
        }
        """

    func lines(_ folder: URL) -> [String] {
        let text = (try? String(contentsOf: folder.appendingPathComponent("out/summaries.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    @Test(.timeLimit(.minutes(2)))
    func aWorkerDrainsTheTableWakesForANewRowAndStopsOnSIGTERM() async throws {
        try await TestDatabase.withMigrated { url, client in
            for name in ["week9-recap", "column-analysis"] {
                try await client.query("insert into news_urls (url) values (\(Self.page(name)))", logger: logger)
            }
            let folder = try CLIRunner.sandbox()
            defer { try? FileManager.default.removeItem(at: folder) }
            try Self.config.write(to: folder.appendingPathComponent("worker.json"), atomically: true, encoding: .utf8)
            let environment = ["DATABASE_URL": try #require(TestDatabase.connectionString(for: url))]
            // Polling only every 120 s: a row added later is found through NOTIFY, or not in time.
            let worker = try CLIRunner.start(
                ["worker", "--config", "worker.json", "--poll-seconds", "120", "--progress", "never"],
                in: folder,
                environment: environment
            )
            var waited = 0
            while lines(folder).count < 2, waited < 300 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            #expect(lines(folder).count == 2, "the worker did not drain the table")
            #expect(worker.isRunning, "the worker ended instead of waiting for new rows")

            try await client.query("insert into news_urls (url) values (\(Self.page("injury-update-jsonld")))", logger: logger)
            let inserted = ContinuousClock.now
            while lines(folder).count < 3, ContinuousClock.now - inserted < .seconds(10) {
                try await Task.sleep(for: .milliseconds(50))
            }
            let latency = ContinuousClock.now - inserted
            #expect(lines(folder).count == 3)
            // Fetch, extract, summarize and a batch of one included; the poll would take 120 s.
            #expect(latency < .seconds(5), "the new row took \(latency)")

            worker.send(SIGTERM)
            let result = try await worker.wait()
            #expect(result.status == 143, "\(result.stderr)")
            #expect(result.stderr.contains("SIGTERM received"))
            for try await leased in try await client.query(
                "select count(*) from summarization_attempts where lease_expires_at > now()",
                logger: logger
            ).decode(Int.self) {
                #expect(leased == 0, "a lease outlived the worker: \(result.stderr.suffix(1500))")
            }
        }
    }

    @Test func aWorkerNeedsATableSourceInClaimMode() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fromFile = try await CLIRunner.run(["worker"], in: folder)
        #expect(fromFile.status == 64)
        #expect(fromFile.stderr.contains("it needs a postgres or supabase source"))
        #expect(fromFile.stderr.contains("\"urlFile\" at /source/type"))

        try Self.config.replacingOccurrences(of: #""leaseSeconds": 30"#, with: #""mode": "all""#)
            .write(to: folder.appendingPathComponent("all.json"), atomically: true, encoding: .utf8)
        let allMode = try await CLIRunner.run(
            ["worker", "--config", "all.json"],
            in: folder,
            environment: ["DATABASE_URL": "postgres://u@127.0.0.1:1/x"]
        )
        #expect(allMode.status == 64)
        #expect(allMode.stderr.contains("/source/mode is \"all\""))
    }
}
