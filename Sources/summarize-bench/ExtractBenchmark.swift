import ArgumentParser
import Foundation
import HTMLExtraction
import SummarizerCore
import WebFetch

/// `summarize-bench extract`: the readability extractor's speed on a corpus, one thread.
struct ExtractBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extraction speed and peak memory of the readability extractor on DIR/*/source.html (or DIR/*.html)."
    )

    @Option(help: ArgumentHelp("The corpus folder.", valueName: "dir"))
    var corpus: String

    @Option(help: "Passes over the corpus; each page's time is its fastest pass.")
    var passes = 3

    func run() async throws {
        let root = URL(fileURLWithPath: corpus)
        var pages: [(String, String, Int)] = []
        for entry in try FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil).sorted(by: { $0.path < $1.path }) {
            let source = entry.appendingPathComponent("source.html")
            let file = FileManager.default.fileExists(atPath: source.path) ? source : entry
            guard file.pathExtension.lowercased() == "html", let data = try? Data(contentsOf: file) else { continue }
            let decoded = CharsetDecoder.decode(Array(data))
            pages.append((entry.lastPathComponent, decoded.text, data.count))
        }
        guard !pages.isEmpty else { throw ValidationError("no pages in \(corpus)") }

        let extractor = ReadabilityExtractor(timeBudget: .seconds(30))
        let clock = ContinuousClock()
        var best = [Double](repeating: .infinity, count: pages.count)
        for _ in 0..<max(1, passes) {
            for (index, page) in pages.enumerated() {
                let start = clock.now
                _ = try? extractor.extract(html: page.1)
                best[index] = min(best[index], (clock.now - start).seconds)
            }
        }
        let bytes = pages.reduce(0) { $0 + $1.2 }
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
        let json: [String: Any] = [
            "pages": pages.count, "bytes": bytes, "pages_per_second": (pagesPerSecond * 10).rounded() / 10,
            "mb_per_second": (megabytesPerSecond * 100).rounded() / 100, "median_ms": (median * 100).rounded() / 100,
            "p99_ms": (p99 * 100).rounded() / 100, "peak_rss_mb": (peakMB * 10).rounded() / 10,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }
}
