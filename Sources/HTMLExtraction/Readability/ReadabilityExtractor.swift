import CLibXML2
import Foundation
import SummarizerCore

/// The main article of a page, found the way Readability finds it (`readability`).
///
/// Parses with libxml2's forgiving HTML parser, drops scripts, forms, navigation and unlikely
/// candidates, scores paragraph-like blocks and propagates the scores to their ancestors,
/// penalises link density, takes the best candidate with the siblings that belong to it,
/// cleans it, and relaxes the rules and tries again when the result is too short. Metadata
/// comes from JSON-LD, OpenGraph and meta tags.
public struct ReadabilityExtractor: ContentExtractor, PluginSettings {
    /// Recorded as the article's `extractorVersion`; changes when the output would.
    public static let version = "1"

    /// Results shorter than this (in characters) make the extractor try again with fewer rules.
    public var retryBelowCharacters = 500
    /// Fewer words than this fail the item with `invalidContent` (`no-article`).
    public var minWords = 0
    /// Pages larger than this are refused rather than parsed.
    public var maxInputBytes = 5_000_000
    /// Also return the cleaned article HTML.
    public var includeHTML = false
    /// Once spent, no further relaxed attempt is started.
    public var timeBudget: Duration = .seconds(2)

    /// An extractor with the defaults; set the properties to change them.
    public init() {}

    /// The extraction result before the word-count check, for tools that want it regardless.
    public struct Result: Sendable {
        /// The article's text: paragraphs separated by blank lines, headings on their own lines.
        public var text: String
        /// The cleaned article HTML, when `includeHTML` is set.
        public var html: String?
        /// What the page says about itself.
        public var metadata: PageMetadata
        /// Why the page has no article, when it has none: `error-page`, `login-form`, `listing`, `empty`.
        public var noArticleReason: String?
    }

    public func extract(_ page: FetchedPage, item: WorkItem, context: StageContext) async throws -> Article {
        let result = try extract(html: page.text, url: page.finalURL)
        if let reason = result.noArticleReason {
            throw PipelineError(.invalidContent, "no article: the page looks like \(Self.describe(reason))", reason: "no-article", code: reason)
        }
        let words = Article.countWords(result.text)
        guard words >= minWords else {
            throw PipelineError(
                .invalidContent,
                "no article: the main content has \(words) words, fewer than minWords \(minWords)",
                reason: "no-article"
            )
        }
        let metadata = result.metadata
        return Article(
            title: metadata.title ?? item.title,
            byline: metadata.byline,
            publishedTime: metadata.publishedTime,
            siteName: metadata.siteName,
            language: metadata.language,
            excerpt: metadata.excerpt,
            leadImage: metadata.leadImage,
            text: result.text,
            html: result.html,
            extractor: "readability",
            extractorVersion: Self.version
        )
    }

    /// Extracts the article text and metadata from `html`.
    public func extract(html: String, url: String? = nil) throws(PipelineError) -> Result {
        guard html.utf8.count <= maxInputBytes else {
            throw PipelineError(
                .invalidContent,
                "the page is \(html.utf8.count) bytes, over maxInputBytes \(maxInputBytes)",
                reason: "too-large"
            )
        }
        guard let original = HTMLDocument(text: html, url: url, droppingScriptBodies: true) else {
            throw PipelineError(.invalidContent, "the page could not be parsed as HTML", reason: "unparsable")
        }
        // Read in one walk, before the first attempt reshapes the tree.
        let index = original.root?.index(PageMetadata.indexedTags) ?? [:]
        var metadata = original.root.map { PageMetadata.read(original, root: $0, index: index) } ?? PageMetadata()
        let articleTitle = metadata.title ?? ""
        let signals = PageSignals(original, index: index, html: html)

        let deadline = ContinuousClock.now + timeBudget
        // Lengths in characters, counted once each: counting walks the whole text.
        var best: (text: String, count: Int, html: String?) = ("", 0, nil)
        var ranOutOfTime = false
        let attempts: [ArticleGrabber.Flags] = [.all, [.weightClasses, .cleanConditionally], [.cleanConditionally], []]
        for (index, flags) in attempts.enumerated() {
            if index > 0, ContinuousClock.now > deadline { break }
            // Each attempt works on a fresh parse: the previous one removed what this one keeps.
            guard let document = index == 0 ? original : HTMLDocument(text: html, url: url, droppingScriptBodies: true) else { break }
            ArticleGrabber.prepare(document)
            var grabber = ArticleGrabber(document: document, flags: flags, articleTitle: articleTitle, deadline: deadline)
            let text: String
            let article: Node
            do {
                guard let grabbed = try grabber.grab() else { continue }
                try grabber.clean(grabbed)
                article = grabbed
                text = PlainTextExtractor.visibleText(of: grabbed)
            } catch {
                ranOutOfTime = true
                break
            }
            if metadata.byline == nil, let byline = grabber.byline { metadata.byline = byline }
            let count = text.count
            if count > best.count {
                best = (text, count, includeHTML ? Self.serialize(article, document: document) : nil)
            }
            if count >= retryBelowCharacters { break }
        }
        if ranOutOfTime, best.text.isEmpty {
            throw PipelineError(
                .invalidContent,
                "the page is too complex to extract within \(timeBudget.seconds) s",
                reason: "too-complex"
            )
        }

        // JSON-LD articleBody stands in when our own result is short, if the page really shows it.
        if best.count < retryBelowCharacters, let body = metadata.articleBody, body.count > best.count,
            Self.isConsistent(body, with: html)
        {
            best = (body, body.count, nil)
        }
        let reason = Self.noArticleReason(text: best.text, signals: signals)
        return Result(text: best.text, html: best.html, metadata: metadata, noArticleReason: reason)
    }

