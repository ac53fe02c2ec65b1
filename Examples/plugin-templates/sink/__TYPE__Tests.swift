import Foundation
import Logging
import SummarizerCore
import Testing

@testable import LocalPlugins

@Suite("__PLUGIN__ sink")
struct __TYPE__Tests {
    @Test func recordsAreAppendedAsTheFixtureShows() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("__PLUGIN__-\(UUID().uuidString).tsv").path
        let sink = __TYPE__(path: path)
        let record = SummaryRecord(
            newsURLID: "id-1",
            url: "https://example.test/story",
            title: "Pioneers win",
            summary: Summary(summary: "The Pioneers won.\nIn overtime."),
            llmModel: "test",
            promptVersion: "1",
            fallbackUsed: false,
            tokens: TokenUsage(),
            processingTimeSeconds: 1,
            generatedAt: Date(),
            extractor: "test",
            contentHash: "abc",
            fetchMethod: "direct",
            inputTruncated: false
        )
        #expect(try await sink.write([record], context: StageContext(logger: Logger(label: "test"))).rejected.isEmpty)
        #expect(try await sink.write([record], context: StageContext(logger: Logger(label: "test"))).rejected.isEmpty)
        let expected = try String(
            contentsOf: try #require(Bundle.module.url(forResource: "Fixtures/__TYPE__", withExtension: "tsv")),
            encoding: .utf8
        )
        #expect(try String(contentsOfFile: path, encoding: .utf8) == expected + expected)
        try? FileManager.default.removeItem(atPath: path)
    }
}
