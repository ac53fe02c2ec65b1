import Foundation
import Logging
import SummarizerCore
import Testing

@testable import LocalPlugins

@Suite("__PLUGIN__ extractor")
struct __TYPE__Tests {
    @Test func theFixturePageGivesItsParagraphs() async throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/__TYPE__", withExtension: "html"))
        let html = try String(contentsOf: url, encoding: .utf8)
        let page = FetchedPage(finalURL: "https://example.test/story", body: Array(html.utf8), text: html, method: .direct)
        let article = try await __TYPE__().extract(page, item: WorkItem(url: page.finalURL), context: StageContext(logger: Logger(label: "test")))
        #expect(article.text == "The Pioneers beat the Armadillos in overtime.\n\nA late field goal decided it.")
        #expect(article.extractor == "__PLUGIN__")
    }

    @Test func aPageWithoutParagraphsHasNoArticle() async throws {
        let page = FetchedPage(finalURL: "https://example.test/", body: [], text: "<html><body>menu</body></html>", method: .direct)
        await #expect(throws: PipelineError.self) {
            try await __TYPE__().extract(page, item: WorkItem(url: page.finalURL), context: StageContext(logger: Logger(label: "test")))
        }
    }
}
