import Foundation
import Logging
import NewsTables
import PostgresNIO
import Resilience
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Synchronization
import Testing

@testable import Postgres
@testable import Supabase

/// The guarantees that only show at scale or under failure: paging thousands of rows, many
/// workers sharing a table, a worker dying mid-lease, the database going away mid-run.
@Suite("database sources and sinks at scale and under failure", .enabled(if: TestDatabase.available))
struct DatabaseScaleTests {
    let logger = TestDatabase.logger

    /// `count` news URLs in one statement: every seventh undated, dates repeating in threes.
    static func seed(_ client: PostgresClient, count: Int, logger: Logger) async throws {
        try await client.query(
            """
            insert into news_urls (url, publication_date, publisher)
            select 'https://scale.test/' || g,
                   case when g % 7 = 0 then null else timestamptz '2025-01-01' + (g / 3) * interval '1 minute' end,
                   case when g % 2 = 0 then 'ESPN' else 'AP' end
            from generate_series(1, \(count)) g
            """,
            logger: logger
        )
    }

    static func expectedOrder(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        var ids: [String] = []
        let rows = try await client.query("select id from news_urls order by publication_date desc nulls last, id desc", logger: logger)
        for try await id in rows.decode(UUID.self) { ids.append(id.uuidString.lowercased()) }
        return ids
    }

    static func itemIDs(_ source: some ItemSource & PipelineService, logger: Logger) async throws -> [String] {
        try await withServices([source]) {
            var ids: [String] = []
            for try await element in source.items(ItemQuery(), context: StageContext(logger: logger)) {
                if case .item(let item) = element { ids.append(item.id) }
            }
            return ids
        }
    }

    @Test func keysetPagingOverFiveThousandRowsReturnsEachRowOnceInOrder() async throws {
        try await TestDatabase.withMigrated { url, client in
            try await Self.seed(client, count: 5_000, logger: logger)
            let expected = try await Self.expectedOrder(client, logger: logger)
            #expect(expected.count == 5_000)

            let direct = try await Self.itemIDs(PostgresSource(url: url, settings: PostgresSource.Settings(), logger: logger), logger: logger)
            #expect(direct == expected)

            let fake = try await FakePostgREST.start(client: client, logger: logger)
            let rest = try await Self.itemIDs(
                SupabaseSource(projectURL: fake.projectURL, apiKey: fake.apiKey, settings: SupabaseSource.Settings()),
                logger: logger
            )
            try await fake.shutdown()
            #expect(rest == expected)
            #expect(fake.requests.count == 6)  // five full pages of 1,000 and an empty one
        }
    }

    /// One claiming worker: a full pipeline from the table into the table.
    static func claimingWorker(_ name: String, url: DatabaseURL, calls: CallCounter, logger: Logger) -> (Orchestrator, [any PipelineService]) {
        var settings = PostgresSource.Settings()
        settings.mode = .claim
        settings.worker = name
        settings.claimBatchSize = 50
        let source = PostgresSource(url: url, settings: settings, logger: logger)
        let sink = PostgresSink(url: url, logger: logger)
        let summarizer = ClosureSummarizer { request, _ in
            calls.count(request.item.id)
            return SummaryResult(
                summary: Summary(summary: "Summary of \(request.item.url)."),
                model: "test",
                promptVersion: "test",
                tokens: TokenUsage()
            )
        }
        let pipeline = Pipeline(
            source: PipelineStage(type: "postgres", component: source),
            fetcher: PipelineStage(type: "static", component: ClosureFetcher.serving { "Article at \($0.url)." }),
            extractor: PipelineStage(type: "pass", component: ClosureExtractor.passThrough),
            summarizer: PipelineStage(type: "closure", component: summarizer),
            sinks: [PipelineStage(type: "postgres", component: sink)],
            deadLetter: PipelineStage(type: "memory", component: InMemoryDeadLetterSink()),
            services: [source, sink]
        )
        return (Orchestrator(pipeline: pipeline, settings: RunSettings(concurrency: 8, batchSize: 100), logger: logger), [source, sink])
    }

    static func leased(_ client: PostgresClient, logger: Logger) async throws -> Int {
        for try await count in try await client.query(
            "select count(*) from summarization_attempts where lease_expires_at > now()",
            logger: logger
        ).decode(Int.self) {
            return count
        }
        return 0
    }

