import ArgumentParser
import Foundation
import Logging
import NewsTables
import Postgres
import PostgresNIO
import SummarizerCore
import Synchronization

/// `summarize-bench claim`: claim throughput of `claim_news_urls` as the table grows, with most
/// rows already summarized, as a long-lived `news_urls` table has them.
struct ClaimBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim",
        abstract: "Claims per second from a news_urls table of --rows rows, --pending-percent of them not summarized.",
        discussion: """
            Creates a scratch database beside the one DATABASE_URL names, migrates it, seeds --rows news URLs and a \
            summary for all but --pending-percent of them, vacuums and checkpoints it (not timed), then lets --workers \
            claimers (one connection each) call claim_news_urls with --batch-size, each claim starting after the \
            claimer's last row as the postgres source's do, until nothing is left, and checks \
            every pending row was claimed exactly once. Prints rows per second. Given several sizes \
            (--rows 10000,1000000) and --repeat N, it measures each size N times in turns, in a fresh database each \
            time, and prints the medians and each size's median as a share of the first's: how a claim's cost grows \
            with the table, side by side on the same machine in the same minutes.
            """
    )

    @Option(help: "News URLs in the table; several sizes separated by commas are measured in turns.")
    var rows = "1000000"

    @Option(name: .customLong("repeat"), help: "Measurements of each size (in turns, each in a fresh database); the medians are compared.")
    var repetitions = 1

    @Option(help: "The share of rows not summarized yet, in percent.")
    var pendingPercent = 1.0

    @Option(help: "The number of rows not summarized yet, instead of a share: the same work at every size.")
    var pendingRows: Int?

    @Flag(help: "Also print the rows claimed in each 5-second interval of a measurement.")
    var timeline = false

    @Flag(help: "Start every claim at the head of the claim order instead of where the claimer's last one ended.")
    var fromHead = false

    @Option(help: "Claiming workers at once.")
    var workers = 8

    @Option(help: "Rows per claim.")
    var batchSize = 100

    /// The sizes of `--rows`.
    var sizes: [Int] { rows.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        let parts = rows.split(separator: ",", omittingEmptySubsequences: false)
        guard !parts.isEmpty, sizes.count == parts.count, sizes.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--rows takes positive numbers separated by commas, e.g. 10000,1000000; got \"\(rows)\"")
        }
        if let pendingRows, let smallest = sizes.min(), !(1...smallest).contains(pendingRows) {
            throw ValidationError("--pending-rows must be between 1 and the smallest --rows (\(smallest))")
        }
        guard workers > 0, batchSize > 0, repetitions > 0, (0...100).contains(pendingPercent) else {
            throw ValidationError("--workers, --batch-size and --repeat must be positive and --pending-percent within 0...100")
        }
    }

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        var rates: [Int: [Double]] = [:]
        for round in 1...repetitions {
            for size in sizes {
                let (line, rate) = try await withScratchDatabase(logger: logger) { url in try await measure(url, rows: size, logger: logger) }
                print(repetitions > 1 ? "[\(size) rows, run \(round)] \(line)" : line)
                rates[size, default: []].append(rate)
            }
        }
        guard sizes.count > 1 || repetitions > 1, let first = sizes.first, let base = Self.median(rates[first] ?? []) else { return }
        let pendingText = pendingRows.map { "\($0) rows pending" } ?? "\(pendingPercent)% pending"
        print("medians of \(repetitions) run\(repetitions == 1 ? "" : "s"), \(pendingText):")
        for size in sizes {
            let values = rates[size] ?? []
            let median = Self.median(values) ?? 0
            let spread = values.map { String(Int($0)) }.joined(separator: ", ")
            print("  \(size) rows: \(Int(median)) rows/s (\(String(format: "%.2f", median / base)) of \(first) rows; runs: \(spread))")
        }
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    func measure(_ url: DatabaseURL, rows: Int, logger: Logger) async throws -> (String, Double) {
        let (workers, batchSize, fromHead) = (workers, batchSize, fromHead)
        let summarized = rows - (pendingRows ?? Int((Double(rows) * pendingPercent / 100).rounded()))
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
            // What autovacuum and the checkpointer do over the months such a table grows in: the
            // summaries seeded in one burst left the queue's removed rows dead, which a claim
            // would walk, and the seed's gigabyte of dirty pages would otherwise be written out
            // by a checkpoint during the claims.
            _ = try await client.query("vacuum analyze", logger: logger)
            _ = try await client.query("checkpoint", logger: logger)
            let seedSeconds = (ContinuousClock.now - seedStart).seconds
            let pending = rows - summarized

            let start = ContinuousClock.now
            let claimed = ClaimCount()
            let reporter = Task { [timeline] in
                guard timeline else { return }
                var last = 0
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(5))
                    let now = claimed.value
                    print("  \(Int((ContinuousClock.now - start).seconds)) s: \(now - last) rows in 5 s (\(now) in all)")
                    last = now
                }
            }
            let claims = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var ids: [UUID] = []
                        // Each claim starts where this claimer's last one ended, as the postgres
                        // source's do (--from-head: always at the head, as before migration 008).
                        var position = ClaimPosition<(date: Date?, id: UUID)>()
                        while true {
                            let before = ids.count
                            let resume = fromHead ? nil : position.start()
                            let result = try await client.query(
                                """
                                select id, publication_date from claim_news_urls(\("bench-\(worker)"), \(Int32(batchSize)), 600, now(), 5, \
                                \(resume?.date)::timestamptz, \(resume?.id)::uuid)
                                """,
                                logger: logger
                            )
                            var last: (date: Date?, id: UUID)?
                            for try await (id, date) in result.decode((UUID, Date?).self) {
                                ids.append(id)
                                last = (date, id)
                            }
                            position.handedOut(last: last)
                            claimed.add(ids.count - before)
                            if ids.count == before { return ids }
                        }
                    }
                }
                var all: [UUID] = []
                for try await ids in group { all += ids }
                return all
            }
            reporter.cancel()
            let seconds = (ContinuousClock.now - start).seconds
            guard claims.count == pending, Set(claims).count == pending else {
                throw ValidationError("claimed \(claims.count) rows (\(Set(claims).count) distinct), not each of the \(pending) pending rows once")
            }
            let rate = Double(pending) / seconds
            let line = """
                \(rows) rows, \(pending) pending (\(String(format: "%g", 100 * Double(pending) / Double(rows)))%), seeded in \(String(format: "%.1f", seedSeconds)) s
                claims: \(pending) rows by \(workers) workers in batches of \(batchSize): \
                \(Int(rate)) rows/s (\(String(format: "%.2f", seconds)) s), each pending row exactly once
                """
            return (line, rate)
        }
    }
}

/// Rows claimed so far across the benchmark's claimers, for `--timeline`.
final class ClaimCount: Sendable {
    private let count = Mutex(0)
    func add(_ rows: Int) { count.withLock { $0 += rows } }
    var value: Int { count.withLock { $0 } }
}
