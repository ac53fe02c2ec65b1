import Foundation
import Logging
import SummarizerCore
import Testing

@testable import HTMLExtraction

@Suite("Plain-text extractor")
struct PlainTextExtractorTests {
    let context = StageContext(logger: Logger(label: "test"))

    func extract(_ html: String, minWords: Int = 1) async throws -> Article {
        let page = FetchedPage(finalURL: "https://example.test/a", body: Array(html.utf8), text: html, method: .direct)
        return try await PlainTextExtractor(minWords: minWords).extract(page, item: WorkItem(url: page.finalURL), context: context)
    }

    @Test func blocksAreSeparatedAndInlineTextFlows() async throws {
        let article = try await extract(
            "<html><body><h1>Title</h1><p>One <b>bold</b><i>word</i> here.</p><div>Two</div><ul><li>a</li><li>b</li></ul></body></html>"
        )
        #expect(article.text == "Title\n\nOne boldword here.\n\nTwo\n\na\n\nb")
    }

    @Test func invisibleElementsAreDropped() async throws {
        let article = try await extract(
            "<body><script>var x = 'hidden';</script><style>p{}</style><noscript>nojs</noscript><p>Visible</p><template>t</template></body>"
        )
        #expect(article.text == "Visible")
    }

    @Test func entitiesAreDecodedAndWhitespaceCollapsed() async throws {
        let article = try await extract("<p>Caf&eacute; &amp;  t&#233;a\n\n   &mdash;&nbsp;ok</p>")
        #expect(article.text == "Café & téa — ok")
    }

    @Test func lineBreaksAndTableRows() async throws {
        let article = try await extract("<p>line one<br>line two</p><table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>")
        #expect(article.text == "line one\nline two\n\na b\nc")
    }

    /// Text wrapped by hand at a fixed width (a `<br>` mid-sentence before a lowercase word)
    /// reads as one sentence; addresses, short lines, sentence ends, a double `<br>` and `<pre>`
    /// keep their line breaks.
    @Test func handWrappedLinesJoinButRealLineBreaksStay() async throws {
        let wrapped = try await extract(
            "<p>Each machine offers its own benefits and features,<br>\ncatering to different levels. Treadmills suit<br>runners.</p>"
        )
        #expect(wrapped.text == "Each machine offers its own benefits and features, catering to different levels. Treadmills suit runners.")
        let kept = try await extract(
            """
            <p>The harbour office is at 12 Quay Street<br>open daily from nine.</p>\
            <p>12 Quay Street<br>harbour district</p>\
            <p>The report is long and worth reading:<br>see the summary first.</p>\
            <p>It rained all day on the island<br><br>and the ferry stayed in port.</p>\
            <pre>one two three four<br>five six</pre>
            """
        )
        #expect(
            kept.text
                == "The harbour office is at 12 Quay Street open daily from nine.\n\n12 Quay Street\nharbour district\n\n"
                + "The report is long and worth reading:\nsee the summary first.\n\nIt rained all day on the island\nand the ferry stayed in port.\n\n"
                + "one two three four\nfive six"
        )
    }

    @Test func preformattedTextKeepsLines() async throws {
        let article = try await extract("<pre>first\nsecond</pre>")
        #expect(article.text == "first\nsecond")
    }

    @Test func titleLanguageAndHashAreSet() async throws {
        let article = try await extract("<html lang=\"fr\"><head><title> Le titre </title></head><body><p>Bonjour</p></body></html>")
        #expect(article.title == "Le titre")
        #expect(article.language == "fr")
        #expect(article.wordCount == 1)
        #expect(article.contentHash == SHA256.hex(of: Array("Bonjour".utf8)))
        #expect(article.extractor == "plainText")
    }

    @Test func tooFewWordsIsNoArticle() async {
        do {
            _ = try await extract("<body><h1>404</h1><p>Page not found</p></body>", minWords: 50)
            Issue.record("expected a failure")
        } catch let error as PipelineError {
            #expect(error.kind == .invalidContent)
            #expect(error.reason == "no-article")
            #expect(error.message.contains("4 words"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func deepNestingAndMalformedMarkupDoNotCrash() async throws {
        // Deeper than libxml2's default limit of 256: the text must survive.
        let deep = String(repeating: "<div>", count: 1_000) + "deep text" + String(repeating: "</div>", count: 1_000)
        let article = try await extract("<body>" + deep + "</body>")
        #expect(article.text.contains("deep text"))

        // Absurd nesting: no crash and no stack overflow, just a clean answer either way.
        let absurd = String(repeating: "<div><span>", count: 50_000) + "x"
        do {
            _ = try await extract("<body><p>before</p>" + absurd)
        } catch let error as PipelineError {
            #expect(error.kind == .invalidContent)
        }

        let broken = "<p>unclosed <b>bold <i>italic</p><td>stray cell<table><p>after</div></span>&bogus; <"
        let recovered = try await extract(broken)
        #expect(recovered.text.contains("unclosed bold italic"))
        #expect(recovered.text.contains("after"))
    }

    @Test func emptyAndBinaryInputFailCleanly() async {
        await #expect(throws: PipelineError.self) { _ = try await extract("", minWords: 1) }
        let binary = String(decoding: (0..<2000).map { UInt8(truncatingIfNeeded: $0 &* 31) }, as: UTF8.self)
        await #expect(throws: PipelineError.self) { _ = try await extract(binary, minWords: 50) }
    }
}