    @Test func claimModeLeasesNoMoreThanTheLimitNoneInADryRunAndReleasesWhatItDidNotFinish() async throws {
        try await TestDatabase.withMigrated { url, client in
            try await Self.seed(client, count: 100, logger: logger)
            let calls = CallCounter()
            var (limited, _) = Self.claimingWorker("limited", url: url, calls: calls, logger: logger)
            limited.options = RunOptions(limit: 3)
            let report = await limited.run()
            #expect(report.written == 3, "\(report.render())")
            #expect(calls.counts.count == 3)
            // At most three were ever leased (each has an attempts row), and none is left leased.
            for try await rows in try await client.query("select count(*) from summarization_attempts", logger: logger).decode(Int.self) {
                #expect(rows <= 3)
            }
            #expect(try await Self.leased(client, logger: logger) == 0)

            var (dry, _) = Self.claimingWorker("dry", url: url, calls: calls, logger: logger)
            dry.options = RunOptions(limit: 5, dryRun: true)
            let preview = await dry.run()
            #expect(preview.written == 5)
            for try await rows in try await client.query(
                "select count(*) from summarization_attempts where claimed_by = 'dry'",
                logger: logger
            ).decode(Int.self) {
                #expect(rows == 0)
            }

            // A run stopped early (here: the first failure with --stop-on-error) leaves nothing leased.
            let failing = CallCounter()
            var (stopped, _) = Self.claimingWorker("stopped", url: url, calls: failing, logger: logger)
            stopped.pipeline.summarizer = PipelineStage(
                type: "failing",
                component: ClosureSummarizer { _, _ in throw PipelineError(.invalidOutput, "no summary") }
            )
            stopped.options = RunOptions(stopOnError: true)
            let halted = await stopped.run()
            #expect(halted.stopReason != nil)
            #expect(try await Self.leased(client, logger: logger) == 0)
        }
    }

    @Test func eightClaimingWorkersSummarizeFiveThousandRowsExactlyOnceEveryTime() async throws {
        try await TestDatabase.withMigrated { url, client in
            try await Self.seed(client, count: 5_000, logger: logger)
            for round in 1...5 {
                try await client.query("truncate context_summaries, summarization_attempts", logger: logger)
                let calls = CallCounter()
                let written = await withTaskGroup(of: Int.self) { group in
                    for worker in 0..<8 {
                        group.addTask {
                            let (orchestrator, _) = Self.claimingWorker("w\(worker)", url: url, calls: calls, logger: logger)
                            return await orchestrator.run().written
                        }
                    }
                    return await group.reduce(0, +)
                }
                let perItem = calls.counts
                #expect(perItem.count == 5_000, "round \(round): \(perItem.count) rows summarized")
                #expect(perItem.values.allSatisfy { $0 == 1 }, "round \(round): a row was summarized twice")
                #expect(written == 5_000, "round \(round)")
                let stored = try await client.query("select count(*), count(distinct news_url_id) from context_summaries", logger: logger)
                for try await (rows, distinct) in stored.decode((Int, Int).self) {
                    #expect(rows == 5_000 && distinct == 5_000, "round \(round)")
                }
            }
        }
    }

    @Test func aWorkerKilledMidLeaseHasItsRowsReclaimedAfterTheLease() async throws {
        try await TestDatabase.withMigrated { url, client in
            try await Self.seed(client, count: 40, logger: logger)
            func worker(_ name: String, lease: Int) -> PostgresSource {
                var settings = PostgresSource.Settings()
                settings.mode = .claim
                settings.worker = name
                settings.claimBatchSize = 10
                settings.leaseSeconds = lease
                return PostgresSource(url: url, settings: settings, logger: logger)
            }
            // The doomed worker claims one batch, takes one item, and dies without a word.
            let doomed = worker("doomed", lease: 600)
            try await withServices([doomed]) {
                for try await _ in doomed.items(ItemQuery(), context: StageContext(logger: logger)) { break }
            }
            var held: Set<String> = []
            for try await id in try await client.query("select news_url_id from summarization_attempts where claimed_by = 'doomed'", logger: logger)
                .decode(UUID.self)
            {
                held.insert(id.uuidString.lowercased())
            }
            #expect(held.count == 10)

            // While the lease holds, another worker gets everything else and none of those.
            let survivor = try await Self.itemIDs(worker("survivor", lease: 600), logger: logger)
            #expect(survivor.count == 30)
            #expect(held.isDisjoint(with: survivor))

            // Once it has expired, the next worker gets exactly the dead worker's rows. (The
            // clock is moved by ageing the lease, so a slow machine cannot expire it early.)
            try await client.query(
                "update summarization_attempts set lease_expires_at = now() - interval '1 second' where claimed_by = 'doomed'",
                logger: logger
            )
            let heir = try await Self.itemIDs(worker("heir", lease: 600), logger: logger)
            #expect(Set(heir) == held)
        }
    }

