import Foundation
import Logging
import SummarizerCore
import Testing

@testable import LocalPlugins

@Suite("__PLUGIN__ summarizer")
struct __TYPE__Tests {
    @Test func theFixtureArticleIsSummarizedByItsFirstSentences() async throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/__TYPE__", withExtension: "txt"))
        let text = try String(contentsOf: url, encoding: .utf8)
        let article = Article(title: "Pioneers win", text: text, extractor: "test", extractorVersion: "1")
        let request = SummaryRequest(item: WorkItem(url: "https://example.test/story"), input: .article(article))
        let result = try await __TYPE__(sentences: 2).summarize(request, context: StageContext(logger: Logger(label: "test")))
        #expect(result.summary.summary == "The Pioneers won in overtime. A late field goal decided it.")
        #expect(result.promptVersion == "__PLUGIN__-2")
    }
}
