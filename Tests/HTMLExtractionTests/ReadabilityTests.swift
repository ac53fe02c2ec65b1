import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Testing

@testable import HTMLExtraction

/// Paragraphs of real-looking prose, long enough to score.
func prose(_ topic: String, sentences: Int = 6) -> String {
    (1...sentences).map { "The \(topic) report, part \($0), says the team practiced on Monday, Tuesday, and Wednesday before travelling." }
        .joined(separator: " ")
}

@Suite("Readability extractor")
struct ReadabilityTests {
    let extractor = ReadabilityExtractor()
    let context = StageContext(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })

    func extract(_ html: String) throws -> ReadabilityExtractor.Result {
        try extractor.extract(html: html)
    }

    func article(_ html: String) async throws -> Article {
        let page = FetchedPage(finalURL: "https://news.example/a", body: Array(html.utf8), text: html, method: .direct)
        return try await extractor.extract(page, item: WorkItem(url: page.finalURL), context: context)
    }

    @Test func boilerplateAroundTheArticleIsDropped() throws {
        let html = """
            <html><body>
            <nav class="menu"><a href="/">Home</a> <a href="/sports">Sports</a> <a href="/news">News</a></nav>
            <div class="sidebar"><p>\(prose("sidebar"))</p></div>
            <div id="main-content"><article>
              <p>\(prose("injury"))</p><p>\(prose("training"))</p><p>\(prose("travel"))</p>
            </article></div>
            <div class="comments"><p>\(prose("comment"))</p></div>
            <footer><p>Copyright and contact details for the whole site, with links.</p></footer>
            </body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("injury report, part 1"))
        #expect(text.contains("travel report, part 6"))
        #expect(!text.contains("sidebar report"))
        #expect(!text.contains("comment report"))
        #expect(!text.contains("Copyright"))
        #expect(!text.contains("Home"))
    }

    /// React's streaming renderer sends late content in `<div hidden id="S:0">` and reveals it;
    /// other hidden elements stay out.
    @Test func reactStreamedContentIsReadAndOtherHiddenContentIsNot() throws {
        let html = """
            <html><body>
            <div hidden id="S:0"><main><p>\(prose("streamed"))</p><p>\(prose("revealed"))</p></main></div>
            <div hidden id="cookie-wall"><p>\(prose("consent"))</p></div>
            <div hidden id="S:x"><p>\(prose("not a boundary"))</p></div>
            </body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("streamed report, part 1") && text.contains("revealed report, part 6"))
        #expect(!text.contains("consent report"))
        #expect(!text.contains("not a boundary"))
    }

    /// An `<article>` whose class happens to say "sidebar" (a layout with one) is still the
    /// article, not a sidebar to strip.
    @Test func anElementDeclaredAsTheContentIsNotStrippedForItsClassName() throws {
        let html = """
            <html><body>
            <div class="disclosure"><p>\(prose("disclosure", sentences: 3))</p></div>
            <article class="template-with-sidebar"><div class="body-wrapper">
              <p>\(prose("rental"))</p><p>\(prose("insurance"))</p><p>\(prose("loyalty"))</p><p>\(prose("fees"))</p>
            </div></article>
            <div class="sidebar"><p>\(prose("aside"))</p></div>
            </body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("rental report, part 1") && text.contains("fees report, part 6"))
        #expect(!text.contains("aside report"))
    }

    /// An article cut into parallel blocks (one per list entry) is taken whole, not one block.
    @Test func anArticleSplitIntoParallelBlocksIsTakenWhole() throws {
        // The first entry is the longest, so no other block scores close to it.
        let entries = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"].map { name in
            let length = name == "alpha" ? 9 : 4
            return "<li><div class=\"entry\"><h3>\(name)</h3><div class=\"markup\"><p>\(prose(name, sentences: length))</p></div></div></li>"
        }
        let html = """
            <html><body>
            <nav><a href="/">Home</a> <a href="/cars">Cars</a></nav>
            <main><p>An introduction to the list, long enough to read as the standfirst of the piece.</p>
            <ol class="ranked">\(entries.joined())</ol></main>
            <div class="more"><a href="/1">Another story</a> <a href="/2">And another</a></div>
            </body></html>
            """
        let text = try extract(html).text
        for name in ["alpha", "charlie", "foxtrot"] { #expect(text.contains("\(name) report, part 4"), "missing \(name)") }
        #expect(!text.contains("Another story"))
    }

    /// Blocks inside the article that its class names as a newsletter box, a call to action, an
    /// author bio or an ad break go; a class word inside another word ("factual") does not count.
    @Test func boilerplateBlocksNamedByTheirClassAreDroppedFromTheArticle() throws {
        let html = """
            <html><body><article><div class="entry-content">
              <p>\(prose("harvest"))</p>
              <div class="post-cta-wrapper"><h4>Want to win more jobs with less effort?</h4><p>Book a demo today.</p></div>
              <p>\(prose("market"))</p>
              <div class="ad-breaker"><span>Advertisement - Continue Reading Below</span></div>
              <div class="factual-box"><p>\(prose("fact check", sentences: 2))</p></div>
              <p>\(prose("weather"))</p>
              <div class="newsletter-incontent"><h3>For daily tips, sign up for our newsletter.</h3></div>
              <div class="hero-author--bio"><p>Jane Doe is a content writer with ten years of experience.</p></div>
            </div></article></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("harvest report, part 1") && text.contains("weather report, part 6"))
        #expect(text.contains("fact check report, part 2"))
        for boilerplate in ["Want to win", "Book a demo", "Continue Reading", "newsletter", "Jane Doe"] {
            #expect(!text.contains(boilerplate), "kept \(boilerplate)")
        }
    }

    /// A closing heading ("You might also like", "About the author") goes with the short
    /// section under it; a heading of the article's own, or one followed by a long section, stays.
    @Test func closingHeadingsAndTheirShortSectionsAreDropped() throws {
        let html = """
            <html><body><article>
              <p>\(prose("opening"))</p>
              <h2>Results of the season</h2>
              <p>\(prose("results"))</p>
              <h3>You might also like</h3>
              <p>Ten gadgets for the garden. Five ways to store seeds.</p>
              <h3>About the author</h3>
              <p>Sam writes about plants and lives by the sea.</p>
              <h3>Other posts you may enjoy</h3>
              <ul><li>Pruning roses in spring</li><li>Compost for beginners</li></ul>
              <h3>What do you think?</h3>
              <p>Be the first to comment</p>
              <h2>Related reading on the history of the league</h2>
              <p>\(prose("league history", sentences: 12))</p>
            </article></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("Results of the season") && text.contains("results report, part 6"))
        #expect(!text.contains("You might also like") && !text.contains("Ten gadgets"))
        #expect(!text.contains("About the author") && !text.contains("lives by the sea"))
        #expect(!text.contains("Other posts") && !text.contains("Pruning roses"))
        #expect(!text.contains("What do you think") && !text.contains("first to comment"))
        #expect(text.contains("league history report, part 12"))
    }

    /// A box that opens with a closing heading's words in a plain block ("About the Author" in a
    /// div, then a bio) goes when short; a long container opening the same way stays.
    @Test func boxesCaptionedLikeClosingHeadingsAreDropped() throws {
        let html = """
            <html><body><article>
              <p>\(prose("opening"))</p>
              <p>\(prose("results"))</p>
              <div class="wrap"><div class="caption">About the Author</div><div class="item"><p>Geri writes on networks.</p></div></div>
              <div class="notes"><p>Comments are closed for this post.</p><p>See the forum instead.</p></div>
              <div class="guide"><p>Recommended</p><p>\(prose("reading list", sentences: 14))</p></div>
            </article></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("opening report, part 1") && text.contains("results report, part 6"))
        #expect(!text.contains("About the Author") && !text.contains("Geri writes"))
        #expect(!text.contains("Comments are closed") && !text.contains("See the forum"))
        #expect(text.contains("reading list report, part 14"))
    }

    /// Affiliate disclosures and newsletter lines go; a paragraph about affiliate marketing
    /// itself, which uses the same words, stays.
    @Test func noticesAboutThePageAreDropped() throws {
        let html = """
            <html><body><article>
              <p><em>This post contains affiliate links. Read my full disclosure.</em></p>
              <p>\(prose("opening"))</p>
              <p>Products are chosen by our editors. Purchases made through our links may earn us a commission.</p>
              <p>To measure these partnerships, implement affiliate links and tracking codes per campaign.</p>
              <p>\(prose("results"))</p>
              <div>Want more? Sign up for our newsletter and shop smarter.</div>
            </article></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("opening report, part 1") && text.contains("results report, part 6"))
        #expect(text.contains("implement affiliate links and tracking codes"))
        for notice in ["contains affiliate links", "earn us a commission", "Sign up for our newsletter"] {
            #expect(!text.contains(notice), "kept \(notice)")
        }
    }

    /// Reading times, publication dates and credit lines ("Written by Jane Doe") in lines of
    /// their own go; sentences that start with "Published in" or "Written by" stay.
    @Test func metadataLinesAreDropped() throws {
        let html = """
            <html><body><article>
              <div><span>Bridgestone Team | 5 min read</span></div>
              <p><time>Published June 23, 2025 10:39AM</time></p>
              <p>\(prose("opening"))</p>
              <p>Updated: 3 Dec 2025</p>
              <p>Published in 1998, the guide is still in print.</p>
              <p>Written by hand, the letters were typed up later.</p>
              <p>\(prose("results"))</p>
              <p>Written by Jane Q. Doe</p>
              <div>Medically reviewed by: Dr. Sam Lee, MD</div>
              <p>Posted by Sam at December 16, 2025 11:15 AM</p>
            </article></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("opening report, part 1") && text.contains("results report, part 6"))
        #expect(text.contains("Published in 1998, the guide is still in print."))
        #expect(text.contains("Written by hand, the letters were typed up later."))
        for line in ["5 min read", "June 23, 2025", "Updated: 3 Dec", "Jane Q. Doe", "Medically reviewed", "Posted by Sam"] {
            #expect(!text.contains(line), "kept \(line)")
        }
    }

    /// A block whose class says "widget" stays when it holds paragraphs of prose with few links
    /// (a product review box); one of links goes, and so does a comment box whatever it holds.
    @Test func proseInANegativelyNamedBlockIsKept() throws {
        let links = (1...8).map { "<li><a href=\"/p\($0)\">Deal number \($0) of the week</a></li>" }.joined()
        let html = """
            <html><body><div class="content">
              <p>\(prose("intro"))</p>
              <div class="c-product-widget"><h3>The best dishwasher</h3><p>\(prose("dishwasher review"))</p><p>\(prose("dryer review"))</p></div>
              <div class="deals-widget"><ul>\(links)</ul></div>
              <div class="comment-widget"><p>\(prose("reader comment"))</p><p>\(prose("another comment"))</p></div>
              <p>\(prose("verdict"))</p>
            </div></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("intro report, part 1") && text.contains("verdict report, part 6"))
        #expect(text.contains("dishwasher review report, part 6") && text.contains("dryer review report, part 6"))
        #expect(!text.contains("Deal number"))
        #expect(!text.contains("reader comment report"))
    }

    @Test func interfaceLabelsAndPhotoCreditsGoButTheWordsOfSentencesStay() throws {
        let html = """
            <html><body><article>
              <p>\(prose("opening"))</p>
              <figure><img src="a.jpg"><figcaption>The harbour at dawn.</figcaption><p class="credit">Credit: Jane Doe / Wire Agency</p></figure>
              <p>\(prose("middle"))</p>
              <p>You can subscribe to the council's minutes by post. <a href="/more">Read more »</a></p>
              <p><span>Photo by Sam Lee on Unsplash</span></p>
              <figure><img src="b.jpg"><figcaption>(Image credit: Wire Agency)</figcaption></figure>
              <p>(Some readers wrote in.) The ferry ran late again on Monday.</p>
              <div><a href="#top">Back to top</a></div>
              <p>\(prose("closing"))</p>
              <p><button>Share</button></p>
            </article></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("opening report, part 6") && text.contains("closing report, part 6"))
        #expect(text.contains("The harbour at dawn."))
        #expect(text.contains("You can subscribe to the council's minutes by post."))
        #expect(text.contains("(Some readers wrote in.) The ferry ran late again on Monday."))
        for label in ["Credit: Jane Doe", "Read more", "Photo by Sam Lee", "Back to top", "Share", "Image credit"] {
            #expect(!text.contains(label), "kept \(label)")
        }
        // Labels are whole texts, not words inside one.
        #expect(ReadabilityRules.isInterfaceLabel("→ Learn More"))
        #expect(!ReadabilityRules.isInterfaceLabel("Learn more about the tides"))
        #expect(ReadabilityRules.isPhotoCredit("Image: Getty Images") && ReadabilityRules.isPhotoCredit("[Photo: Getty Images]"))
        #expect(!ReadabilityRules.isPhotoCredit("Images of the flood spread quickly."))
    }

    /// A line that points to another article ("Related:", "Also read:" and a link) goes; a
    /// sentence that opens the same way but links nowhere stays.
    @Test func linksToOtherArticlesGoButSentencesThatOpenTheSameWayStay() throws {
        let html = """
            <html><body><article>
              <p>\(prose("opening"))</p>
              <p>Related: <a href="/tides">How the spring tides shape the harbour</a></p>
              <p><strong>Also read</strong> &mdash; <a href="/ferry">The ferry timetable for winter</a></p>
              <div><a href="/budget">See also: the council budget explained</a></div>
              <p>Related: the council said the two plans were linked from the start.</p>
              <p>\(prose("closing"))</p>
              <p>&copy; Jane Doe / Wire Agency</p>
            </article></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("opening report, part 6") && text.contains("closing report, part 6"))
        #expect(text.contains("Related: the council said the two plans were linked from the start."))
        for line in ["spring tides", "ferry timetable", "council budget explained", "Jane Doe"] {
            #expect(!text.contains(line), "kept \(line)")
        }
        #expect(ReadabilityRules.isRelatedLine("read more: eight ways to save"))
        #expect(!ReadabilityRules.isRelatedLine("related:") && !ReadabilityRules.isRelatedLine("relatedness: a measure"))
    }

    /// A link drawn as a button that is all its block says ("Buy poster") goes; the same link
    /// inside a sentence, a plain link alone in its block and a long button-styled text stay.
    @Test func callsToActionDrawnAsButtonsGoButButtonStyledLinksInSentencesStay() throws {
        let html = """
            <html><body><article>
              <p>\(prose("opening"))</p>
              <p><a class="btn btn-primary btn-lg" href="/shop/poster">Buy Poster</a></p>
              <div class="wrapper"> <a class="et_pb_button et_pb_button_0" href="/shop">SHOP ALL HOUSEPLANTS</a> </div>
              <p>The tide tables are <a class="btn-link" href="/tides">on the harbour's page</a> for anyone planning a trip.</p>
              <p><a href="/ferry">The winter ferry timetable</a></p>
              <p><a class="button" href="/long">\(String(repeating: "A long button text that runs on ", count: 3))</a></p>
              <p>\(prose("closing"))</p>
            </article></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("opening report, part 6") && text.contains("closing report, part 6"))
        #expect(text.contains("The tide tables are on the harbour's page for anyone planning a trip."))
        #expect(text.contains("The winter ferry timetable"))
        #expect(text.contains("A long button text that runs on"))
        for label in ["Buy Poster", "SHOP ALL HOUSEPLANTS"] {
            #expect(!text.contains(label), "kept \(label)")
        }
        // Whole words of the class, so "rebuttal" and "buttons-of-the-week" are not buttons.
        func isButton(_ names: String) -> Bool { Array(names.utf8).withUnsafeBufferPointer { ReadabilityRules.isButton($0) } }
        #expect(isButton("btn btn-primary") && isButton("et_pb_button_0 x"))
        #expect(!isButton("rebuttal") && !isButton("buttons-of-the-week"))
    }

    @Test func lonePublicationDatesGoButDatesInSentencesAndPricesStay() throws {
        let html = """
            <html><body><article>
              <p>Tuesday February 11 2025</p>
              <div>Published on: March 3, 2025</div>
              <p>Reading Time: 11 minutes</p>
              <p>\(prose("harbour"))</p>
              <p>The vote on June 9, 2025 settled it.</p>
              <p>$800 - $3,000</p>
              <p>115 (77.7%)</p>
              <p>\(prose("ferry"))</p>
            </article></body></html>
            """
        let text = try extract(html).text
        for line in ["Tuesday February 11 2025", "Published on", "Reading Time"] { #expect(!text.contains(line), "kept \(line)") }
        for line in ["The vote on June 9, 2025 settled it.", "$800 - $3,000", "115 (77.7%)"] { #expect(text.contains(line), "lost \(line)") }
        #expect(ReadabilityRules.isDate("9th jan 2024, 10:30 am") && ReadabilityRules.isDate("2025-06-09"))
        #expect(!ReadabilityRules.isDate("4.6/5") && !ReadabilityRules.isDate("may the best team win") && !ReadabilityRules.isDate("monday"))
    }

    @Test func aTableOfContentsGoesButAListOfLinksElsewhereStays() throws {
        let sections = ["Tides", "Ferries", "Budget"]
        let contents = sections.map { "<li><a href=\"#\($0.lowercased())\">\($0) explained</a></li>" }.joined()
        let sources = (1...3).map { "<li><a href=\"https://example.org/report-\($0)\">Council report \($0)</a></li>" }.joined()
        let html = """
            <html><body><article>
              <p>\(prose("opening"))</p>
              <div class="toc"><p>On this page</p><ul>\(contents)</ul></div>
              \(sections.map { "<h2 id=\"\($0.lowercased())\">\($0)</h2><p>\(prose($0.lowercased()))</p>" }.joined())
              <ul>\(sources)</ul>
            </article></body></html>
            """
        let text = try extract(html).text
        #expect(!text.contains("Tides explained") && !text.contains("On this page"))
        #expect(text.contains("tides report, part 6") && text.contains("budget report, part 6"))
        #expect(text.contains("Council report 2"))
    }

    @Test func whatABlockHoldsIsComposedFromItsChildrenAndForgottenAboveARemoval() throws {
        let html = """
            <html><body><div id="outer"><div id="inner"><p>One, two, three</p>
            <h2><a href="#top">Head</a> <img src="b.jpg"></h2>
            <ul><li><a href="/y">link</a></li></ul><img src="a.jpg"></div>
            <p id="last">Four</p></div></body></html>
            """
        let document = try #require(HTMLDocument(text: html))
        var grabber = ArticleGrabber(document: document, flags: .all, articleTitle: "")
        let outer = try #require(document.root?.descendants(["div"]).first { $0.idAttribute == "outer" })
        let inner = try #require(document.root?.descendants(["div"]).first { $0.idAttribute == "inner" })
        // Inner first, as the cleaning goes: the outer block reuses what the inner one holds.
        let first = grabber.contents(of: inner)
        // The image inside the heading is the heading's, not counted.
        #expect(first.paragraphs == 1 && first.items == 1 && first.images == 1)
        #expect(first.headingLength == "Head".count)
        #expect(first.commas == 2)
        #expect(first.linked == 4 * 0.3 + 4)
        #expect(first.text.length == "One, two, three Head link".count)
        #expect(grabber.contents(of: outer).paragraphs == 2)
        // Removing the list forgets the blocks above it, and only those.
        let list = try #require(inner.descendants(["ul"]).first)
        grabber.forgetContents(above: list)
        list.remove()
        #expect(grabber.contentsCache[inner] == nil && grabber.contentsCache[outer] == nil)
        let after = grabber.contents(of: outer)
        #expect(after.items == 0 && after.paragraphs == 2 && after.linked == 4 * 0.3)
    }

    @Test func aBlockRepeatedElsewhereGoesButARefrainStays() throws {
        let standfirst = "The city council approved the new harbour budget on Tuesday after a long debate about ferries."
        let refrain = "And still the ferries ran late, every single morning of that long and windy winter season."
        let html = """
            <html><body><div class="story">
              <div class="standfirst"><p>\(standfirst)</p></div>
              <div class="body">
                <p>\(standfirst)</p>
                <p>\(prose("budget"))</p><p>\(refrain)</p><p>\(prose("ferry"))</p><p>\(refrain)</p>
                <div><span><p>\(prose("nested"))</p></span></div>
              </div>
            </div></body></html>
            """
        let text = try extract(html).text
        #expect(text.components(separatedBy: standfirst).count - 1 == 1)
        // Beside itself, under one parent, a repeated paragraph is the writer's.
        #expect(text.components(separatedBy: refrain).count - 1 == 2)
        // A block inside a block of the same text is one block, not a copy.
        #expect(text.contains("nested report, part 6"))
        #expect(text.contains("budget report, part 6") && text.contains("ferry report, part 6"))
    }

    @Test func siblingsOfTheBestCandidateAreMerged() throws {
        let html = """
            <html><body><div class="page">
              <div class="story"><p>\(prose("first half"))</p><p>\(prose("second half"))</p></div>
              <p>A short closing paragraph that belongs to the story. It ends with a full stop.</p>
              <div class="story"><p>\(prose("continued"))</p></div>
              <div class="ad-break"><a href="/x">Buy now</a></div>
            </div></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("first half report"))
        #expect(text.contains("continued report"))
        #expect(text.contains("A short closing paragraph"))
        #expect(!text.contains("Buy now"))
    }

    @Test func linkHeavyBlocksLoseToProse() throws {
        let links = (1...30).map { "<li><a href=\"/story/\($0)\">Another headline about the league number \($0)</a></li>" }.joined()
        let html = """
            <html><body>
            <div class="list"><ul>\(links)</ul></div>
            <div class="body"><p>\(prose("proper article"))</p><p>\(prose("second paragraph"))</p></div>
            </body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("proper article report"))
        #expect(!text.contains("Another headline"))
    }

    @Test func aShortResultIsRetriedWithRelaxedRules() throws {
        // The only text lives in an element whose class looks like a comment section: the
        // first attempt strips it, the relaxed attempt keeps it.
        let html = "<html><body><div class=\"comment-body\"><p>\(prose("only content", sentences: 8))</p></div></body></html>"
        let text = try extract(html).text
        #expect(text.contains("only content report, part 8"))
    }

    @Test func blocksAreSeparatedAndInlineWordsStayApart() throws {
        let html = """
            <html><body><article>
            <h2>Heading</h2><p>\(prose("lead"))<br>after break</p>
            <ul><li>first item</li><li>second item</li></ul>
            <p>Words <b>in</b><i>line</i> stay <a href="/x">linked</a> together &amp; entities &eacute;scape, &#8220;quoted&#8221;.</p>
            <p>\(prose("closing"))</p>
            </article></body></html>
            """
        let text = try extract(html).text
        #expect(text.contains("Heading\n\n"))
        #expect(text.contains("\nafter break"))
        #expect(text.contains("first item\n\nsecond item"))
        #expect(text.contains("Words inline stay linked together & entities éscape, “quoted”."))
    }

    @Test func metadataComesFromJSONLDThenOpenGraphThenTitle() throws {
        let html = """
            <html lang="fr"><head>
            <title>Le titre de la page | Le Site</title>
            <meta property="og:site_name" content="Le Site">
            <meta property="og:image" content="https://cdn.example/lead.jpg">
            <meta name="description" content="Un résumé court.">
            <script type="application/ld+json">
            {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Le Site"},
             {"@type": "NewsArticle", "headline": "Le vrai titre", "datePublished": "2026-11-02T10:00:00Z",
              "author": [{"@type": "Person", "name": "Ana Ruiz"}, {"@type": "Person", "name": "Luc Moreau"}]}]}
            </script></head>
            <body><article><p>\(prose("match"))</p></article></body></html>
            """
        let metadata = try extract(html).metadata
        #expect(metadata.title == "Le vrai titre")
        #expect(metadata.byline == "Ana Ruiz, Luc Moreau")
        #expect(metadata.publishedTime == "2026-11-02T10:00:00Z")
        #expect(metadata.siteName == "Le Site")
        #expect(metadata.language == "fr")
        #expect(metadata.excerpt == "Un résumé court.")
        #expect(metadata.leadImage == "https://cdn.example/lead.jpg")

        let plain = try extract(
            "<html><head><title>Pioneers win the derby in overtime - Gridiron Ledger</title></head><body><p>\(prose("x"))</p></body></html>"
        )
        #expect(plain.metadata.title == "Pioneers win the derby in overtime")
        let og = try extract(
            "<html><head><meta property=\"og:title\" content=\"From OpenGraph\"><meta property=\"article:published_time\" content=\"2026-01-01\"></head><body><p>\(prose("y"))</p></body></html>"
        )
        #expect(og.metadata.title == "From OpenGraph")
        #expect(og.metadata.publishedTime == "2026-01-01")
        let timed = try extract("<html><body><time datetime=\"2026-03-04T05:06:07Z\">March 4</time><p>\(prose("z"))</p></body></html>")
        #expect(timed.metadata.publishedTime == "2026-03-04T05:06:07Z")
    }

    @Test func jsonLDArticleBodyStandsInWhenThePageShowsLittle() throws {
        let body = prose("structured body", sentences: 10)
        let html = """
            <html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "H", "articleBody": "\(body)"}</script></head>
            <body><div id="app">\(body.split(separator: " ").prefix(20).joined(separator: " "))</div><div hidden>\(body)</div></body></html>
            """
        #expect(try extract(html).text == body)
        // Not when the page does not show it: the words are only in the structured data.
        #expect(ReadabilityExtractor.isConsistent("zebra quokka wombat", with: "<html><body><p>Tiny page.</p></body></html>") == false)
        #expect(ReadabilityExtractor.isConsistent("tiny page", with: "<html><body><p>Tiny page.</p></body></html>"))
    }

    @Test func pagesWithoutAnArticleFail() async {
        let cases: [(String, String)] = [
            ("<html><head><title>404 Not Found</title></head><body><h1>Page not found</h1><p>Try the search.</p></body></html>", "error-page"),
            (
                "<html><body><form><p>Sign in</p><input type=\"text\" name=\"u\"><input type=\"password\" name=\"p\"></form></body></html>",
                "login-form"
            ),
            ("<html><body><ul>" + (1...20).map { "<li><a href=\"/\($0)\">Story \($0)</a></li>" }.joined() + "</ul></body></html>", "listing"),
            ("<html><body></body></html>", "empty"),
        ]
        for (html, reason) in cases {
            do {
                _ = try await article(html)
                Issue.record("no failure for \(reason)")
            } catch let error as PipelineError {
                #expect(error.kind == .invalidContent)
                #expect(error.reason == "no-article")
                #expect(error.code == reason)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        // A short real article is still an article.
        await #expect(throws: Never.self) {
            _ = try await article(
                "<html><body><article><p>The club confirmed the signing on Tuesday. He joins on a two-year deal.</p></article></body></html>"
            )
        }
    }

    @Test func malformedAndDeeplyNestedMarkupIsSafe() throws {
        let deep = String(repeating: "<div>", count: 400) + "<p>\(prose("deep"))</p>" + String(repeating: "</div>", count: 400)
        #expect(try extract("<html><body>\(deep)</body></html>").text.contains("deep report"))
        // Pathological nesting ends within the time budget: an article or a clean refusal.
        let absurd = String(repeating: "<div><table><tr><td><span>", count: 20_000) + "x"
        do {
            var bounded = ReadabilityExtractor()
            bounded.timeBudget = .milliseconds(500)
            _ = try bounded.extract(html: absurd)
        } catch {
            #expect(error.kind == .invalidContent)
        }
        let broken = "<p>\(prose("broken"))<div></p><table><td>cell</div></span><p>after &bogus; <!-- unterminated"
        #expect(try extract(broken).text.contains("broken report"))
        for seed in 0..<50 {
            var generator = SeededGenerator(seed: UInt64(seed))
            let bytes = (0..<2_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? extract(String(decoding: bytes, as: UTF8.self))
            _ = try? extract("<html><body><div>" + String(decoding: bytes, as: UTF8.self) + "</p></td>")
        }
    }

    @Test func oversizeInputIsRefused() {
        var small = ReadabilityExtractor()
        small.maxInputBytes = 1_000
        #expect(throws: PipelineError.self) { try small.extract(html: String(repeating: "<p>a</p>", count: 500)) }
    }

    @Test func legacyTextArrivesDecodedAndStaysIntact() throws {
        // Fetchers decode charsets; the extractor must keep what they produced, whatever the page's meta says.
        let html =
            "<html><head><meta charset=\"windows-1252\"></head><body><article><p>José Peña firmó con los Tiburones de Málaga — “un sueño”. \(prose("fichaje"))</p></article></body></html>"
        #expect(try extract(html).text.contains("José Peña firmó con los Tiburones de Málaga — “un sueño”."))
    }

    @Test func theCleanedHTMLIsKeptWhenAsked() throws {
        let html = "<html><body><nav class=\"menu\"><a href=\"/\">Home</a></nav><article><p>\(prose("kept"))</p></article></body></html>"
        var extractor = ReadabilityExtractor()
        extractor.includeHTML = true
        let result = try extractor.extract(html: html)
        #expect(result.html?.contains("<p>") == true)
        #expect(result.html?.contains("Home") == false)
    }
}
