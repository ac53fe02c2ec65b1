import Foundation
import Postgres
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Testing

/// Fan-out rows of the fault matrix: one sink of two fails, the other stores every record.
/// After the next run and a replay, every record is in both sinks exactly once.
@Suite("Fault matrix: one sink of two failing", .enabled(if: TestDatabase.available))
struct FanOutFaultTests {
    /// Every id of `items` once in the JSON-lines output and once in the summaries table, and
    /// nothing left in the dead-letter file.
    static func expectDeliveredOnce(_ bench: FaultBench, _ client: PostgresClient, _ items: [(id: String, url: String)]) async throws {
        let expected = Set(items.map(\.id))
        let inFile = try bench.storedIDs()
        #expect(inFile.count == items.count && Set(inFile) == expected, "the JSON-lines file holds \(inFile.count) lines")
        let inTable = try await storedIDs(client)
        #expect(inTable.count == items.count && Set(inTable) == expected, "the table holds \(inTable.count) rows")
        #expect(try bench.deadLetters().isEmpty)
    }

    @Test func aSupabaseSinkAnswering503ForTheWholeRunIsFilledByReplayFromTheStoredRecords() async throws {
        try await TestDatabase.withMigrated { _, client in
            let bench = try FaultBench()
            defer { bench.cleanUp() }
            let items = try writePages(bench, count: 12)
            try await seed(client, items)
            let fake = try await FakePostgREST.start(client: client, logger: TestDatabase.logger)
            let sinks = #"""
                [{"type": "jsonl", "path": "out/summaries.jsonl"},
                 {"type": "supabase", "url": "\#(fake.projectURL)", "apiKey": "\#(fake.apiKey)", "middleware": ["retry"]}]
                """#
            let config = FaultBench.config(fetcher: #"{"type": "file", "middleware": []}"#, sinks: sinks, retry: sinkRetry)
            // Every write of the run answers 503, retries included.
            fake.failNext(1_000, status: 503, matching: "POST /rest/v1/context_summaries")
            let first = try await bench.run(config)
            #expect((first.written, first.failed, first.lost) == (0, 12, 0), "\(first.report.render())")
            #expect(first.retried >= 2)
            #expect(first.stored.count == 12)
            #expect(first.deadLettered.allSatisfy { $0.stage == .sink && $0.storedIn == ["jsonl"] && $0.failedIn == ["supabase"] })
            #expect(try await storedCount(client) == 0)

            fake.clearFailures()
            let summary = try await bench.replay(config)
            #expect(summary?.hasPrefix("12 items, 12 delivered to the sinks that lacked them") == true, "\(summary ?? "nothing replayed")")
            let next = try await bench.run(config)
            try await fake.shutdown()
            #expect((next.written, next.report.held, next.failed) == (0, 12, 0), "\(next.report.render())")
            try await Self.expectDeliveredOnce(bench, client, items)
        }
    }

    @Test func oneRowThePostgresSinkRefusesReachesItOnceFixedWhileTheFileHoldsItOnce() async throws {
        try await TestDatabase.withMigrated { url, client in
            let bench = try FaultBench()
            defer { bench.cleanUp() }
            let items = try writePages(bench, count: 10)
            // The fourth has no news_urls row yet: its summary breaks the foreign key.
            try await seed(client, items.enumerated().filter { $0.offset != 3 }.map(\.element))
            let sinks = #"""
                [{"type": "jsonl", "path": "out/summaries.jsonl"},
                 {"type": "postgres", "databaseURL": "\#(TestDatabase.connectionString(for: url)!)", "middleware": ["retry"]}]
                """#
            let config = FaultBench.config(fetcher: #"{"type": "file", "middleware": []}"#, sinks: sinks, retry: sinkRetry)
            let first = try await bench.run(config)
            #expect((first.written, first.failed, first.lost) == (9, 1, 0), "\(first.report.render())")
            let failure = try #require(first.failure(items[3].id))
            #expect(failure.code == "23503" && failure.storedIn == ["jsonl"] && failure.failedIn == ["postgres"])

            // The next run, before the row exists: the file is not written again, the table still refuses.
            let second = try await bench.run(config)
            #expect((second.written, second.report.held, second.failed) == (0, 9, 1), "\(second.report.render())")
            #expect(try bench.storedIDs().count == 10)
            #expect(try bench.deadLetters().count == 1)

            try await seed(client, [items[3]])
            let summary = try await bench.replay(config)
            #expect(summary?.hasPrefix("1 items, 1 delivered to the sinks that lacked them") == true, "\(summary ?? "nothing replayed")")
            try await Self.expectDeliveredOnce(bench, client, items)
        }
    }

    @Test func aPostgresOutageMidRunIsFilledByTheNextRunAndReplayFindsNothingLeft() async throws {
        try await TestDatabase.withMigrated { url, client in
            let bench = try FaultBench()
            defer { bench.cleanUp() }
            let items = try writePages(bench, count: 40)
            try await seed(client, items)
            let proxy = try await TCPProxy.start(to: url.host, port: url.port)
            let viaProxy = try connectionString(url, through: proxy)
            let config = outageConfig(sinks: [#"{"type": "jsonl", "path": "out/summaries.jsonl"}"#, postgresSink(viaProxy)])
            async let first = bench.run(config)
            while try await storedCount(client) < 10 { try await Task.sleep(for: .milliseconds(5)) }
            proxy.sever()
            let run = try await first
            let stored = try await storedCount(client)
            #expect(run.written == stored && stored >= 10 && stored < 40, "\(run.report.render())")
            #expect(run.failed == 40 - stored && run.lost == 0)
            // The file took every record, the table only those before the cut.
            #expect(run.stored.count == 40)
            #expect(run.deadLettered.allSatisfy { $0.storedIn == ["jsonl"] && $0.failedIn == ["postgres"] && $0.record != nil })

            proxy.restore()
            let next = try await bench.run(config)
            try await proxy.shutdown()
            #expect((next.written, next.report.held, next.failed) == (40 - stored, stored, 0), "\(next.report.render())")
            #expect(try await bench.replay(config) == nil)
            try await Self.expectDeliveredOnce(bench, client, items)
        }
    }
}
