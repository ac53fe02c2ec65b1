import ArgumentParser
import Foundation
import Logging
import Postgres
import PostgresNIO
import SummarizerCore

/// `summarize-bench claim`: claim throughput of `claim_news_urls` as the table grows, with most
/// rows already summarized, as a long-lived `news_urls` table has them.
struct ClaimBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract: "Claims per second from a news_urls table of --rows rows, --pending-percent of them not summarized.",
        discussion: """
            Creates a scratch database beside the one DATABASE_URL names, migrates it, seeds --rows news URLs and a \
            summary for all but --pending-percent of them (not timed), then lets --workers claimers (one connection \
            each) call claim_news_urls with --batch-size until nothing is left, and checks every pending row was \
            claimed exactly once. Prints rows per second; run it at two sizes to see how a claim's cost grows with the table.
            """
    )

    @Option(help: "News URLs in the table.")
    var rows = 1_000_000

    @Option(help: "The share of rows not summarized yet, in percent.")
    var pendingPercent = 1.0

    @Option(help: "Claiming workers at once.")
    var workers = 8

    @Option(help: "Rows per claim.")
    var batchSize = 100

    func validate() throws {
        guard rows > 0, workers > 0, batchSize > 0, (0...100).contains(pendingPercent) else {
            throw ValidationError("--rows, --workers and --batch-size must be positive and --pending-percent within 0...100")
        }
    }

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        print(try await withScratchDatabase(logger: logger) { url in try await measure(url, logger: logger) })
    }

    func measure(_ url: DatabaseURL, logger: Logger) async throws -> String {
        let (rows, workers, batchSize) = (rows, workers, batchSize)
        let summarized = rows - Int((Double(rows) * pendingPercent / 100).rounded())
        return try await withPostgresClient(url, logger: logger) { client in
            try await Migrations.migrate(client, logger: logger)
            let seedStart = ContinuousClock.now
            for chunk in stride(from: 0, to: rows, by: 100_000) {
                let end = min(rows, chunk + 100_000) - 1
                _ = try await client.query(
                    """
                    insert into news_urls (url, publication_date)
                    select 'https://bench.test/' || g, timestamptz '2026-01-01' - g * interval '1 second'
                    from generate_series(\(chunk), \(end)) g
                    """,
                    logger: logger
                )
            }
            // The newest rows are the summarized ones, so a claim in publication order meets
            // them all before the first pending row: the worst case of a walk over done rows.
            _ = try await client.query(
                """
                insert into context_summaries (news_url_id, summary_text)
                select id, 'done' from news_urls order by publication_date desc nulls last, id desc limit \(summarized)
                """,
                logger: logger
            )
            // What autovacuum does over the months such a table grows in: the summaries seeded
            // in one burst left the queue's removed rows dead, which a claim would walk.
            _ = try await client.query("vacuum analyze", logger: logger)
            let seedSeconds = (ContinuousClock.now - seedStart).seconds
            let pending = rows - summarized

            let start = ContinuousClock.now
            let claims = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var ids: [UUID] = []
                        while true {
                            let before = ids.count
                            let result = try await client.query(
                                "select id from claim_news_urls(\("bench-\(worker)"), \(Int32(batchSize)), 600)",
                                logger: logger
                            )
                            for try await id in result.decode(UUID.self) { ids.append(id) }
                            if ids.count == before { return ids }
                        }
                    }
                }
                var all: [UUID] = []
                for try await ids in group { all += ids }
                return all
            }
            let seconds = (ContinuousClock.now - start).seconds
            guard claims.count == pending, Set(claims).count == pending else {
                throw ValidationError("claimed \(claims.count) rows (\(Set(claims).count) distinct), not each of the \(pending) pending rows once")
            }
            return """
                \(rows) rows, \(pending) pending (\(pendingPercent)%), seeded in \(String(format: "%.1f", seedSeconds)) s
                claims: \(pending) rows by \(workers) workers in batches of \(batchSize): \
                \(Int(Double(pending) / seconds)) rows/s (\(String(format: "%.2f", seconds)) s), each pending row exactly once
                """
        }
    }
}
