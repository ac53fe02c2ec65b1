import Foundation
import Logging
import NewsTables
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

@testable import Postgres

@Suite("Shipped schema and migrations")
struct StatementSplitterTests {
    @Test func statementsSplitOutsideQuotesCommentsAndDollarBodies() {
        let sql = """
            -- a comment; with a semicolon
            create table t (a text default 'x;y', "we;ird" int); /* block; comment */
            create function f() returns int language plpgsql as $$ begin return 1; end; $$;
            create function g() returns text language sql as $body$ select 'it''s; fine' $body$;
            select 1
            """
        #expect(
            Migrations.statements(in: sql) == [
                #"create table t (a text default 'x;y', "we;ird" int)"#,
                "create function f() returns int language plpgsql as $$ begin return 1; end; $$",
                "create function g() returns text language sql as $body$ select 'it''s; fine' $body$",
                "select 1",
            ]
        )
    }

    @Test func theShippedSchemaDeclaresWhatTheSinksAndClaimingNeed() throws {
        let script = try Migrations.script()
        for needle in [
            "create table if not exists news_urls", "create table if not exists context_summaries", "unique references news_urls",
            "create table if not exists summarization_attempts", "create or replace function claim_news_urls",
            "for update of n skip locked", "prompt_version", "content_hash", "fallback_used",
        ] {
            #expect(script.contains(needle), "\(needle)")
        }
    }

    @Test func databaseURLsParseAndNeverShowThePassword() throws {
        let url = try DatabaseURL("postgres://app:s3cr%40t@db.example:6543/news?sslmode=require")
        #expect(url.host == "db.example" && url.port == 6543 && url.username == "app" && url.database == "news")
        #expect(url.password == "s3cr@t")
        #expect(url.tls == .require)
        #expect(url.description == "postgres://app:<redacted>@db.example:6543/news")
        #expect(throws: PipelineError.self) { try DatabaseURL("mysql://x@y/z") }
        #expect(throws: PipelineError.self) { try DatabaseURL("postgres://x@y/z?sslmode=sometimes") }
    }
}

@Suite("Schema, migrations and claiming on a real PostgreSQL", .enabled(if: TestDatabase.available))
struct DatabaseTests {
    let logger = TestDatabase.logger

    /// The original project's later schema: context_summaries with only a plain index on
    /// news_url_id. The sink's start-up check and `migrate` name the duplicates; once they are
    /// resolved, `migrate` adds the constraint and the sink works.
    @Test func aSummariesTableWithoutItsUniqueKeyIsFixedByMigrateOrExplained() async throws {
        try await TestDatabase.with { url in
            try await withPostgresClient(url, logger: logger) { client in
                try await client.query(
                    """
                    create table news_urls (id uuid primary key default gen_random_uuid(), url text unique not null, title text,
                        description text, publication_date timestamptz, source_name text, publisher text)
                    """,
                    logger: logger
                )
                try await client.query(
                    """
                    create table context_summaries (id uuid primary key default gen_random_uuid(),
                        news_url_id uuid not null references news_urls (id) on delete cascade, summary_text text not null,
                        llm_model text, fallback_used boolean default false, generated_at timestamptz default now(),
                        created_at timestamptz, updated_at timestamptz)
                    """,
                    logger: logger
                )
                try await client.query("create index context_summaries_news_url_id on context_summaries (news_url_id)", logger: logger)
                try await client.query("insert into news_urls (url) values ('https://a.example/1'), ('https://a.example/2')", logger: logger)
                try await client.query(
                    "insert into context_summaries (news_url_id, summary_text, updated_at) select id, 'old', now() - interval '1 day' from news_urls",
                    logger: logger
                )
                try await client.query(
                    "insert into context_summaries (news_url_id, summary_text, updated_at) select id, 'new', now() from news_urls",
                    logger: logger
                )

                let sink = PostgresSink(url: url, logger: logger)
                let context = StageContext(logger: logger)
                try await withServices([sink]) {
                    do {
                        try await sink.prepare(context: context)
                        Issue.record("the start-up check passed without a unique key")
                    } catch let error as PipelineError {
                        #expect(error.kind == .misconfigured && error.code == "42P10")
                        #expect(error.message.contains("2 news_url_id values have more than one row"), "\(error)")
                        #expect(error.hint?.contains("delete from context_summaries") == true)
                    }
                }

                do {
                    try await Migrations.migrate(client, logger: logger)
                    Issue.record("migrate added a unique key over duplicates")
                } catch {
                    let failure = pipelineError(fromDatabase: error, doing: "migrating")
                    #expect(failure.message.contains("2 news_url_id values with more than one row"), "\(failure)")
                    #expect(failure.message.contains("delete from context_summaries c using context_summaries d"), "\(failure)")
                }
                // The hint's SQL keeps the newest row of each; then migrate adds the key.
                try await client.query(PostgresQuery(unsafeSQL: UniqueKeyProblem.resolvingSQL()), logger: logger)
                _ = try await Migrations.migrate(client, logger: logger)
                for try await (rows, newest) in try await client.query(
                    "select count(*), bool_and(summary_text = 'new') from context_summaries",
                    logger: logger
                ).decode((Int, Bool).self) {
                    #expect(rows == 2 && newest)
                }
                let fixed = PostgresSink(url: url, logger: logger)
                try await withServices([fixed]) { try await fixed.prepare(context: context) }
            }
        }
    }

