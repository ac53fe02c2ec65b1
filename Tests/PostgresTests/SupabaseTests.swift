import Foundation
import Logging
import NewsTables
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

@testable import Postgres
@testable import Supabase

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A migrated database, a fake PostgREST in front of it, and a client on the database.
func withFakeSupabase<T: Sendable>(_ body: @escaping @Sendable (PostgresClient, FakePostgREST) async throws -> T) async throws -> T {
    let logger = TestDatabase.logger
    return try await TestDatabase.withMigrated { _, client in
        let fake = try await FakePostgREST.start(client: client, logger: logger)
        do {
            let result = try await body(client, fake)
            try await fake.shutdown()
            return result
        } catch {
            try? await fake.shutdown()
            throw error
        }
    }
}

@Suite("supabase source over a fake PostgREST on a real PostgreSQL", .enabled(if: TestDatabase.available))
struct SupabaseSourceTests {
    let logger = TestDatabase.logger

    static func drain(_ source: SupabaseSource, _ query: ItemQuery = ItemQuery(), logger: Logger) async throws -> [SourceElement] {
        try await withServices([source]) {
            var elements: [SourceElement] = []
            for try await element in source.items(query, context: StageContext(logger: logger)) { elements.append(element) }
            return elements
        }
    }

    static func source(_ fake: FakePostgREST, _ configure: (inout SupabaseSource.Settings) -> Void = { _ in }) -> SupabaseSource {
        var settings = SupabaseSource.Settings()
        configure(&settings)
        return SupabaseSource(projectURL: fake.projectURL, apiKey: fake.apiKey, settings: settings)
    }

    @Test func unsummarizedRowsArePagedInOrderOnceEachByTheDatabase() async throws {
        try await withFakeSupabase { client, fake in
            let rows = try await PostgresSourceTests.seed(client, count: 40, logger: logger)
            let summarized = Set(rows.prefix(6).map(\.id))
            for id in summarized {
                try await client.query(
                    "insert into context_summaries (news_url_id, summary_text, content_hash, prompt_version) values (\(id), 's', 'h', 'v')",
                    logger: logger
                )
            }
            // Given up on, and not due yet: both left out; due again: read.
            try await client.query("insert into summarization_attempts (news_url_id, attempts) values (\(rows[10].id), 5)", logger: logger)
            try await client.query(
                "insert into summarization_attempts (news_url_id, attempts, next_attempt_at) values (\(rows[11].id), 1, now() + interval '1 hour')",
                logger: logger
            )
            try await client.query(
                "insert into summarization_attempts (news_url_id, attempts, next_attempt_at) values (\(rows[12].id), 2, now() - interval '1 hour')",
                logger: logger
            )

            let elements = try await Self.drain(Self.source(fake) { $0.pageSize = 7 }, logger: logger)
            let expected = PostgresSourceTests.ordered(rows).filter { !summarized.contains($0) && $0 != rows[10].id && $0 != rows[11].id }
            #expect(PostgresSourceTests.ids(elements) == expected)
            let urls = elements.compactMap { if case .item(let item) = $0 { item.url } else { nil } }
            #expect(urls.allSatisfy { $0.contains("a%2Fb%26c%20") })
            // The database did the anti-join and the keyset paging: no ids were sent, no offsets.
            let reads = fake.requests.filter { $0.hasPrefix("GET /rest/v1/news_urls") }
            #expect(reads.count == (expected.count + 6) / 7)
            #expect(reads.allSatisfy { $0.contains("context_summaries=is.null") && !$0.contains("offset") })

            let all = try await Self.drain(
                Self.source(fake) {
                    $0.mode = .all
                    $0.pageSize = 9
                },
                logger: logger
            )
            #expect(PostgresSourceTests.ids(all) == PostgresSourceTests.ordered(rows))
            let stored = all.compactMap { if case .item(let item) = $0, item.storedSummary != nil { UUID(uuidString: item.id) } else { nil } }
            #expect(Set(stored) == summarized)
            let resummarized = try await Self.drain(Self.source(fake), ItemQuery(resummarize: true), logger: logger)
            #expect(PostgresSourceTests.ids(resummarized) == PostgresSourceTests.ordered(rows))
        }
    }

