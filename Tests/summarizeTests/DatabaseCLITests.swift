import Foundation
import Postgres
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

/// `summarize db` and runs from and into databases, as a user runs them.
@Suite("summarize with PostgreSQL and Supabase", .enabled(if: TestDatabase.available))
struct DatabaseCLITests {
    let logger = TestDatabase.logger

    @Test func dbSchemaPrintsAndDbMigrateOnAnEmptyDatabaseAppliesOnce() async throws {
        let schema = try await CLIRunner.run(["db", "schema"], in: CLIRunner.repositoryRoot)
        #expect(schema.status == 0)
        #expect(schema.stdout.contains("create or replace function claim_news_urls"))
        #expect(schema.stdout.contains("-- migration 002_fast_writes"))

        try await TestDatabase.with { url in
            let database = try #require(TestDatabase.connectionString(for: url))
            let first = try await CLIRunner.run(["db", "migrate"], in: CLIRunner.repositoryRoot, environment: ["DATABASE_URL": database])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("applied 001_schema, 002_fast_writes"))
            let second = try await CLIRunner.run(["db", "migrate"], in: CLIRunner.repositoryRoot, environment: ["DATABASE_URL": database])
            #expect(second.status == 0)
            #expect(second.stdout.contains("up to date"))
            // The URL is printed without its password.
            if let password = URLComponents(string: database)?.password, !password.isEmpty {
                #expect(!first.stdout.contains(password) && !first.stderr.contains(password))
            }
        }
        let missing = try await CLIRunner.run(["db", "migrate"], in: CLIRunner.repositoryRoot, environment: ["DATABASE_URL": ""])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("set DATABASE_URL"))
    }

    /// 200 article pages on a local server, each with its own headline.
    static func pages() throws -> [String: LocalPageServer.Behaviour] {
        let page = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/week9-recap.html"), encoding: .utf8)
        var routes: [String: LocalPageServer.Behaviour] = [:]
        for index in 1...200 {
            routes["/news/\(index)"] = .page(page.replacingOccurrences(of: "<title>", with: "<title>Story \(index): "))
        }
        return routes
    }

    static func config(source: String, sink: String) -> String {
        """
        {
          "source": \(source),
          "fetcher": {"type": "http", "timeoutSeconds": 10, "allowAddresses": ["127.0.0.1/32"]},
          "extractor": {"type": "readability"},
          "summarizer": {"type": "mock", "middleware": []},
          "sinks": [\(sink)],
          "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"},
          "middleware": {"sinkRetry": {"type": "retry", "maxAttempts": 3, "baseDelaySeconds": 0.05}},
          "run": {"concurrency": 8, "batchSize": 50}
        }
        """
    }

    /// Seeds `news_urls` with the server's 200 pages.
    static func seed(_ client: PostgresClient, server: LocalPageServer, logger: Logger) async throws {
        for index in 1...200 {
            try await client.query(
                "insert into news_urls (url, publisher) values (\(server.url("/news/\(index)")), 'Local')",
                logger: logger
            )
        }
    }

    static func count(_ client: PostgresClient, logger: Logger) async throws -> (rows: Int, distinct: Int) {
        for try await counts in try await client.query("select count(*), count(distinct news_url_id) from context_summaries", logger: logger)
            .decode((Int, Int).self)
        {
            return counts
        }
        return (0, 0)
    }

    @Test func aRunFromPostgresIntoPostgresSummarizesTwoHundredPagesOnceAndARerunSaysThereIsNothingToDo() async throws {
        let server = try await LocalPageServer.start(routes: try Self.pages())
        do {
            try await TestDatabase.withMigrated { url, client in
                try await Self.seed(client, server: server, logger: logger)
                let folder = try CLIRunner.sandbox()
                try Self.config(source: #"{"type": "postgres"}"#, sink: #"{"type": "postgres", "middleware": ["sinkRetry"]}"#)
                    .write(to: folder.appendingPathComponent("db.json"), atomically: true, encoding: .utf8)
                let environment = ["DATABASE_URL": try #require(TestDatabase.connectionString(for: url))]

                let first = try await CLIRunner.run(["run", "--config", "db.json"], in: folder, environment: environment)
                #expect(first.status == 0, "\(first.stderr)")
                #expect(first.stderr.contains("200 read, 200 written, 0 failed"), "\(first.stderr)")
                #expect(try await Self.count(client, logger: logger) == (200, 200))
                #expect(server.requestCount == 200)

                let second = try await CLIRunner.run(["run", "--config", "db.json"], in: folder, environment: environment)
                #expect(second.status == 0, "\(second.stderr)")
                #expect(second.stderr.contains("0 read, 0 written"))
                #expect(second.stderr.contains("Nothing to do"))
                #expect(server.requestCount == 200)
            }
        } catch {
            try? await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }

    @Test func aRunFromSupabaseIntoSupabaseRetriesAFailedWriteAndNeverPrintsTheKey() async throws {
        let server = try await LocalPageServer.start(routes: try Self.pages())
        do {
            try await TestDatabase.withMigrated { _, client in
                try await Self.seed(client, server: server, logger: logger)
                let fake = try await FakePostgREST.start(client: client, apiKey: "service-key-that-must-stay-secret", logger: logger)
                // The first upsert meets a 503; the retry middleware on the sink tries again.
                fake.failNext(1, status: 503, matching: "POST /rest/v1/context_summaries")
                let folder = try CLIRunner.sandbox()
                try Self.config(source: #"{"type": "supabase"}"#, sink: #"{"type": "supabase", "middleware": ["sinkRetry"]}"#)
                    .write(to: folder.appendingPathComponent("supabase.json"), atomically: true, encoding: .utf8)
                let environment = ["SUPABASE_URL": fake.projectURL, "SUPABASE_SERVICE_KEY": fake.apiKey]
                let first = try await CLIRunner.run(["run", "--config", "supabase.json", "--verbose"], in: folder, environment: environment)
                try await fake.shutdown()
                #expect(first.status == 0, "\(first.stderr)")
                #expect(first.stderr.contains("200 read, 200 written, 0 failed"), "\(first.stderr)")
                #expect(first.stderr.contains("retries: 1"), "\(first.stderr)")
                #expect(!first.stderr.contains(fake.apiKey) && !first.stdout.contains(fake.apiKey))
                #expect(fake.requests.allSatisfy { !$0.contains(fake.apiKey) })
                #expect(try await Self.count(client, logger: logger) == (200, 200))

                let validated = try await CLIRunner.run(
                    ["validate", "--config", "supabase.json"],
                    in: folder,
                    environment: ["SUPABASE_URL": fake.projectURL]
                )
                #expect(validated.status == 78)
                // Without the key, the config names both places that need it.
                #expect(validated.stdout.contains("/sinks/0/apiKey: missing required key"))
                #expect(validated.stdout.contains("/source/apiKey: missing required key"))
            }
        } catch {
            try? await server.shutdown()
            throw error
        }
        try await server.shutdown()
    }
}
