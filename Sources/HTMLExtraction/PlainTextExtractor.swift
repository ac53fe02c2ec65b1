import CLibXML2
import SummarizerCore

/// The visible text of `<body>`, blocks separated by blank lines (`plainText`).
///
/// No boilerplate removal: navigation and footers come along. Useful for clean pages and as
/// a baseline; a page with fewer than `minWords` words fails with `invalidContent`.
public struct PlainTextExtractor: ContentExtractor, PluginSettings {
    /// Recorded as the article's `extractorVersion`; changes when the output would.
    public static let version = "1"

    /// Pages with fewer words fail: they are error pages, stubs or walls, not articles.
    public var minWords = 50

    /// An extractor with the defaults.
    public init() {}

    /// An extractor failing pages with fewer than `minWords` words.
    public init(minWords: Int) {
        self.minWords = minWords
    }

    public func extract(_ page: FetchedPage, item: WorkItem, context: StageContext) async throws -> Article {
        guard let document = HTMLDocument(text: page.text, url: page.finalURL) else {
            throw PipelineError(.invalidContent, "the page could not be parsed as HTML", reason: "unparsable")
        }
        let body = document.firstElement(named: "body") ?? document.root
        let text = Self.visibleText(of: body)
        let words = Article.countWords(text)
        guard words >= minWords else {
            throw PipelineError(
                .invalidContent,
                "no article: the page has \(words) words of text, fewer than minWords \(minWords)",
                reason: "no-article"
            )
        }
        let title = document.firstElement(named: "title").map { Self.visibleText(of: $0, includeInvisible: true) }
        let language = document.root?.attribute("lang")
        return Article(
            title: title.flatMap { $0.isEmpty ? nil : $0 },
            language: language,
            text: text,
            extractor: "plainText",
            extractorVersion: Self.version
        )
    }

    /// The rendered text below `node`.
    static func visibleText(of node: xmlNodePtr?, includeInvisible: Bool = false) -> String {
        var builder = TextBuilder()
        var preformatted = 0
        HTMLWalker.walk(
            node,
            enter: { node, _ in
                if node.isText {
                    if preformatted > 0 {
                        builder.appendPreformatted(node.textContent)
                    } else if let content = node.pointee.content {
                        builder.append(utf8: UnsafeBufferPointer(start: content, count: Int(xmlStrlen(content))))
                    }
                    return .skipChildren
                }
                guard node.isElement else { return .skipChildren }
                if !includeInvisible, HTMLElements.invisible.contains(node) { return .skipChildren }
                if node.hasName("br") {
                    if preformatted > 0 { builder.lineBreak() } else { builder.wrap() }
                } else if node.hasName("tr") {
                    builder.lineBreak()
                } else if HTMLElements.cells.contains(node) {
                    builder.append(" \t ")
                } else if HTMLElements.blocks.contains(node) {
                    builder.endBlock()
                }
                if node.hasName("pre") { preformatted += 1 }
                return .descend
            },
            leave: { node in
                guard node.isElement else { return }
                if node.hasName("pre") { preformatted -= 1 }
                if node.hasName("tr") { builder.lineBreak() }
                if HTMLElements.blocks.contains(node) { builder.endBlock() }
            }
        )
        return builder.finish()
    }

    /// The `plainText` extractor plugin.
    public static let plugin = Plugin(
        type: "plainText",
        summary: "The visible text of <body> via libxml2, blocks separated by blank lines; no boilerplate removal.",
        keys: configKeys,
        .extractor { config, _ in try config.decode(PlainTextExtractor.self) }
    )

    public static let keys: [SettingKey<Self>] = [
        SettingKey("minWords", \.minWords, minimum: 1, doc: "Pages with fewer words fail with invalidContent (no article).")
    ]
}

extension PlainTextExtractor {
    /// The visible text of `html`'s body, for tools and fuzzing; `nil` if nothing parses.
    public static func text(of html: String) -> String? {
        guard let document = HTMLDocument(text: html) else { return nil }
        return visibleText(of: document.firstElement(named: "body") ?? document.root)
    }
}