    @Test func filtersNarrowTheRowsAndLongIdListsAreChunked() async throws {
        try await withFakeSupabase { client, fake in
            let rows = try await PostgresSourceTests.seed(client, count: 260, logger: logger)
            let espn = try await Self.drain(Self.source(fake), ItemQuery(publisher: "ESPN"), logger: logger)
            #expect(Set(PostgresSourceTests.ids(espn)) == Set(rows.filter { $0.publisher == "ESPN" }.map(\.id)))

            let since = Date(timeIntervalSince1970: 1_700_000_000 + 100 * 60)
            let recent = try await Self.drain(Self.source(fake) { $0.since = since }, logger: logger)
            #expect(Set(PostgresSourceTests.ids(recent)) == Set(rows.filter { ($0.date ?? .distantPast) >= since }.map(\.id)))

            let wanted = rows.prefix(250).map { $0.id.uuidString } + ["not-an-id"]
            let before = fake.requests.count
            let picked = try await Self.drain(Self.source(fake), ItemQuery(ids: wanted), logger: logger)
            #expect(Set(PostgresSourceTests.ids(picked)) == Set(rows.prefix(250).map(\.id)))
            #expect(PostgresSourceTests.ids(picked).count == 250)
            #expect(picked.contains { if case .rejected(let rejection) = $0 { rejection.entry == "not-an-id" } else { false } })
            #expect(fake.requests.count - before == 3)

            let limited = try await Self.drain(Self.source(fake), ItemQuery(limit: 5), logger: logger)
            #expect(PostgresSourceTests.ids(limited) == Array(PostgresSourceTests.ordered(rows).prefix(5)))
            #expect(fake.requests.last?.contains("limit=5") == true)
        }
    }

    @Test func claimingWorkersShareTheTableAndFailuresAreRecorded() async throws {
        try await withFakeSupabase { client, fake in
            let rows = try await PostgresSourceTests.seed(client, count: 50, logger: logger)
            func worker(_ name: String) -> SupabaseSource {
                Self.source(fake) {
                    $0.mode = .claim
                    $0.worker = name
                    $0.claimBatchSize = 4
                }
            }
            async let first = Self.drain(worker("a"), logger: logger)
            async let second = Self.drain(worker("b"), logger: logger)
            let (one, two) = try await (PostgresSourceTests.ids(first), PostgresSourceTests.ids(second))
            #expect(Set(one).isDisjoint(with: two))
            #expect(Set(one + two) == Set(rows.map(\.id)))
            #expect(one.count + two.count == rows.count)
            #expect(fake.requests.contains { $0.hasPrefix("POST /rest/v1/rpc/claim_news_urls") })

            let source = worker("c")
            let failure = FailureRecord(
                item: WorkItem(id: rows[0].id.uuidString.lowercased(), url: "https://x.test/"),
                stage: .summarize,
                error: PipelineError(.invalidOutput, "bad reply"),
                failedAt: Date()
            )
            try await withServices([source]) { await source.recordFailure(failure, context: StageContext(logger: logger)) }
            let recorded = try await client.query(
                "select attempts, last_error_kind, claimed_by from summarization_attempts where news_url_id = \(rows[0].id)",
                logger: logger
            )
            var found = false
            for try await (attempts, kind, claimedBy) in recorded.decode((Int, String, String?).self) {
                found = true
                #expect(attempts == 1 && kind == "invalidOutput" && claimedBy == nil)
            }
            #expect(found)
        }
    }