    @Test func migratingTwiceAppliesOnceAndTimestampsBehave() async throws {
        try await TestDatabase.with { url in
            try await withPostgresClient(url, logger: logger) { client in
                #expect(
                    try await Migrations.migrate(client, logger: logger) == [
                        "001_schema", "002_fast_writes", "003_delivery", "004_claim_queue", "005_shared_rate_limits",
                        "006_shared_cost_budgets", "007_claim_plan", "008_claim_from_position", "009_cost_budget_notify",
                    ]
                )
                #expect(try await Migrations.migrate(client, logger: logger).isEmpty)
                // The SQL itself is safe to run twice too (e.g. pasted into Supabase's editor).
                for migration in try Migrations.all() {
                    for statement in Migrations.statements(in: migration.sql) {
                        try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                }

                let id = UUID()
                try await client.query("insert into news_urls (id, url) values (\(id), 'https://x.test/a')", logger: logger)
                try await client.query(
                    "insert into context_summaries (news_url_id, summary_text, created_at) values (\(id), 'one', '2001-01-01')",
                    logger: logger
                )
                try await client.query(
                    """
                    insert into context_summaries (news_url_id, summary_text, created_at) values (\(id), 'two', '2030-01-01')
                    on conflict (news_url_id) do update set summary_text = excluded.summary_text, created_at = excluded.created_at
                    """,
                    logger: logger
                )
                let rows = try await client.query(
                    "select summary_text, created_at, updated_at, updated_at > created_at from context_summaries",
                    logger: logger
                )
                var seen = 0
                for try await (text, created, _, later) in rows.decode((String, Date, Date, Bool).self) {
                    seen += 1
                    #expect(text == "two")
                    #expect(created == ISO8601.date(from: "2001-01-01T00:00:00Z"))
                    #expect(later)
                }
                #expect(seen == 1)
            }
        }
    }

