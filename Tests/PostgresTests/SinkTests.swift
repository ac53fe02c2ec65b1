import Foundation
import Logging
import NewsTables
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

@testable import Postgres

@Suite("postgres sink on a real PostgreSQL", .enabled(if: TestDatabase.available))
struct PostgresSinkTests {
    let logger = TestDatabase.logger

    var context: StageContext { StageContext(logger: logger) }

    static func record(_ id: UUID, text: String = "The Pioneers won.", hash: String = "abc") -> SummaryRecord {
        SummaryRecord(
            newsURLID: id.uuidString.lowercased(),
            url: "https://x.test/\(id)",
            title: "T",
            summary: Summary(
                summary: text,
                keyPoints: ["a", "b"],
                playersMentioned: ["Sam Ortiz"],
                injuryUpdates: nil,
                articleType: "recap",
                extraFields: ["venue": "home"]
            ),
            llmModel: "gemini-2.5-flash",
            promptVersion: "0123456789ab",
            fallbackUsed: true,
            tokens: TokenUsage(prompt: 100, output: 20, toolUse: 5, thoughts: 7, cached: 3),
            processingTimeSeconds: 1.5,
            generatedAt: Date(timeIntervalSince1970: 1_800_000_000),
            extractor: "readability",
            contentHash: hash,
            fetchMethod: "direct",
            inputTruncated: false,
            retrievalStatus: nil,
            costUSD: 0.0012
        )
    }