    @Test func aSchemaWhoseClaimTakesNoPositionIsClaimedFromTheHead() async throws {
        try await withFakeSupabase { client, fake in
            let rows = try await PostgresSourceTests.seed(client, count: 30, logger: logger)
            // claim_news_urls as it was before migration 008: five arguments, no position.
            try await client.query(
                "alter function claim_news_urls(text, integer, integer, timestamptz, integer, timestamptz, uuid) rename to claim_news_urls_positioned",
                logger: logger
            )
            try await client.query(
                """
                create function claim_news_urls(worker text, batch_size int, lease_seconds int, at timestamptz default now(), max_item_attempts int default 5)
                returns setof news_urls language sql as $$ select * from claim_news_urls_positioned(worker, batch_size, lease_seconds, at, max_item_attempts) $$
                """,
                logger: logger
            )
            let logs = RecordingLogHandlerStore()
            let source = Self.source(fake) {
                $0.mode = .claim
                $0.claimBatchSize = 4
            }
            let elements = try await withServices([source]) {
                var elements: [SourceElement] = []
                for try await element in source.items(ItemQuery(), context: StageContext(logger: logs.logger())) { elements.append(element) }
                return elements
            }
            let ids = PostgresSourceTests.ids(elements)
            #expect(ids.count == 30 && Set(ids) == Set(rows.map(\.id)), "claimed \(ids.count) rows")
            let notices = logs.messages.filter { $0.contains("claim_news_urls takes no position here") }
            #expect(notices.count == 1, "\(logs.messages)")
        }
    }

    @Test func dateTextsWithMicrosecondsParse() {
        let date = SupabaseSource.date("2025-09-01T12:00:00.123456+00:00")
        #expect(date.map { abs($0.timeIntervalSince1970 - 1_756_728_000.123) < 0.001 } == true)
        #expect(SupabaseSource.date("2025-09-01T12:00:00+00:00") != nil)
        #expect(SupabaseSource.date("yesterday") == nil)
    }
}

@Suite("supabase sink over a fake PostgREST on a real PostgreSQL", .enabled(if: TestDatabase.available))
struct SupabaseSinkTests {
    let logger = TestDatabase.logger
    var context: StageContext { StageContext(logger: logger) }