    /// Inserts `count` news URLs, every third with a null date, the first `summarized` summarized.
    static func seed(_ client: PostgresClient, count: Int, summarized: Int, logger: Logger) async throws -> [UUID] {
        var ids: [UUID] = []
        for index in 0..<count {
            let id = UUID()
            ids.append(id)
            let date: Date? = index % 3 == 0 ? nil : Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 3600)
            try await client.query(
                "insert into news_urls (id, url, publication_date) values (\(id), \("https://x.test/\(index)"), \(date))",
                logger: logger
            )
            if index < summarized {
                try await client.query("insert into context_summaries (news_url_id, summary_text) values (\(id), 's')", logger: logger)
            }
        }
        return ids
    }

    static func claim(_ client: PostgresClient, worker: String, batch: Int, at: Date, logger: Logger) async throws -> [UUID] {
        var ids: [UUID] = []
        do {
            let rows = try await client.query("select id from claim_news_urls(\(worker), \(Int32(batch)), 60, \(at))", logger: logger)
            for try await id in rows.decode(UUID.self) { ids.append(id) }
        } catch {
            throw pipelineError(fromDatabase: error, doing: "claiming")
        }
        return ids
    }

    @Test func claimsAreDisjointOrderedAndComeBackWhenTheLeaseExpires() async throws {
        try await TestDatabase.withMigrated { _, client in
            let ids = try await Self.seed(client, count: 12, summarized: 2, logger: logger)
            let now = Date(timeIntervalSince1970: 1_800_000_000)

            let first = try await Self.claim(client, worker: "a", batch: 4, at: now, logger: logger)
            let second = try await Self.claim(client, worker: "b", batch: 100, at: now, logger: logger)
            #expect(first.count == 4)
            #expect(second.count == 6)
            #expect(Set(first).isDisjoint(with: second))
            #expect(Set(first + second) == Set(ids[2...]))
            // Newest first, rows without a date last (none skipped).
            #expect(first == [ids[11], ids[10], ids[8], ids[7]])
            #expect(second.suffix(3).allSatisfy { [ids[3], ids[6], ids[9]].contains($0) })

            #expect(try await Self.claim(client, worker: "c", batch: 10, at: now.addingTimeInterval(59), logger: logger).isEmpty)
            let back = try await Self.claim(client, worker: "c", batch: 100, at: now.addingTimeInterval(61), logger: logger)
            #expect(Set(back) == Set(ids[2...]))
        }
    }

    /// The rows of the claim queue, and which of them are given up on.
    static func queue(_ client: PostgresClient, logger: Logger) async throws -> (ids: Set<UUID>, givenUp: Set<UUID>) {
        var ids: Set<UUID> = []
        var givenUp: Set<UUID> = []
        for try await (id, flag) in try await client.query("select news_url_id, given_up from news_url_queue", logger: logger)
            .decode((UUID, Bool).self)
        {
            ids.insert(id)
            if flag { givenUp.insert(id) }
        }
        return (ids, givenUp)
    }

    @Test func aClaimReadsAboutItsBatchWhateverTheStatisticsSay() async throws {
        try await TestDatabase.withMigrated { url, client in
            try await client.withConnection { connection in
                // The state autovacuum's analyze saw when claims fell to a quarter of their rate
                // at a million rows: half the rows claimed (as many attempts rows as queued rows).
                try await connection.query(
                    "insert into news_urls (url, publication_date) select 'https://plan.test/' || g, now() - g * interval '1 minute' from generate_series(1, 6000) g",
                    logger: logger
                )
                try await connection.query("select count(*) from claim_news_urls('early', 3000, 600)", logger: logger)
                // Vacuumed too, so the claimed rows' index entries are not walked either.
                try await connection.query("vacuum analyze", logger: logger)
                let before = try await Self.tuplesRead(connection, logger: logger)
                try await connection.query("select count(*) from claim_news_urls('probe', 10, 600)", logger: logger)
                let after = try await Self.tuplesRead(connection, logger: logger)
                let read = after.merging(before) { $0 - $1 }
                // 10 rows claimed from a queue of 3,000: the walk reads about the batch, and no
                // table is read whole.
                #expect((10...50).contains(read["news_url_queue.news_url_queue_claim_position"] ?? 0), "\(read)")
                #expect(read["news_url_queue.seq"] == 0 && read["summarization_attempts.seq"] == 0, "\(read)")
                // The claimed rows leave the queue by their tuple ids, not by a second lookup of
                // each key in the primary key (random uuids put each in its own page of a big one).
                #expect(read["news_url_queue.news_url_queue_pkey"] == 0, "\(read)")
            }
        }
    }

    @Test func aClaimFromAPositionSkipsTheRowsClaimedBeforeItAndStillFindsNewerOnes() async throws {
        try await TestDatabase.withMigrated { _, client in
            try await client.withConnection { connection in
                // 3,000 rows, the oldest 300 undated (last in claim order).
                try await connection.query(
                    """
                    insert into news_urls (url, publication_date)
                    select 'https://position.test/' || g, case when g > 2700 then null else now() - g * interval '1 minute' end
                    from generate_series(1, 3000) g
                    """,
                    logger: logger
                )
                var handedOut: [UUID] = []
                var position = try await Self.claimRows(connection, batch: 2000, after: nil, logger: logger)
                handedOut += position.map(\.id)

                // The next claim from the last row's position reads about its batch, where one from
                // the head walks past the 2,000 claimed rows' index entries first.
                let before = try await Self.tuplesRead(connection, logger: logger)
                let next = try await Self.claimRows(connection, batch: 10, after: position.last, logger: logger)
                let after = try await Self.tuplesRead(connection, logger: logger)
                let read =
                    (after["news_url_queue.news_url_queue_claim_position"] ?? 0) - (before["news_url_queue.news_url_queue_claim_position"] ?? 0)
                #expect((10...50).contains(read), "read \(read) index entries for 10 rows")
                let ordered = try await Self.claimOrder(connection, except: handedOut, logger: logger)
                #expect(next.map(\.id) == Array(ordered.prefix(10)), "the 10 rows right after the position")
                handedOut += next.map(\.id)
                let fromHead = try await Self.claimRows(connection, batch: 10, after: nil, logger: logger)
                let afterHead = try await Self.tuplesRead(connection, logger: logger)
                #expect(
                    (afterHead["news_url_queue.news_url_queue_claim_position"] ?? 0) - (after["news_url_queue.news_url_queue_claim_position"] ?? 0)
                        >= 1000,
                    "a walk from the head passes the claimed rows"
                )
                handedOut += fromHead.map(\.id)

                // A row newer than the position is not met from it; once the rows after the
                // position run out, the claim goes on from the head and finds it.
                try await connection.query(
                    "insert into news_urls (url, publication_date) values ('https://position.test/new', now())",
                    logger: logger
                )
                position = try await Self.claimRows(connection, batch: 800, after: fromHead.last, logger: logger)
                #expect(position.count == 800 && !position.contains { ($0.date ?? .distantPast) > Date().addingTimeInterval(-30) })
                #expect(position.suffix(120).allSatisfy { $0.date == nil } && position.dropLast(120).allSatisfy { $0.date != nil })
                handedOut += position.map(\.id)
                // From a position among the undated rows (ordered by id), the claim takes the 180
                // undated rows after it, then goes on from the head for the rest of its batch.
                let rest = try await Self.claimRows(connection, batch: 1000, after: position.dropLast(20).last, logger: logger)
                handedOut += rest.map(\.id)
                #expect(rest.count == 181, "the 180 undated rows after the position and the new row")
                #expect(rest.contains { $0.date != nil }, "the new row, found from the head")

                #expect(handedOut.count == 3001 && Set(handedOut).count == 3001, "every row exactly once")
            }
        }
    }

    /// Claims `batch` rows for worker `w`, starting after `after` (the head when `nil`); returns
    /// them in claim order with their dates.
    static func claimRows(
        _ connection: PostgresConnection,
        batch: Int,
        after: (id: UUID, date: Date?)?,
        logger: Logger
    ) async throws -> [(id: UUID, date: Date?)] {
        var rows: [(id: UUID, date: Date?)] = []
        do {
            for try await (id, date) in try await connection.query(
                """
                select id, publication_date from claim_news_urls('w', \(Int32(batch)), 600, now(), 5, \(after?.date)::timestamptz, \(after?.id)::uuid)
                """,
                logger: logger
            ).decode((UUID, Date?).self) {
                rows.append((id, date))
            }
        } catch {
            throw pipelineError(fromDatabase: error, doing: "claiming")
        }
        return rows
    }

    /// The unclaimed news URLs in claim order, leaving out `except`.
    static func claimOrder(_ connection: PostgresConnection, except: [UUID], logger: Logger) async throws -> [UUID] {
        var ids: [UUID] = []
        for try await id in try await connection.query(
            "select id from news_urls where id <> all(\(except)) order by publication_date desc nulls last, id desc",
            logger: logger
        ).decode(UUID.self) {
            ids.append(id)
        }
        return ids
    }

    /// Index and sequential tuples read so far from the claim's tables, by `table.index` and
    /// `table.seq`, with this session's counts flushed first.
    static func tuplesRead(_ connection: PostgresConnection, logger: Logger) async throws -> [String: Int64] {
        try await connection.query("select pg_stat_force_next_flush()", logger: logger)
        // The flush happens once the session is idle; each statement then reads a fresh snapshot.
        try await Task.sleep(for: .milliseconds(200))
        var counts: [String: Int64] = [:]
        for try await (name, count) in try await connection.query(
            """
            select relname || '.' || indexrelname, idx_tup_read from pg_stat_user_indexes
            where relname in ('news_url_queue', 'summarization_attempts')
            union all
            select relname || '.seq', coalesce(seq_tup_read, 0) from pg_stat_user_tables
            where relname in ('news_url_queue', 'summarization_attempts')
            """,
            logger: logger
        ).decode((String, Int64).self) {
            counts[name] = count
        }
        return counts
    }

    @Test func theClaimQueueFollowsNewURLsSummariesAndFailures() async throws {
        try await TestDatabase.withMigrated { _, client in
            let ids = try await Self.seed(client, count: 6, summarized: 2, logger: logger)
            #expect(try await Self.queue(client, logger: logger).ids == Set(ids[2...]))

            // A summary takes its row out (an upsert batch included); deleting it puts the row back.
            try await client.query(
                "insert into context_summaries (news_url_id, summary_text) values (\(ids[2]), 's'), (\(ids[3]), 's')",
                logger: logger
            )
            #expect(try await Self.queue(client, logger: logger).ids == Set(ids[4...]))
            try await client.query("delete from context_summaries where news_url_id = \(ids[3])", logger: logger)
            #expect(try await Self.queue(client, logger: logger).ids == Set([ids[3]] + ids[4...]))

            // A moved publication date moves the queue row with it.
            try await client.query("update news_urls set publication_date = '2030-01-01' where id = \(ids[5])", logger: logger)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            #expect(try await Self.claim(client, worker: "a", batch: 1, at: now, logger: logger) == [ids[5]])

            // The failure that reaches the source's limit gives the row up; one below it only delays it.
            for _ in 0..<2 {
                try await client.query("select record_summarization_failure(\(ids[4]), 'transient', 'x', now(), 3)", logger: logger)
            }
            #expect(try await Self.queue(client, logger: logger).givenUp.isEmpty)
            try await client.query("select record_summarization_failure(\(ids[4]), 'transient', 'x', now(), 3)", logger: logger)
            #expect(try await Self.queue(client, logger: logger).givenUp == [ids[4]])
            let later = now.addingTimeInterval(3 * 86_400)
            #expect(try await !Self.claim(client, worker: "b", batch: 10, at: later, logger: logger).contains(ids[4]))

            // Emptying the tables as a test or an operator would: every row is back and due.
            try await client.query("truncate context_summaries, summarization_attempts", logger: logger)
            let queue = try await Self.queue(client, logger: logger)
            #expect(queue.ids == Set(ids) && queue.givenUp.isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func eightClaimersTakeFiftyThousandRowsExactlyOnceBesideTheirHistory() async throws {
        try await TestDatabase.withMigrated { _, client in
            // 50,000 rows to do behind 50,000 summarized ones, seeded in bulk (the statement triggers
            // fill the queue once per statement).
            try await client.query(
                """
                insert into news_urls (url, publication_date)
                select 'https://bulk.test/' || g, timestamptz '2026-01-01' - g * interval '1 second' from generate_series(1, 100000) g
                """,
                logger: logger
            )
            try await client.query(
                """
                insert into context_summaries (news_url_id, summary_text)
                select id, 'done' from news_urls order by publication_date desc limit 50000
                """,
                logger: logger
            )
            #expect(try await Self.queue(client, logger: logger).ids.count == 50_000)
            let now = Date()
            let claimed = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [UUID] = []
                        while true {
                            let batch = try await Self.claim(client, worker: "w\(worker)", batch: 100, at: now, logger: logger)
                            if batch.isEmpty { return mine }
                            mine += batch
                        }
                    }
                }
                var all: [[UUID]] = []
                for try await batch in group { all.append(batch) }
                return all
            }
            let all = claimed.flatMap { $0 }
            #expect(all.count == 50_000)
            #expect(Set(all).count == 50_000)
            #expect(claimed.filter { !$0.isEmpty }.count >= 2, "the claims were not concurrent")
        }
    }

    @Test func concurrentWorkersNeverClaimTheSameRow() async throws {
        try await TestDatabase.withMigrated { _, client in
            let ids = try await Self.seed(client, count: 60, summarized: 0, logger: logger)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let claimed = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var mine: [UUID] = []
                        while true {
                            let batch = try await Self.claim(client, worker: "w\(worker)", batch: 3, at: now, logger: logger)
                            if batch.isEmpty { return mine }
                            mine += batch
                        }
                    }
                }
                var all: [UUID] = []
                for try await batch in group { all += batch }
                return all
            }
            #expect(claimed.count == ids.count)
            #expect(Set(claimed) == Set(ids))
        }
    }

    @Test func failuresDelayTheNextAttemptAndAreGivenUpAfterTheLimit() async throws {
        try await TestDatabase.withMigrated { _, client in
            let ids = try await Self.seed(client, count: 1, summarized: 0, logger: logger)
            var now = Date(timeIntervalSince1970: 1_800_000_000)
            for attempt in 1...5 {
                #expect(try await Self.claim(client, worker: "a", batch: 1, at: now, logger: logger) == ids, "attempt \(attempt)")
                try await client.query(
                    "select record_summarization_failure(\(ids[0]), 'transient', 'HTTP 503', \(now))",
                    logger: logger
                )
                // Not due again right away: the delay grows with the attempts.
                #expect(try await Self.claim(client, worker: "a", batch: 1, at: now.addingTimeInterval(60), logger: logger).isEmpty)
                now = now.addingTimeInterval(Double(1 << (attempt + 1)) * 60 + 1)
            }
            // Five failures: given up, even long after.
            #expect(try await Self.claim(client, worker: "a", batch: 1, at: now.addingTimeInterval(86_400 * 30), logger: logger).isEmpty)
            let rows = try await client.query("select attempts, last_error_kind from summarization_attempts", logger: logger)
            for try await (attempts, kind) in rows.decode((Int, String).self) {
                #expect(attempts == 5)
                #expect(kind == "transient")
            }
        }
    }
}