    /// Runs `body` with a migrated database, `count` news URLs, and a running sink.
    func withSink<T: Sendable>(
        count: Int,
        table: String = "context_summaries",
        columns: [String: String?] = [:],
        setUp: @escaping @Sendable (PostgresClient) async throws -> Void = { _ in },
        _ body: @escaping @Sendable (PostgresSink, PostgresClient, [UUID]) async throws -> T
    ) async throws -> T {
        let logger = logger
        return try await TestDatabase.withMigrated { url, client in
            try await setUp(client)
            var ids: [UUID] = []
            for index in 0..<count {
                let id = UUID()
                ids.append(id)
                try await client.query("insert into news_urls (id, url) values (\(id), \("https://x.test/\(index)"))", logger: logger)
            }
            let sink = PostgresSink(url: url, table: table, columns: SummaryColumns(renaming: columns), logger: logger)
            let frozen = ids
            return try await withServices([sink]) { try await body(sink, client, frozen) }
        }
    }

    @Test func upsertsEveryFieldAndNeverDuplicates() async throws {
        try await withSink(count: 3) { sink, client, ids in
            try await sink.prepare(context: context)
            let first = try await sink.write(ids.map { Self.record($0) }, context: context)
            #expect(first.rejected.isEmpty)
            let again = try await sink.write([Self.record(ids[0], text: "Updated.", hash: "def")], context: context)
            #expect(again.rejected.isEmpty)

            let rows = try await client.query(
                """
                select news_url_id, summary, key_points::text, players_mentioned::text, extra_fields::text, fallback_used,
                       total_tokens, tool_use_tokens, content_hash, cost_usd, created_at <= updated_at
                from context_summaries order by news_url_id
                """,
                logger: logger
            )
            var count = 0
            for try await (id, summary, points, players, extra, fallback, total, toolUse, hash, cost, ordered) in rows.decode(
                (UUID, String, String, String, String, Bool, Int, Int, String, Double, Bool).self
            ) {
                count += 1
                #expect(points == #"["a", "b"]"#)
                #expect(players == #"["Sam Ortiz"]"#)
                #expect(extra == #"{"venue": "home"}"#)
                #expect(fallback)
                #expect(total == 132 && toolUse == 5)
                #expect(cost == 0.0012)
                #expect(ordered)
                if id == ids[0] {
                    #expect(summary == "Updated." && hash == "def")
                } else {
                    #expect(summary == "The Pioneers won." && hash == "abc")
                }
            }
            #expect(count == 3)
        }
    }

    @Test func aBadRowIsIsolatedAndEveryGoodRowStored() async throws {
        try await withSink(count: 7) { sink, client, ids in
            var batch = ids.map { Self.record($0) }
            batch.insert(Self.record(UUID()), at: 3)  // no such news URL: a foreign-key violation
            var notAUUID = Self.record(ids[0])
            notAUUID.newsURLID = "not-a-uuid"
            batch.append(notAUUID)
            let receipt = try await sink.write(batch, context: context)
            #expect(receipt.rejected.count == 2)
            #expect(receipt.rejected[batch[3].newsURLID]?.code == "23503")
            #expect(receipt.rejected["not-a-uuid"]?.code == "22P02")
            #expect(receipt.rejected.values.allSatisfy { $0.kind == .invalidContent })
            let rows = try await client.query("select count(*) from context_summaries", logger: logger)
            for try await count in rows.decode(Int.self) { #expect(count == 7) }
        }
    }

    @Test(arguments: [100, 1_000])
    func aLargeBatchWithBadRowsStoresEveryGoodRow(size: Int) async throws {
        // 1,000 rows go out as four statements at once; a bad row in two of them is isolated in each.
        try await withSink(count: size - 2) { sink, client, ids in
            var batch = ids.map { Self.record($0) }
            let orphans = [Self.record(UUID()), Self.record(UUID())]
            batch.insert(orphans[0], at: size / 8)
            batch.insert(orphans[1], at: size - size / 8)
            let receipt = try await sink.write(batch, context: context)
            #expect(Set(receipt.rejected.keys) == Set(orphans.map(\.newsURLID)))
            #expect(receipt.rejected.values.allSatisfy { $0.code == "23503" })
            let rows = try await client.query("select count(*) from context_summaries", logger: logger)
            for try await count in rows.decode(Int.self) { #expect(count == size - 2) }
        }
    }

    @Test func aMissingTableFailsTheStartUpCheckWithTheMigrateHint() async throws {
        try await withSink(count: 0, table: "no_such_table") { sink, _, _ in
            do {
                try await sink.prepare(context: context)
                Issue.record("the check passed on a missing table")
            } catch {
                let failure = PipelineError.from(error)
                #expect(failure.kind == .misconfigured)
                #expect(failure.kind.stopsRun)
                #expect(failure.code == "42P01")
                #expect(failure.hint?.contains("summarize db migrate") == true)
            }
        }
    }

    @Test func columnsMapOntoAnExistingTable() async throws {
        let logger = logger
        try await withSink(
            count: 1,
            table: "legacy_summaries",
            columns: ["news_url_id": "url_id", "summary_text": "body", "extra_fields": nil, "llm_model": "model"],
            setUp: { client in
                // A table with only some of the columns, under other names.
                var columns = SummaryColumns.fields.filter { !["news_url_id", "summary_text", "extra_fields", "llm_model"].contains($0.field) }
                    .map { "\($0.field) \($0.sqlType)" }
                columns += ["url_id uuid primary key", "body text not null", "model text"]
                _ = try await client.query(
                    PostgresQuery(unsafeSQL: "create table legacy_summaries (\(columns.joined(separator: ", ")))"),
                    logger: logger
                )
            },
            { sink, client, ids in
                try await sink.prepare(context: context)
                #expect(try await sink.write([Self.record(ids[0])], context: context).rejected.isEmpty)
                let rows = try await client.query("select url_id, model, body from legacy_summaries", logger: logger)
                for try await (id, model, body) in rows.decode((UUID, String, String).self) {
                    #expect(id == ids[0])
                    #expect(model == "gemini-2.5-flash")
                    #expect(body.contains("The Pioneers won."))
                }
            }
        )
    }

    @Suite("postgres stages with an unreachable database")
    struct UnreachableDatabaseTests {
        @Test func theStartUpCheckAndTheSourceFailWithinTheirTimeout() async throws {
            let logger = TestDatabase.logger
            // Nothing listens on port 1 of the loopback address: every connection is refused.
            let url = try DatabaseURL("postgres://app:pw@127.0.0.1:1/news?sslmode=disable")
            let sink = PostgresSink(url: url, timeout: .milliseconds(500), logger: logger)
            var settings = PostgresSource.Settings()
            settings.timeout = .milliseconds(500)
            let source = PostgresSource(url: url, settings: settings, logger: logger)
            let (checked, read) = try await withServices([sink, source]) { () -> (PipelineError?, PipelineError?) in
                let context = StageContext(logger: logger)
                var checked: PipelineError?
                do { try await sink.prepare(context: context) } catch { checked = PipelineError.from(error) }
                var read: PipelineError?
                do {
                    for try await _ in source.items(ItemQuery(), context: context) {}
                } catch {
                    read = PipelineError.from(error)
                }
                return (checked, read)
            }
            #expect(checked?.kind == .misconfigured)
            #expect(checked?.message.contains("no answer within 0.5 s") == true)
            #expect(checked?.message.contains("pw") == false)
            #expect(read?.kind == .transient)
            #expect(read?.message.contains("reading news_urls at postgres://app:<redacted>@127.0.0.1:1/news") == true)
        }
    }

}