    /// `count` news URLs and a running sink on the fake.
    func withSink<T: Sendable>(
        count: Int,
        table: String = "context_summaries",
        key: String? = nil,
        columns: [String: String?] = [:],
        _ body: @escaping @Sendable (SupabaseSink, PostgresClient, FakePostgREST, [UUID]) async throws -> T
    ) async throws -> T {
        let logger = logger
        return try await withFakeSupabase { client, fake in
            var ids: [UUID] = []
            for index in 0..<count {
                let id = UUID()
                ids.append(id)
                try await client.query("insert into news_urls (id, url) values (\(id), \("https://x.test/\(index)"))", logger: logger)
            }
            let sink = SupabaseSink(
                projectURL: fake.projectURL,
                apiKey: key ?? fake.apiKey,
                table: table,
                columns: SummaryColumns(renaming: columns)
            )
            let frozen = ids
            return try await withServices([sink]) { try await body(sink, client, fake, frozen) }
        }
    }

    @Test func writingTheSameRecordsTwiceLeavesOneUpdatedRowEach() async throws {
        try await withSink(count: 3) { sink, client, fake, ids in
            try await sink.prepare(context: context)
            #expect(try await sink.write(ids.map { PostgresSinkTests.record($0) }, context: context).rejected.isEmpty)
            let firstStamps = try await Self.stamps(client, logger: logger)
            try await Task.sleep(for: .milliseconds(20))
            let again = ids.map { PostgresSinkTests.record($0, text: "Updated.", hash: "def") }
            #expect(try await sink.write(again, context: context).rejected.isEmpty)
            let secondStamps = try await Self.stamps(client, logger: logger)
            #expect(secondStamps.count == 3)
            for (id, stamp) in secondStamps {
                #expect(stamp.created == firstStamps[id]?.created)
                #expect(stamp.updated > (firstStamps[id]?.updated ?? .distantFuture))
            }
            let rows = try await client.query(
                "select summary, content_hash, key_points::text, extra_fields::text, total_tokens, cost_usd from context_summaries",
                logger: logger
            )
            for try await (summary, hash, points, extra, total, cost) in rows.decode((String, String, String, String, Int, Double).self) {
                #expect(summary == "Updated." && hash == "def")
                #expect(points == #"["a", "b"]"# && extra == #"{"venue": "home"}"#)
                #expect(total == 132 && cost == 0.0012)
            }
            let upserts = fake.requests.filter { $0.hasPrefix("POST /rest/v1/context_summaries") }
            #expect(upserts.count == 2)
            #expect(upserts.allSatisfy { $0.contains("on_conflict=news_url_id") })
        }
    }

    static func stamps(_ client: PostgresClient, logger: Logger) async throws -> [UUID: (created: Date, updated: Date)] {
        var stamps: [UUID: (Date, Date)] = [:]
        let rows = try await client.query("select news_url_id, created_at, updated_at from context_summaries", logger: logger)
        for try await (id, created, updated) in rows.decode((UUID, Date, Date).self) { stamps[id] = (created, updated) }
        return stamps
    }

    @Test func aBatchOfAHundredWithOneBadRowStoresNinetyNine() async throws {
        try await withSink(count: 99) { sink, client, _, ids in
            var batch = ids.map { PostgresSinkTests.record($0) }
            let orphan = PostgresSinkTests.record(UUID())  // no such news URL: a foreign-key violation, 409
            batch.insert(orphan, at: 42)
            let receipt = try await sink.write(batch, context: context)
            #expect(receipt.rejected.count == 1)
            let rejection = try #require(receipt.rejected[orphan.newsURLID])
            #expect(rejection.code == "23503")
            #expect(rejection.kind == .invalidContent)
            #expect(rejection.message.contains("409") && rejection.message.contains("foreign key"))
            let rows = try await client.query("select count(*) from context_summaries", logger: logger)
            for try await count in rows.decode(Int.self) { #expect(count == 99) }
        }
    }

    @Test func transientFailuresAreThrownForTheRetryLayerWithTheServerHint() async throws {
        try await withSink(count: 1) { sink, _, fake, ids in
            fake.failNext(1, status: 503)
            do {
                _ = try await sink.write([PostgresSinkTests.record(ids[0])], context: context)
                Issue.record("a 503 was taken for success")
            } catch let error as PipelineError {
                #expect(error.kind == .transient && error.kind.isRetryable)
                #expect(error.code == "PGRST000")
            }
            // The next attempt (what the retry middleware makes) stores the row.
            #expect(try await sink.write([PostgresSinkTests.record(ids[0])], context: context).rejected.isEmpty)
        }
    }

    @Test func theStartUpCheckSaysWhatIsWrong() async throws {
        try await withSink(count: 0, key: "wrong-key") { sink, _, _, _ in
            let failure = await Self.checkFailure(sink)
            #expect(failure?.kind == .unauthorized)
            #expect(failure?.hint?.contains("SUPABASE_SERVICE_KEY") == true)
            #expect(failure?.message.contains("wrong-key") == false)
        }
        try await withSink(count: 0, table: "no_such_table") { sink, _, _, _ in
            let failure = await Self.checkFailure(sink)
            #expect(failure?.kind == .misconfigured)
            #expect(failure?.code == "42P01")
            #expect(failure?.hint?.contains("summarize db schema") == true)
        }
        // Nothing listens on port 1: a wrong URL.
        let nowhere = SupabaseSink(projectURL: "http://127.0.0.1:1", apiKey: "k", timeout: .seconds(2))
        let failure = try await withServices([nowhere]) { await Self.checkFailure(nowhere) }
        #expect(failure?.kind == .misconfigured)
        #expect(failure?.message.contains("127.0.0.1:1") == true)
    }

    static func checkFailure(_ sink: SupabaseSink) async -> PipelineError? {
        do {
            try await sink.prepare(context: StageContext(logger: TestDatabase.logger))
            return nil
        } catch {
            return PipelineError.from(error)
        }
    }

    @Test func aConflictTargetWithoutAUniqueConstraintStopsTheRunInsteadOfBlamingRows() async throws {
        try await withFakeSupabase { client, fake in
            // An existing table whose url_id is not unique: PostgreSQL refuses the upsert (42P10).
            try await client.query("create table loose_summaries (url_id uuid, body text not null)", logger: logger)
            let sink = SupabaseSink(
                projectURL: fake.projectURL,
                apiKey: fake.apiKey,
                table: "loose_summaries",
                columns: SummaryColumns(
                    renaming: Dictionary(uniqueKeysWithValues: SummaryColumns.fieldNames.map { ($0, nil) }).merging(
                        ["news_url_id": "url_id", "summary_text": "body"],
                        uniquingKeysWith: { $1 }
                    )
                )
            )
            try await withServices([sink]) {
                try await sink.prepare(context: context)
                do {
                    _ = try await sink.write([PostgresSinkTests.record(UUID())], context: context)
                    Issue.record("the write succeeded without a unique constraint")
                } catch let error as PipelineError {
                    #expect(error.code == "42P10")
                    #expect(error.kind == .misconfigured && error.kind.stopsRun)
                }
            }
        }
    }
}

@Suite("fake PostgREST speaks PostgREST's errors", .enabled(if: TestDatabase.available))
struct FakePostgRESTTests {
    let logger = TestDatabase.logger

    static func send(
        _ fake: FakePostgREST,
        _ method: String,
        _ path: String,
        body: String? = nil,
        prefer: String? = nil,
        key: String? = nil
    )
        async throws -> (status: Int, json: [String: Any])
    {
        var request = URLRequest(url: URL(string: fake.projectURL + path)!)
        request.httpMethod = method
        request.setValue(key ?? fake.apiKey, forHTTPHeaderField: "apikey")
        request.setValue("Bearer \(key ?? fake.apiKey)", forHTTPHeaderField: "Authorization")
        if let prefer { request.setValue(prefer, forHTTPHeaderField: "Prefer") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    @Test func statusesAndCodesFollowPostgREST() async throws {
        try await withFakeSupabase { client, fake in
            let id = UUID()
            try await client.query("insert into news_urls (id, url) values (\(id), 'https://x.test/1')", logger: logger)
            let row = #"[{"news_url_id": "\#(id.uuidString.lowercased())", "summary_text": "s"}]"#

            let created = try await Self.send(fake, "POST", "/rest/v1/context_summaries", body: row)
            #expect(created.status == 201)
            let duplicate = try await Self.send(fake, "POST", "/rest/v1/context_summaries", body: row)
            #expect(duplicate.status == 409 && duplicate.json["code"] as? String == "23505")
            let merged = try await Self.send(
                fake,
                "POST",
                "/rest/v1/context_summaries?on_conflict=news_url_id",
                body: row,
                prefer: "resolution=merge-duplicates,return=minimal"
            )
            #expect(merged.status == 201)
            let noUnique = try await Self.send(
                fake,
                "POST",
                "/rest/v1/context_summaries?on_conflict=summary_text",
                body: row,
                prefer: "resolution=merge-duplicates"
            )
            #expect(noUnique.status == 400 && noUnique.json["code"] as? String == "42P10")
            let mixed = try await Self.send(
                fake,
                "POST",
                "/rest/v1/context_summaries",
                body: #"[{"news_url_id": "\#(id.uuidString.lowercased())"}, {"summary_text": "s"}]"#
            )
            #expect(mixed.status == 400 && mixed.json["code"] as? String == "PGRST102")
            let notNull = try await Self.send(
                fake,
                "POST",
                "/rest/v1/context_summaries",
                body: #"[{"news_url_id": "\#(UUID().uuidString)", "summary_text": null}]"#
            )
            #expect(notNull.status == 400 && notNull.json["code"] as? String == "23502")
            let badKey = try await Self.send(fake, "GET", "/rest/v1/news_urls?select=id", key: "nope")
            #expect(badKey.status == 401)
            let missing = try await Self.send(fake, "GET", "/rest/v1/nothing_here?select=id")
            #expect(missing.status == 404 && missing.json["code"] as? String == "42P01")
        }
    }
}
