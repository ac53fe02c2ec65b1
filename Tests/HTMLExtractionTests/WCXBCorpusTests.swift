import Foundation
import Logging
import SummarizerCore
import Testing
import WebFetch

@testable import HTMLExtraction

/// The development articles of WCXB (human-reviewed truth), beside the repository.
enum WCXB {
    static let directory = Corpus.directory.deletingLastPathComponent().appendingPathComponent("wcxb-dev-articles")

    static var isAvailable: Bool {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.contains { $0.hasSuffix(".html.gz") } ?? false
    }

    /// Runs only where the corpus is, except under CI, where its absence is a failure.
    static var enabled: Bool {
        if isAvailable { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" { return true }
        print("skipping WCXB corpus tests: \(directory.path) is absent")
        return false
    }

    /// WCXB's page score: precision, recall and F1 of the bags of lowercased words.
    static func wordScores(truth: String, predicted: String) -> (precision: Double, recall: Double, f1: Double) {
        func bag(_ text: String) -> [String: Int] {
            ShingleScore.words(text).reduce(into: [:]) { $0[$1.lowercased(), default: 0] += 1 }
        }
        let expected = bag(truth)
        let found = bag(predicted)
        if expected.isEmpty { return found.isEmpty ? (1, 1, 1) : (0, 0, 0) }
        if found.isEmpty { return (0, 0, 0) }
        let overlap = Double(expected.reduce(0) { $0 + min($1.value, found[$1.key] ?? 0) })
        let precision = overlap / Double(found.values.reduce(0, +))
        let recall = overlap / Double(expected.values.reduce(0, +))
        return (precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0)
    }
}

@Suite("Readability on the WCXB development articles", .enabled(if: WCXB.enabled))
struct WCXBCorpusTests {
    struct Truth: Decodable {
        struct GroundTruth: Decodable {
            var main_content: String?
            var with: [String]?
            var without: [String]?
        }
        var ground_truth: GroundTruth
    }

    /// The measures of `../shared/bench/score_extraction.py` on this corpus. Word F1 is held at
    /// issue 16's target (the script gives 0.950; this Swift tokenizer may differ in the fourth
    /// digit, hence 0.949). The snippet rates are held as floors a little under today's (86.4%
    /// of `with` found, 3.2% of `without` present), since the targets (88%, 2.5%) are not
    /// reached; see docs/extraction.md.
    @Test func wordF1AndSnippetRatesHold() async throws {
        let pages = CorpusPage.list(in: WCXB.directory)
        #expect(pages.count >= 700)
        let reader = FileFetcher(maxBodyBytes: 50_000_000)
        let context = StageContext(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        var extractor = ReadabilityExtractor()
        extractor.timeBudget = .seconds(30)
        var f1s: [Double] = []
        var found: [Double] = []
        var present: [Double] = []
        for page in pages {
            let truthURL = page.url.deletingPathExtension().deletingPathExtension().appendingPathExtension("json")
            let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: truthURL)).ground_truth
            let fetched = try await reader.fetch(WorkItem(url: page.url.absoluteString), context: context)
            let text = (try? extractor.extract(html: fetched.text).text) ?? ""
            f1s.append(WCXB.wordScores(truth: truth.main_content ?? "", predicted: text).f1)
            let lowered = text.lowercased()
            func share(_ snippets: [String]) -> Double {
                Double(snippets.filter { lowered.contains($0.lowercased()) }.count) / Double(snippets.count)
            }
            if let with = truth.with, !with.isEmpty { found.append(share(with)) }
            if let without = truth.without, !without.isEmpty { present.append(share(without)) }
        }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }
        let f1 = mean(f1s)
        #expect(f1 >= 0.949, "word F1 \(f1)")
        #expect(mean(found) >= 0.860, "with snippets found \(mean(found))")
        #expect(mean(present) <= 0.034, "without snippets present \(mean(present))")
    }
}
