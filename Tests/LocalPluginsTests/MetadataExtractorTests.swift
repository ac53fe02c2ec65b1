import Foundation
import Logging
import SummarizerCore
import Testing

@testable import LocalPlugins

@Suite("Metadata extractor")
struct MetadataExtractorTests {
    let context = StageContext(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })

    func extract(_ html: String, _ extractor: MetadataExtractor = MetadataExtractor()) async throws -> Article {
        let page = FetchedPage(finalURL: "https://example.test/a", body: Array(html.utf8), text: html, method: .direct)
        return try await extractor.extract(page, item: WorkItem(url: page.finalURL, title: "From the list"), context: context)
    }

    static let structured = """
        <html lang="en"><head><title>Site | Story</title>
        <script type="application/ld+json">
        {"@context": "https://schema.org", "@graph": [{"@type": "NewsArticle", "headline": "Pioneers win in overtime",
         "author": {"@type": "Person", "name": "Dana Reyes"}, "datePublished": "2025-11-02T18:00:00Z",
         "description": "A late field goal decided it.",
         "articleBody": "The Pioneers beat the Armadillos 27-24 in overtime on Sunday. A late field goal decided it."}]}
        </script>
        <meta property="og:site_name" content="Example Sports"><meta property="og:description" content="OpenGraph standfirst.">
        </head><body><nav>Menu</nav><p>Body text the extractor does not read.</p></body></html>
        """

    @Test func theJSONLDArticleBodyIsTheArticle() async throws {
        let article = try await extract(Self.structured)
        #expect(article.text == "The Pioneers beat the Armadillos 27-24 in overtime on Sunday. A late field goal decided it.")
        #expect(article.title == "Pioneers win in overtime")
        #expect(article.byline == "Dana Reyes")
        #expect(article.publishedTime == "2025-11-02T18:00:00Z")
        #expect(article.siteName == "Example Sports")
        #expect(article.extractor == "metadata")
        #expect(!article.text.contains("Menu") && !article.text.contains("does not read"))
    }

    @Test func withoutABodyTheDescriptionStandsInUnlessForbidden() async throws {
        let html = """
            <html><head><meta property="og:title" content="Trade deadline"><meta property="og:description" content="Denver traded for an edge rusher hours before the deadline.">
            </head><body><p>Text</p></body></html>
            """
        let article = try await extract(html)
        #expect(article.text == "Denver traded for an edge rusher hours before the deadline.")
        #expect(article.title == "Trade deadline")
        await #expect(throws: PipelineError.self) {
            try await extract(
                html,
                {
                    var extractor = MetadataExtractor()
                    extractor.allowDescription = false
                    return extractor
                }()
            )
        }
        do {
            _ = try await extract(
                html,
                {
                    var extractor = MetadataExtractor()
                    extractor.minWords = 50
                    return extractor
                }()
            )
            Issue.record("a ten-word description passed minWords 50")
        } catch let error as PipelineError {
            #expect(error.kind == .invalidContent && error.reason == "no-article")
        }
    }

    @Test func aPageWithoutMetadataHasNoArticle() async throws {
        do {
            _ = try await extract("<html><head><title>Plain</title></head><body><p>Only body text.</p></body></html>")
            Issue.record("a page without metadata produced an article")
        } catch let error as PipelineError {
            #expect(error.kind == .invalidContent && error.reason == "no-article")
        }
    }

    @Test func theFixturePageWithStructuredDataGivesItsHeadline() async throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/MetadataExtractor", withExtension: "html"))
        let article = try await extract(try String(contentsOf: url, encoding: .utf8))
        #expect(article.title == "Harbormen quarterback Eli Navarro day-to-day with ankle sprain")
        // No articleBody: the description stands in.
        #expect(article.text == "Navarro left Sunday's game in the third quarter and did not return.")
        #expect(article.byline == "Ruth Okafor" && article.siteName == "Harbor Sports")
    }
}