    static func describe(_ reason: String) -> String {
        switch reason {
        case "error-page": "an error page"
        case "login-form": "a login form"
        case "listing": "a list of links"
        default: "it has no text"
        }
    }

    /// What a page shows before extraction, for telling pages without an article.
    struct PageSignals {
        var headings: [String]
        var hasPassword: Bool
        var links: Int
        /// The share of the body's text in links, asked only of a page whose article came out
        /// short; it measures a fresh parse, since the attempts reshape the first one.
        var linkDensity: () -> Double

        init(_ document: HTMLDocument, index: [String: [Node]], html: String) {
            let title = (index["title"]?.first?.innerText ?? "").lowercased()
            headings = [title] + (index["h1"] ?? []).map { $0.innerText.lowercased() }
            hasPassword = (index["input"] ?? []).contains { $0.attribute("type")?.lowercased() == "password" }
            links = index["a"]?.count ?? 0
            linkDensity = {
                let page = HTMLDocument(text: html, droppingScriptBodies: true)
                return page?.firstElement(named: "body").flatMap { ArticleGrabber.measures(under: $0)[$0]?.linkDensity } ?? 0
            }
        }
    }

    /// Pages that are not articles by their make-up, whatever their length: an error page, a
    /// login form, a list of links. Short real articles pass.
    static func noArticleReason(text: String, signals: PageSignals) -> String? {
        let words = Article.countWords(text)
        guard words < 150 else { return nil }
        // What the page is says more than that nothing was kept of it: a login form's only
        // words ("Sign in") are an interface label, which the cleaning drops.
        let errorWords = ["404", "not found", "page not found", "no longer available", "error 4", "error 5", "access denied"]
        if signals.headings.contains(where: { heading in errorWords.contains { heading.contains($0) } }) { return "error-page" }
        if signals.hasPassword { return "login-form" }
        if words == 0 { return "empty" }
        // Characters, not words: scripts without spaces between words count too.
        if text.count < 300, signals.links >= 15, signals.linkDensity() > 0.6 { return "listing" }
        return nil
    }

    /// Whether most words of `text` appear in the page.
    static func isConsistent(_ text: String, with html: String) -> Bool {
        let words = TextSimilarity.tokens(text)
        guard !words.isEmpty else { return false }
        let page = Set(TextSimilarity.tokens(html))
        let present = words.filter(page.contains).count
        return Double(present) / Double(words.count) >= 0.8
    }

    static func serialize(_ node: Node, document: HTMLDocument) -> String? {
        document.html(of: node)
    }

    /// The `readability` extractor plugin.
    public static let plugin = Plugin(
        type: "readability",
        summary: "Readability-style main-content extraction on libxml2, with JSON-LD/OpenGraph metadata.",
        keys: configKeys,
        .extractor { config, _ in try config.decode(ReadabilityExtractor.self) }
    )

    public static let keys: [SettingKey<Self>] = [
        SettingKey(
            "minWords",
            \.minWords,
            minimum: 0,
            doc: "A floor on the main content's words (0: none); error pages, login forms and link lists fail as no-article anyway."
        ),
        SettingKey("maxInputBytes", \.maxInputBytes, minimum: 1, doc: "Larger pages are refused (invalidContent) rather than parsed."),
        SettingKey("includeHTML", \.includeHTML, doc: "Also keep the cleaned article HTML."),
    ]
}
