import ArgumentParser
import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Synchronization
import WebFetch

/// `summarize-bench fetch`: pages per second through the HTTP fetcher from a local server.
struct FetchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch pages from the local page server through the http fetcher (decoding and blocked-page detection included)."
    )

    @Option(help: "Pages to fetch.")
    var requests = 10_000

    @Option(help: "Fetches in flight.")
    var concurrency = 64

    @Option(help: "Bytes per page.")
    var pageBytes = 50_000

    func run() async throws {
        let page = Self.page(bytes: pageBytes)
        let server = try await LocalPageServer.start(routes: ["/article": .page(page)])
        var settings = HTTPFetcher.Configuration()
        settings.maxConcurrentPerHost = concurrency
        settings.maxConnectionsPerHost = concurrency
        settings.maxConnections = concurrency
        settings.timeout = .seconds(30)
        let fetcher = HTTPFetcher(configuration: settings, policy: AddressPolicy(allowed: [CIDR("127.0.0.1/32")!]))
        let context = StageContext(logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        let url = server.url("/article")

        // Warm up the pool and the code paths; not counted.
        for _ in 0..<min(200, requests) { _ = try await fetcher.fetch(WorkItem(url: url), context: context) }
        let warmupConnections = server.connectionsOpened

        let tickets = Tickets(requests)
        let clock = ContinuousClock()
        let start = clock.now
        let (latencies, bytes) = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = []
                    var bytes = 0
                    while tickets.take() {
                        let began = clock.now
                        let fetched = try await fetcher.fetch(WorkItem(url: url), context: context)
                        latencies.append((clock.now - began).seconds * 1000)
                        bytes += fetched.body.count
                    }
                    return (latencies, bytes)
                }
            }
            var all: [Double] = []
            var bytes = 0
            for try await (latencies, count) in group {
                all += latencies
                bytes += count
            }
            return (all.sorted(), bytes)
        }
        let seconds = (clock.now - start).seconds
        let connections = server.connectionsOpened
        await fetcher.shutdown()
        try await server.shutdown()

        let pagesPerSecond = Double(latencies.count) / seconds
        let megabytesPerSecond = Double(bytes) / 1e6 / seconds
        let p50 = latencies[latencies.count / 2]
        let p99 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
        print("HTTP fetcher: \(latencies.count) pages of \(page.utf8.count) bytes, \(concurrency) in flight, loopback")
        print("pages/s              \(String(format: "%.0f", pagesPerSecond))")
        print("MB/s                 \(String(format: "%.1f", megabytesPerSecond))")
        print("latency p50 / p99    \(String(format: "%.2f", p50)) ms / \(String(format: "%.2f", p99)) ms")
        print(
            "connections opened   \(connections) (\(warmupConnections) during warm-up; \(String(format: "%.2f", Double(connections) * 100 / Double(latencies.count + 200)))% of requests)"
        )
        let json: [String: Any] = [
            "requests": latencies.count, "pages_per_second": (pagesPerSecond * 10).rounded() / 10,
            "mb_per_second": (megabytesPerSecond * 10).rounded() / 10, "p50_ms": (p50 * 100).rounded() / 100,
            "p99_ms": (p99 * 100).rounded() / 100, "connections_opened": connections,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }

    /// An article page of about `bytes` bytes.
    static func page(bytes: Int) -> String {
        let paragraph =
            "<p>The visitors scored twice in the final quarter, and the home side answered with a late drive "
            + "that ended in a field goal as time expired. Coaches on both sides praised the defense.</p>\n"
        var body =
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Benchmark article</title></head>"
            + "<body><article><h1>Benchmark article</h1>\n"
        while body.utf8.count + paragraph.utf8.count + 30 < bytes { body += paragraph }
        return body + "</article></body></html>"
    }
}

/// Hands out a fixed number of turns to concurrent workers.
final class Tickets: Sendable {
    private let remaining: Mutex<Int>

    init(_ count: Int) {
        remaining = Mutex(count)
    }

    func take() -> Bool {
        remaining.withLock { remaining in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
    }
}
