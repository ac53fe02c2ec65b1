import Builtins
import Foundation
import HTMLExtraction
import Logging
import NewsTables
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing
import WebFetch

@testable import Postgres

@Suite("postgres source on a real PostgreSQL", .enabled(if: TestDatabase.available))
struct PostgresSourceTests {
    let logger = TestDatabase.logger

    /// Drains `source` while its pool runs.
    static func drain(_ source: PostgresSource, _ query: ItemQuery = ItemQuery(), logger: Logger) async throws -> [SourceElement] {
        try await withServices([source]) {
            var elements: [SourceElement] = []
            for try await element in source.items(query, context: StageContext(logger: logger)) { elements.append(element) }
            return elements
        }
    }

    static func ids(_ elements: [SourceElement]) -> [UUID] {
        elements.compactMap { if case .item(let item) = $0 { UUID(uuidString: item.id) } else { nil } }
    }

    /// Rows with dates (some equal, some null), publishers, and URLs that must not be decoded.
    static func seed(_ client: PostgresClient, count: Int, logger: Logger) async throws -> [(id: UUID, date: Date?, publisher: String)] {
        var rows: [(UUID, Date?, String)] = []
        for index in 0..<count {
            let id = UUID()
            // Every fifth undated; dates repeat in pairs so the id breaks ties.
            let date: Date? = index % 5 == 0 ? nil : Date(timeIntervalSince1970: 1_700_000_000 + Double(index / 2) * 60)
            let publisher = index % 2 == 0 ? "ESPN" : "AP"
            try await client.query(
                "insert into news_urls (id, url, publication_date, publisher) values (\(id), \("https://x.test/a%2Fb%26c%20\(index)"), \(date), \(publisher))",
                logger: logger
            )
            rows.append((id, date, publisher))
        }
        return rows
    }

    /// The design's order: newest first, undated last, id descending within a date.
    static func ordered(_ rows: [(id: UUID, date: Date?, publisher: String)]) -> [UUID] {
        rows.sorted { lhs, rhs in
            switch (lhs.date, rhs.date) {
            case (let l?, let r?): l != r ? l > r : lhs.id.uuidString.lowercased() > rhs.id.uuidString.lowercased()
            case (nil, nil): lhs.id.uuidString.lowercased() > rhs.id.uuidString.lowercased()
            case (nil, _): false
            case (_, nil): true
            }
        }.map(\.id)
    }

    @Test func unsummarizedRowsArePagedInOrderOnceEachWithoutDecodingURLs() async throws {
        try await TestDatabase.withMigrated { url, client in
            let rows = try await Self.seed(client, count: 40, logger: logger)
            let summarized = Set(rows.prefix(6).map(\.id))
            for id in summarized {
                try await client.query("insert into context_summaries (news_url_id, summary_text) values (\(id), 's')", logger: logger)
            }
            // Given up on, and not due yet: both left out.
            try await client.query(
                "insert into summarization_attempts (news_url_id, attempts) values (\(rows[10].id), 5)",
                logger: logger
            )
            try await client.query(
                "insert into summarization_attempts (news_url_id, attempts, next_attempt_at) values (\(rows[11].id), 1, now() + interval '1 hour')",
                logger: logger
            )

            var settings = PostgresSource.Settings()
            settings.pageSize = 7
            let elements = try await Self.drain(PostgresSource(url: url, settings: settings, logger: logger), logger: logger)
            let expected = Self.ordered(rows).filter { !summarized.contains($0) && $0 != rows[10].id && $0 != rows[11].id }
            #expect(Self.ids(elements) == expected)
            let urls = elements.compactMap { if case .item(let item) = $0 { item.url } else { nil } }
            #expect(urls.allSatisfy { $0.contains("a%2Fb%26c%20") })

            settings.mode = .all
            let all = try await Self.drain(PostgresSource(url: url, settings: settings, logger: logger), logger: logger)
            #expect(Self.ids(all) == Self.ordered(rows))
            settings.mode = .unsummarized
            let resummarized = try await Self.drain(
                PostgresSource(url: url, settings: settings, logger: logger),
                ItemQuery(resummarize: true),
                logger: logger
            )
            #expect(Self.ids(resummarized) == Self.ordered(rows))
        }
    }

    @Test func pagesContinueExactlyAfterRowsWithMicrosecondDates() async throws {
        try await TestDatabase.withMigrated { url, client in
            // 100 pairs of rows sharing a date with microseconds, so that every page of one row
            // ends between two rows of the same date: the position is a decoded Date bound back,
            // and were it a microsecond off (the driver truncates when it encodes), the second row
            // of each pair would be skipped.
            try await client.query(
                """
                insert into news_urls (url, publication_date)
                select 'https://micro.test/' || g, timestamptz '2026-03-01 12:00:00+00' + (g / 2) * interval '1 second 123457 microseconds'
                from generate_series(0, 199) g
                """,
                logger: logger
            )
            var settings = PostgresSource.Settings()
            settings.pageSize = 1
            let elements = try await Self.drain(PostgresSource(url: url, settings: settings, logger: logger), logger: logger)
            #expect(Set(Self.ids(elements)).count == 200, "read \(Self.ids(elements).count) of 200 rows")

            // Claims from a position behave the same: every row once.
            settings.mode = .claim
            settings.claimBatchSize = 1
            let claimed = try await Self.drain(PostgresSource(url: url, settings: settings, logger: logger), logger: logger)
            #expect(Self.ids(claimed).count == 200 && Set(Self.ids(claimed)).count == 200, "claimed \(Self.ids(claimed).count)")
        }
    }

