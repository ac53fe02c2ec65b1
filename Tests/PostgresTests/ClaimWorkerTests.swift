import Foundation
import Logging
import NewsTables
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

@testable import Postgres

/// Long-running claim workers: lease renewal (the heartbeat) and waking on new rows.
@Suite("claim workers: heartbeat and new-row wake-ups", .enabled(if: TestDatabase.available))
struct ClaimWorkerTests {
    let logger = TestDatabase.logger

    func worker(_ name: String, url: DatabaseURL, lease: Int, poll: Double? = nil) -> PostgresSource {
        var settings = PostgresSource.Settings()
        settings.mode = .claim
        settings.worker = name
        settings.claimBatchSize = 10
        settings.leaseSeconds = lease
        settings.pollSeconds = poll
        return PostgresSource(url: url, settings: settings, logger: logger)
    }

    @Test(.timeLimit(.minutes(1)))
    func aLeaseOutlivesItsSecondsWhileTheWorkerLivesAndNotAfter() async throws {
        try await TestDatabase.withMigrated { url, client in
            try await DatabaseScaleTests.seed(client, count: 20, logger: logger)
            // A 4-second lease, renewed every 1.33 s while the holder's services run (2 s leases
            // renewed every 0.67 s once lost a row when the full suite loaded the machine).
            let holder = worker("holder", url: url, lease: 4)
            let held = try await withServices([holder]) { () async throws -> Set<String> in
                var ids: Set<String> = []
                for try await element in holder.items(ItemQuery(limit: 10), context: StageContext(logger: logger)) {
                    if case .item(let item) = element { ids.insert(item.id) }
                }
                // An LLM call longer than the lease: the rows stay the holder's.
                try await Task.sleep(for: .seconds(6))
                let other = try await DatabaseScaleTests.itemIDs(worker("other", url: url, lease: 4), logger: logger)
                #expect(other.count == 10)
                #expect(ids.isDisjoint(with: other))
                return ids
            }
            #expect(held.count == 10)
            // The holder is gone (its heartbeat stopped, its leases not released, as after a
            // kill): after the lease its rows come back.
            try await Task.sleep(for: .seconds(4.5))
            let heir = try await DatabaseScaleTests.itemIDs(worker("heir", url: url, lease: 60), logger: logger)
            #expect(Set(heir).isSuperset(of: held))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aRowInsertedWhileTheWorkerWaitsIsClaimedWithinASecond() async throws {
        try await TestDatabase.withMigrated { url, client in
            // It polls only every 60 s: only the notification can wake it in time.
            let waiting = worker("waiting", url: url, lease: 60, poll: 60)
            try await withServices([waiting]) {
                var iterator = waiting.items(ItemQuery(), context: StageContext(logger: logger)).makeAsyncIterator()
                // Let it find nothing and start waiting.
                try await Task.sleep(for: .milliseconds(500))
                let start = ContinuousClock.now
                let id = UUID()
                try await client.query("insert into news_urls (id, url) values (\(id), 'https://late.test/1')", logger: logger)
                let element = try await iterator.next()
                let waited = ContinuousClock.now - start
                guard case .item(let item) = element else {
                    Issue.record("expected the inserted row, got \(String(describing: element))")
                    return
                }
                #expect(item.id == id.uuidString.lowercased())
                // Alone it takes about a tenth of a second; the bound leaves room for a loaded
                // machine (1.2 s was seen in the full suite) and still proves the wake-up: the
                // poll would take 60 s.
                #expect(waited < .seconds(3), "took \(waited)")
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func withoutNotificationsThePollFindsTheRow() async throws {
        try await TestDatabase.withMigrated { url, client in
            // Notifications lost (as behind a proxy that drops them): the trigger notifies a
            // channel nobody listens on, and the 1-second poll finds the row all the same.
            try await client.query(
                """
                create or replace function news_url_queue_add_news_urls() returns trigger language plpgsql as $$
                begin
                    insert into news_url_queue (news_url_id, publication_date)
                    select i.id, i.publication_date from inserted i on conflict (news_url_id) do nothing;
                    return null;
                end; $$
                """,
                logger: logger
            )
            let polling = worker("polling", url: url, lease: 60, poll: 1)
            try await withServices([polling]) {
                var iterator = polling.items(ItemQuery(), context: StageContext(logger: logger)).makeAsyncIterator()
                try await Task.sleep(for: .milliseconds(300))
                let start = ContinuousClock.now
                try await client.query("insert into news_urls (url) values ('https://late.test/2')", logger: logger)
                let element = try await iterator.next()
                let waited = ContinuousClock.now - start
                guard case .item(let item) = element else {
                    Issue.record("expected the inserted row, got \(String(describing: element))")
                    return
                }
                #expect(item.url == "https://late.test/2")
                #expect(waited < .seconds(3), "took \(waited)")
            }
        }
    }
}

/// The progress line's total comes from the `postgres` source's `count`, whose SQL repeats the
/// read's filters: the two must agree on every filter.
@Suite("postgres source count", .enabled(if: TestDatabase.available))
struct PostgresSourceCountTests {
    let logger = TestDatabase.logger

    @Test func theCountIsWhatTheReadYieldsForEachFilter() async throws {
        try await TestDatabase.withMigrated { url, client in
            try await DatabaseScaleTests.seed(client, count: 60, logger: logger)
            try await client.query(
                "insert into context_summaries (news_url_id, summary_text) select id, 's' from news_urls order by url limit 10",
                logger: logger
            )
            try await client.query(
                "select record_summarization_failure(id, 'transient', 'x') from news_urls order by url desc limit 5",
                logger: logger
            )
            var someIDs: [String] = []
            for try await id in try await client.query("select id from news_urls order by url limit 20", logger: logger).decode(UUID.self) {
                someIDs.append(id.uuidString.lowercased())
            }
            for (mode, query) in [
                (PostgresSource.Mode.unsummarized, ItemQuery()),
                (.unsummarized, ItemQuery(publisher: "ESPN")),
                (.unsummarized, ItemQuery(ids: someIDs)),
                (.all, ItemQuery()),
                (.all, ItemQuery(publisher: " ap ")),
            ] {
                var settings = PostgresSource.Settings()
                settings.mode = mode
                let source = PostgresSource(url: url, settings: settings, logger: logger)
                let (count, read) = try await withServices([source]) {
                    let count = try await source.count(query, context: StageContext(logger: logger))
                    var read = 0
                    for try await element in source.items(query, context: StageContext(logger: logger)) {
                        if case .item = element { read += 1 }
                    }
                    return (count, read)
                }
                #expect(count == read, "\(mode), \(query): count \(String(describing: count)), read \(read)")
                #expect(read > 0)
            }
        }
    }
}
