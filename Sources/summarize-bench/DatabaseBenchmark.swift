import ArgumentParser
import Foundation
import Logging
import Postgres
import PostgresNIO
import SummarizerCore

/// `summarize-bench db`: upsert and claim throughput against the PostgreSQL in DATABASE_URL.
struct DatabaseBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Upsert records with the postgres sink and claim rows with claim_news_urls; prints rows per second.",
        discussion: "Creates a scratch database next to the one DATABASE_URL names, migrates it, and drops it afterwards."
    )

    @Option(help: "News URLs to seed, upsert and claim.")
    var rows = 20_000

    @Option(help: "Records per upsert statement (the run's batch size).")
    var batchSize = 100

    @Option(help: "Claiming workers at once.")
    var workers = 8

    @Option(help: "Rows per claim.")
    var claimBatch = 25

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        print(try await withScratchDatabase(logger: logger) { url in try await measure(url, logger: logger) })
    }

    func measure(_ url: DatabaseURL, logger: Logger) async throws -> String {
        let (rows, batchSize, workers, claimBatch) = (rows, batchSize, workers, claimBatch)
        return try await withPostgresClient(url, logger: logger) { client in
            try await Migrations.migrate(client, logger: logger)
            // Seed in one statement per 5,000 rows; not timed.
            var ids: [UUID] = []
            for chunk in stride(from: 0, to: rows, by: 5_000) {
                let count = min(5_000, rows - chunk)
                _ = try await client.query(
                    """
                    insert into news_urls (url, publication_date)
                    select 'https://bench.test/' || g, now() - g * interval '1 minute' from generate_series(\(chunk), \(chunk + count - 1)) g
                    """,
                    logger: logger
                )
            }
            for try await id in try await client.query("select id from news_urls", logger: logger).decode(UUID.self) { ids.append(id) }

            // Claims: every worker claims until nothing is left.
            let claimStart = ContinuousClock.now
            let claimed = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var count = 0
                        while true {
                            var got = 0
                            let result = try await client.query(
                                "select id from claim_news_urls(\("w\(worker)"), \(Int32(claimBatch)), 600)",
                                logger: logger
                            )
                            for try await _ in result.decode(UUID.self) { got += 1 }
                            if got == 0 { return count }
                            count += got
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            let claimSeconds = (ContinuousClock.now - claimStart).seconds

            // Upserts through the sink, then the same records again (the re-run after a crash).
            let sink = PostgresSink(url: url, logger: logger)
            let records = ids.map { Self.record($0) }
            return try await withServices([sink]) {
                let context = StageContext(logger: logger)
                var lines = [
                    "claims: \(claimed) rows by \(workers) workers in batches of \(claimBatch): "
                        + "\(Int(Double(claimed) / claimSeconds)) rows/s (\(String(format: "%.2f", claimSeconds)) s)"
                ]
                for pass in ["insert", "re-upsert"] {
                    let start = ContinuousClock.now
                    for chunk in stride(from: 0, to: records.count, by: batchSize) {
                        let receipt = try await sink.write(Array(records[chunk..<min(chunk + batchSize, records.count)]), context: context)
                        precondition(receipt.rejected.isEmpty, "the benchmark's rows must all be stored")
                    }
                    let seconds = (ContinuousClock.now - start).seconds
                    lines.append(
                        "upserts (\(pass)): \(records.count) records in batches of \(batchSize): "
                            + "\(Int(Double(records.count) / seconds)) records/s (\(String(format: "%.2f", seconds)) s)"
                    )
                }
                return lines.joined(separator: "\n")
            }
        }
    }

    static func record(_ id: UUID) -> SummaryRecord {
        let text = String(repeating: "The Pioneers beat the Armadillos in overtime on Sunday. ", count: 20)
        return SummaryRecord(
            newsURLID: id.uuidString.lowercased(),
            url: "https://bench.test/\(id)",
            title: "Bench",
            summary: Summary(
                summary: text,
                keyPoints: ["One.", "Two.", "Three.", "Four.", "Five."],
                playersMentioned: ["Sam Ortiz", "Joe Frame"],
                teamsMentioned: ["Pioneers", "Armadillos"],
                articleType: "recap",
                sentiment: "positive",
                contentQuality: "high"
            ),
            llmModel: "gemini-2.5-flash",
            promptVersion: "0123456789ab",
            fallbackUsed: false,
            tokens: TokenUsage(prompt: 1200, output: 300, thoughts: 40),
            processingTimeSeconds: 2.5,
            generatedAt: Date(),
            extractor: "readability",
            contentHash: String(repeating: "a", count: 64),
            fetchMethod: "direct",
            inputTruncated: false
        )
    }
}

/// Runs `body` with a fresh database beside the one DATABASE_URL names, dropped afterwards.
func withScratchDatabase<T: Sendable>(logger: Logger, _ body: (DatabaseURL) async throws -> T) async throws -> T {
    guard let text = ProcessInfo.processInfo.environment["DATABASE_URL"] else {
        throw ValidationError("set DATABASE_URL to a PostgreSQL the benchmark may create a scratch database in (Scripts/with-postgres.sh starts one)")
    }
    let server = try DatabaseURL(text)
    let name = "summarize_bench_\(ProcessInfo.processInfo.processIdentifier)"
    try await withPostgresClient(server, logger: logger) { client in
        _ = try await client.query(PostgresQuery(unsafeSQL: "drop database if exists \(name)"), logger: logger)
        _ = try await client.query(PostgresQuery(unsafeSQL: "create database \(name)"), logger: logger)
    }
    var url = server
    url.database = name
    func drop() async {
        _ = try? await withPostgresClient(server, logger: logger) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: "drop database if exists \(name) with (force)"), logger: logger)
        }
    }
    do {
        let result = try await body(url)
        await drop()
        return result
    } catch {
        await drop()
        throw error
    }
}