    @Test func filtersNarrowTheRowsAndBadIdsAreRejected() async throws {
        try await TestDatabase.withMigrated { url, client in
            let rows = try await Self.seed(client, count: 20, logger: logger)
            // A client runs once: one source per read.
            func source() -> PostgresSource { PostgresSource(url: url, settings: PostgresSource.Settings(), logger: logger) }
            let espn = try await Self.drain(source(), ItemQuery(publisher: "ESPN"), logger: logger)
            #expect(Set(Self.ids(espn)) == Set(rows.filter { $0.publisher == "ESPN" }.map(\.id)))

            let wanted = [rows[3].id.uuidString, rows[7].id.uuidString.lowercased(), "not-an-id"]
            let picked = try await Self.drain(source(), ItemQuery(ids: wanted), logger: logger)
            #expect(Set(Self.ids(picked)) == [rows[3].id, rows[7].id])
            #expect(picked.contains { if case .rejected(let rejection) = $0 { rejection.entry == "not-an-id" } else { false } })
        }
    }

    @Test func twoClaimingWorkersShareTheTableWithoutOverlap() async throws {
        try await TestDatabase.withMigrated { url, client in
            let rows = try await Self.seed(client, count: 50, logger: logger)
            func worker(_ name: String) -> PostgresSource {
                var settings = PostgresSource.Settings()
                settings.mode = .claim
                settings.worker = name
                settings.claimBatchSize = 4
                return PostgresSource(url: url, settings: settings, logger: logger)
            }
            let (a, b) = (worker("a"), worker("b"))
            async let first = Self.drain(a, logger: logger)
            async let second = Self.drain(b, logger: logger)
            let (one, two) = try await (Self.ids(first), Self.ids(second))
            #expect(Set(one).isDisjoint(with: two))
            #expect(Set(one + two) == Set(rows.map(\.id)))
            #expect(one.count + two.count == rows.count)
        }
    }

    @Test func aRunFromTheTableIntoTheTableSummarizesEachRowOnceAndARerunFindsNothing() async throws {
        let pages = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/pages")
        let names = ["week9-recap", "trade-deadline-soup", "preview-week10", "column-analysis"]
        let noArticle = pages.appendingPathComponent("section-index-no-article.html").absoluteString
        try await TestDatabase.withMigrated { url, client in
            for name in names {
                let file = pages.appendingPathComponent("\(name).html").absoluteString
                try await client.query("insert into news_urls (id, url) values (\(UUID()), \(file))", logger: logger)
            }
            try await client.query("insert into news_urls (id, url) values (\(UUID()), \(noArticle))", logger: logger)
            func run(_ mode: PostgresSource.Mode = .unsummarized, model: String = "mock-extractive-1") async -> RunReport {
                var settings = PostgresSource.Settings()
                settings.mode = mode
                let source = PostgresSource(url: url, settings: settings, logger: logger)
                let sink = PostgresSink(url: url, logger: logger)
                let pipeline = Pipeline(
                    source: PipelineStage(type: "postgres", component: source),
                    fetcher: PipelineStage(type: "file", component: FileFetcher()),
                    extractor: PipelineStage(type: "readability", component: ReadabilityExtractor()),
                    summarizer: PipelineStage(
                        type: "mock",
                        component: MockSummarizer(
                            configuration: {
                                var mock = MockSummarizer.Configuration()
                                mock.model = model
                                return mock
                            }(),
                            prompt: SummaryPrompt(maxInputTokens: model == "mock-extractive-1" ? 30_000 : 20_000)
                        )
                    ),
                    sinks: [PipelineStage(type: "postgres", component: sink)],
                    deadLetter: PipelineStage(type: "memory", component: InMemoryDeadLetterSink()),
                    services: [source, sink]
                )
                return await Orchestrator(pipeline: pipeline, settings: RunSettings(concurrency: 2, batchSize: 3), logger: logger).run()
            }
            let first = await run()
            #expect(first.written == names.count, "\(first.render())")
            #expect(first.failed == 1)
            // The failed row is not due again yet, the rest are done: a rerun finds nothing.
            let second = await run()
            #expect(second.itemsRead == 0)
            let attempts = try await client.query(
                "select attempts, last_error_kind, next_attempt_at > now() from summarization_attempts",
                logger: logger
            )
            var recorded = 0
            for try await (count, kind, later) in attempts.decode((Int, String, Bool).self) {
                recorded += 1
                #expect(count == 1 && kind == "invalidContent" && later)
            }
            #expect(recorded == 1)

            // Re-summarizing everything: unchanged text under the same prompt is skipped before
            // the LLM call; a changed prompt summarizes again.
            let same = await run(.all)
            #expect(same.skipped == names.count, "\(same.render())")
            #expect(same.written == 0)
            let changed = await run(.all, model: "mock-other")
            #expect(changed.written == names.count)
            #expect(changed.skipped == 0)
            let rows = try await client.query(
                "select count(*), count(distinct news_url_id), bool_and(summary_text <> '' and prompt_version is not null) from context_summaries",
                logger: logger
            )
            for try await (count, distinct, complete) in rows.decode((Int, Int, Bool).self) {
                #expect(count == names.count && distinct == names.count && complete)
            }
        }
    }
}