@Suite("Row encoding shared by the database sinks")
struct SummaryColumnsTests {
    @Test func timestampsMatchTheISO8601FormatterWithoutIt() {
        for seconds in [0, 1_800_000_000.5, 1_764_432_000.123, -86_400.25, 951_782_400.999] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(SummaryColumns.timestamp(date) == ISO8601.string(from: date), "\(seconds)")
        }
    }

    @Test func textColumnsAndJSONRowsEscapeAndKeepNulls() throws {
        var record = PostgresSinkTests.record(UUID(), text: "Line \"one\"\n\\ two\u{1} é")
        record.summary.injuryUpdates = nil
        let columns = SummaryColumns(renaming: ["extra_fields": nil, "llm_model": "model"])
        let text = columns.textColumns([record])
        let names = columns.names
        #expect(!names.contains("extra_fields") && names.contains("model"))
        #expect(text[names.firstIndex(of: "injury_updates")!] == [nil])
        #expect(text[names.firstIndex(of: "key_points")!] == [#"["a","b"]"#])
        #expect(text[names.firstIndex(of: "summary")!] == [record.summary.summary])

        let json = columns.jsonArray([record, record])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        #expect(rows[0]["summary"] as? String == record.summary.summary)
        #expect(rows[0]["injury_updates"] is NSNull)
        #expect(rows[0]["key_points"] as? [String] == ["a", "b"])
        #expect(rows[0]["model"] as? String == "gemini-2.5-flash")
        #expect(Set(rows[0].keys) == Set(rows[1].keys) && Set(rows[0].keys) == Set(names))
    }
}