    @Test func theDatabaseGoingAwayMidRunGivesRetriesThenAClearFailureAndNoFalseWrites() async throws {
        try await TestDatabase.withMigrated { url, client in
            try await Self.seed(client, count: 60, logger: logger)
            let items = try await Self.expectedOrder(client, logger: logger).map { WorkItem(id: $0, url: "https://scale.test/\($0)") }
            let proxy = try await TCPProxy.start(to: url.host, port: url.port)
            // Plain TCP through the proxy, and time enough for the start-up check on a busy machine.
            var viaProxy = url
            viaProxy.tls = .disable
            viaProxy.host = "127.0.0.1"
            viaProxy.port = proxy.port
            let sink = PostgresSink(url: viaProxy, timeout: .seconds(2), logger: logger)
            let summarized = CallCounter()
            // The database goes away after the first batch of 30 is written.
            let summarizer = ClosureSummarizer { request, _ in
                if summarized.count(request.item.id) == 1, summarized.counts.count == 35 { proxy.sever() }
                return SummaryResult(summary: Summary(summary: "S."), model: "test", promptVersion: "test", tokens: TokenUsage())
            }
            var policy = RetryPolicy()
            policy.maxAttempts = 3
            policy.baseDelay = .milliseconds(50)
            policy.jitter = .none
            let metrics = RunMetrics()
            let deadLetter = InMemoryDeadLetterSink()
            let pipeline = Pipeline(
                source: PipelineStage(type: "static", component: StaticSource(items)),
                fetcher: PipelineStage(type: "static", component: ClosureFetcher.serving { "Article at \($0.url)." }),
                extractor: PipelineStage(type: "pass", component: ClosureExtractor.passThrough),
                summarizer: PipelineStage(type: "closure", component: summarizer),
                sinks: [
                    PipelineStage(type: "postgres", component: sink, chain: MiddlewareChain([RetryMiddleware(policy: policy, metrics: metrics)]))
                ],
                deadLetter: PipelineStage(type: "memory", component: deadLetter),
                services: [sink]
            )
            // Batches by count alone: on a loaded machine the flush interval would otherwise cut
            // the first batch short before the cut, and "the first 30 are stored" would not hold.
            let report = await Orchestrator(
                pipeline: pipeline,
                settings: RunSettings(concurrency: 1, batchSize: 30, flushInterval: .seconds(3_600)),
                logger: logger,
                metrics: metrics
            ).run()
            try await proxy.shutdown()

            var stored = 0
            for try await count in try await client.query("select count(*) from context_summaries", logger: logger).decode(Int.self) {
                stored = count
            }
            // Nothing is reported written that is not stored, and something failed loudly.
            #expect(report.written == stored, "\(report.render())")
            #expect(stored >= 30 && stored < 60, "\(report.render())")
            #expect(report.written + report.failed + report.unfinished == 60 || report.stopReason != nil, "\(report.render())")
            #expect((metrics.snapshot.counters["retries"] ?? 0) >= 2, "\(metrics.snapshot.counters)")
            let failures = deadLetter.failures
            #expect(!failures.isEmpty)
            #expect(failures.allSatisfy { $0.errorKind == .transient })
            #expect(failures.count == 60 - stored)
            // The message says what failed and where, with the password redacted.
            #expect(failures.allSatisfy { $0.message.contains("upserting into context_summaries at postgres://") })
            #expect(failures.allSatisfy { $0.message.contains("127.0.0.1:\(proxy.port)") })
        }
    }
}

/// Counts calls per item id.
final class CallCounter: Sendable {
    private let state = Mutex<[String: Int]>([:])

    /// Counts a call for `id`; returns how many there have been for it.
    @discardableResult
    func count(_ id: String) -> Int {
        state.withLock {
            $0[id, default: 0] += 1
            return $0[id]!
        }
    }

    var counts: [String: Int] { state.withLock { $0 } }
}
