import ArgumentParser
import Foundation
import HTMLExtraction
import Logging
import SummarizerCore
import WebFetch

/// `summarize-bench extract`: the readability extractor's speed on a corpus, one thread, and
/// optionally trafilatura's on the same pages in the same run.
struct ExtractBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extraction speed and peak memory of the readability extractor on a corpus, one thread.",
        discussion: """
            Pages are DIR/*/source.html, DIR/*.html or DIR/*.html.gz, read and decoded as the file fetcher does, \
            outside the clock. Each page is extracted --passes times in a row and its time is the fastest pass; one \
            page is held at a time, so the peak RSS is the extractor's, not the corpus's. With --compare trafilatura, \
            Scripts/trafilatura-timing.py times trafilatura the same way on the same pages right after, and both rates \
            and their ratio are printed. The last line is one JSON object.
            """
    )

    enum Comparison: String, ExpressibleByArgument, CaseIterable {
        case trafilatura
    }

    @Option(help: ArgumentHelp("The corpus folder.", valueName: "dir"))
    var corpus: String

    @Option(help: "Passes over each page; its time is the fastest.")
    var passes = 3

    @Option(help: ArgumentHelp("Also time another extractor on the same pages (needs `pip install trafilatura`).", valueName: "name"))
    var compare: Comparison?

    @Option(help: ArgumentHelp("The Python interpreter for --compare.", valueName: "path"))
    var python = "python3"

    func run() async throws {
        let pages = CorpusPage.list(in: URL(fileURLWithPath: corpus))
        guard !pages.isEmpty else { throw ValidationError("no pages in \(corpus): expected DIR/*/source.html, DIR/*.html or DIR/*.html.gz") }

        var extractor = ReadabilityExtractor()
        extractor.timeBudget = .seconds(30)
        let reader = FileFetcher(maxBodyBytes: 50_000_000)
        let context = StageContext(logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        let clock = ContinuousClock()
        var best: [Double] = []
        var bytes = 0
        for page in pages {
            let fetched = try await reader.fetch(WorkItem(url: page.url.absoluteString), context: context)
            bytes += fetched.body.count
            var fastest = Double.infinity
            for _ in 0..<max(1, passes) {
                let start = clock.now
                _ = try? extractor.extract(html: fetched.text)
                fastest = min(fastest, (clock.now - start).seconds)
            }
            best.append(fastest)
        }
        let total = best.reduce(0, +)
        let sorted = best.sorted()
        let median = sorted[sorted.count / 2] * 1000
        let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))] * 1000
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let peakMB = Double(usage.ru_maxrss) / 1024

        let pagesPerSecond = Double(pages.count) / total
        let megabytesPerSecond = Double(bytes) / 1e6 / total
        print("readability extractor: \(pages.count) pages, \(bytes) bytes of HTML, one thread, fastest of \(passes) passes")
        print("pages/s        \(String(format: "%.1f", pagesPerSecond))")
        print("MB/s           \(String(format: "%.2f", megabytesPerSecond))")
        print("median / p99   \(String(format: "%.2f", median)) ms / \(String(format: "%.2f", p99)) ms")
        print("peak RSS       \(String(format: "%.1f", peakMB)) MB")
        var json: [String: Any] = [
            "pages": pages.count, "bytes": bytes, "pages_per_second": (pagesPerSecond * 10).rounded() / 10,
            "mb_per_second": (megabytesPerSecond * 100).rounded() / 100, "median_ms": (median * 100).rounded() / 100,
            "p99_ms": (p99 * 100).rounded() / 100, "peak_rss_mb": (peakMB * 10).rounded() / 10,
        ]
        if let compare {
            let other = try runTrafilatura()
            guard let otherRate = other["mb_per_second"] as? Double, otherRate > 0 else {
                throw ValidationError("\(compare.rawValue) printed no rate: \(other)")
            }
            let ratio = megabytesPerSecond / otherRate
            print("\(other["extractor"] ?? compare.rawValue): \(other["pages"] ?? "?") pages, fastest of \(passes) passes")
            print("MB/s           \(String(format: "%.2f", otherRate))")
            print("ratio          \(String(format: "%.2f", ratio))× (readability MB/s ÷ \(compare.rawValue) MB/s)")
            json["compare"] = other
            json["ratio"] = (ratio * 100).rounded() / 100
        }
        print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }

    /// Runs Scripts/trafilatura-timing.py on the same corpus and returns its JSON line.
    func runTrafilatura() throws -> [String: Any] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/trafilatura-timing.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script.path, corpus, "--passes", String(passes)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else {
            throw ValidationError(
                "\(script.lastPathComponent) failed (exit \(process.terminationStatus)); is trafilatura installed? pip install trafilatura"
            )
        }
        return object
    }
}
