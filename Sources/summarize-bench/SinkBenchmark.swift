import ArgumentParser
import Foundation
import Logging
import Postgres
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Supabase

/// `summarize-bench sink`: rows per second through the `postgres` sink and through the
/// `supabase` sink against the fake PostgREST, both into the PostgreSQL at DATABASE_URL.
struct SinkBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract:
            "Writes records through the postgres sink and the supabase sink (against the fake PostgREST); prints rows per second.",
        discussion: """
            Creates a scratch database next to the one DATABASE_URL names, seeds news_urls, and writes every record \
            once per sink and batch size, one batch after another as a run does, into an emptied context_summaries. \
            Start a throwaway PostgreSQL with Scripts/with-postgres.sh.
            """
    )

    @Option(help: "Records to write per sink and batch size.")
    var rows = 100_000

    @Option(help: "Batch sizes, comma-separated.")
    var batchSizes = "100,1000"

    @Option(help: "Sinks, comma-separated: postgres, supabase.")
    var sinks = "postgres,supabase"

    struct Result {
        var sink: String
        var batch: Int
        var rows: Int
        var seconds: Double
        var rowsPerSecond: Double { Double(rows) / seconds }
    }

    func run() async throws {
        let batches = batchSizes.split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let kinds = sinks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !batches.isEmpty, batches.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--batch-sizes must be positive numbers")
        }
        guard kinds.allSatisfy({ $0 == "postgres" || $0 == "supabase" }) else {
            throw ValidationError("--sinks takes postgres and supabase")
        }
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let count = rows
        let results = try await withScratchDatabase(logger: logger) { url in
            try await withPostgresClient(url, logger: logger) { client in
                try await Migrations.migrate(client, logger: logger)
                for chunk in stride(from: 0, to: count, by: 10_000) {
                    _ = try await client.query(
                        """
                        insert into news_urls (url, publication_date)
                        select 'https://bench.test/' || g, now() - g * interval '1 minute' from generate_series(\(chunk), \(min(count, chunk + 10_000) - 1)) g
                        """,
                        logger: logger
                    )
                }
                var ids: [UUID] = []
                for try await id in try await client.query("select id from news_urls", logger: logger)
                    .decode(UUID.self)
                { ids.append(id) }
                let records = ids.map { DatabaseBenchmark.record($0) }
                let fake = try await FakePostgREST.start(client: client, logger: logger)
                do {
                    let results = try await measure(
                        records,
                        kinds: kinds,
                        batches: batches,
                        url: url,
                        fake: fake,
                        client: client,
                        logger: logger
                    )
                    try await fake.shutdown()
                    return results
                } catch {
                    try? await fake.shutdown()
                    throw error
                }
            }
        }
        let json: [String: Any] = [
            "results": results.map {
                [
                    "sink": $0.sink, "batch": $0.batch, "rows": $0.rows,
                    "rows_per_second": ($0.rowsPerSecond * 10).rounded() / 10,
                ] as [String: Any]
            }
        ]
        print(
            String(
                decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]),
                as: UTF8.self
            )
        )
    }

    /// Writes `records` through every sink at every batch size, one after another.
    func measure(
        _ records: [SummaryRecord],
        kinds: [String],
        batches: [Int],
        url: DatabaseURL,
        fake: FakePostgREST,
        client: PostgresClient,
        logger: Logger
    ) async throws -> [Result] {
        var results: [Result] = []
        for kind in kinds {
            for batch in batches {
                // Every measurement starts from the same state: an empty table and no WAL of the
                // previous one left to checkpoint in the middle of it (needs a superuser; skipped otherwise).
                _ = try await client.query("truncate context_summaries", logger: logger)
                _ = try? await client.query("checkpoint", logger: logger)
                let sink: any Sink & PipelineService =
                    kind == "postgres"
                    ? PostgresSink(url: url, logger: logger)
                    : SupabaseSink(projectURL: fake.projectURL, apiKey: fake.apiKey)
                let seconds = try await withServices([sink]) {
                    let context = StageContext(logger: logger)
                    try await sink.prepare(context: context)
                    let start = ContinuousClock.now
                    for offset in stride(from: 0, to: records.count, by: batch) {
                        let receipt = try await sink.write(
                            Array(records[offset..<min(offset + batch, records.count)]),
                            context: context
                        )
                        precondition(receipt.rejected.isEmpty, "the benchmark's rows must all be stored")
                    }
                    return (ContinuousClock.now - start).seconds
                }
                var stored = 0
                for try await n in try await client.query(
                    "select count(*) from context_summaries",
                    logger: logger
                ).decode(Int.self) { stored = n }
                precondition(stored == records.count, "\(kind) stored \(stored) of \(records.count) rows")
                let result = Result(sink: kind, batch: batch, rows: records.count, seconds: seconds)
                print(
                    "\(kind.padding(toLength: 9, withPad: " ", startingAt: 0)) batch \(String(batch).padding(toLength: 5, withPad: " ", startingAt: 0)) "
                        + "\(result.rows) rows in \(String(format: "%.2f", seconds)) s: \(Int(result.rowsPerSecond)) rows/s"
                )
                results.append(result)
            }
        }
        return results
    }
}
