import CLibXML2
import Foundation
import Logging
import SummarizerCore
import Testing
import WebFetch

@testable import HTMLExtraction

/// Dropping script, style and svg bodies before parsing must give libxml2's own tree but for them:
/// libxml2 is the oracle, on hand-made edge cases and on every page of both corpora.
@Suite struct ScriptBodiesTests {
    /// The document libxml2 builds from `html`, serialized with script, style and svg bodies
    /// emptied after parsing (JSON-LD kept).
    static func oracle(_ html: String) -> String? {
        HTMLDocument(text: html).flatMap(emptiedAndSerialized)
    }

    /// The same of the document built from `html` without those bodies. Emptying it too only
    /// matters for an svg inside an svg, whose outer body the scan cuts at the inner end tag.
    static func stripped(_ html: String) -> String? {
        HTMLDocument(text: html, droppingScriptBodies: true).flatMap(emptiedAndSerialized)
    }

    static func emptiedAndSerialized(_ document: HTMLDocument) -> String? {
        // From the document node: libxml2 puts some late scripts beside the root element.
        let start = UnsafeMutableRawPointer(document.pointer).assumingMemoryBound(to: xmlNode.self)
        HTMLWalker.walk(start) { node, depth in
            guard depth > 0 else { return .descend }
            guard node.isElement else { return .skipChildren }
            let isJSONLD = node.attribute("type")?.lowercased().contains("ld+json") ?? false
            if node.hasName("style") || node.hasName("svg") || (node.hasName("script") && !isJSONLD) {
                while let child = node.pointee.children { child.remove() }
                return .skipChildren
            }
            return .descend
        }
        return serialized(document)
    }

    static func serialized(_ document: HTMLDocument) -> String? {
        var memory: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        htmlDocDumpMemory(document.pointer, &memory, &size)
        guard let memory else { return nil }
        defer { summarizer_xmlFree(memory) }
        return String(cString: memory)
    }

    static func bytesDropped(_ html: String) -> Int {
        var html = html
        return html.withUTF8 { buffer in ScriptBodies.stripped(buffer).map { buffer.count - $0.count } ?? 0 }
    }

    static let edgeCases: [(name: String, html: String)] = [
        ("plain script", "<p>Before</p><script>var a = '<p>not text</p>';</script><p>After</p>"),
        ("style", "<style>p > a { color: red }</style><p>Text</p>"),
        ("upper case", "<SCRIPT type=text/javascript>x = 1 < 2</SCRIPT ><p>Text</p>"),
        ("JSON-LD kept", #"<script type="application/ld+json">{"articleBody": "<p>Body</p>"}</script><p>x</p>"#),
        ("JSON-LD with an entity", #"<script type="application/ld&#x2B;json">{"a": 1}</script><script>x</script>"#),
        ("in a comment", "<!-- <script> --><p>Visible</p><!-- </script> --><p>Also</p>"),
        ("in an attribute", #"<div data-x="<script>" title='a > b'><p>Kept</p></div><script>y</script>"#),
        ("longer name", "<script-loader><p>Kept</p></script-loader><scripts><p>Too</p></scripts>"),
        ("self-closing", "<script src=a.js /><p>Kept after a self-closed script</p>"),
        ("never closed", "<p>Start</p><script>var s = 1; <p>all of this is script"),
        ("closing of another", "<script>document.write('</div>')</script><div><p>Text</p></div>"),
        ("end tag inside a string", "<script>a = '</scr' + 'ipt>'; b = 2</script><p>Text</p>"),
        ("doctype and stray bang", "<!DOCTYPE html><p>a <! b</p><script>c</script><p>d</p>"),
        ("unterminated comment", "<p>a</p><script>x</script><!-- open"),
        ("quote not after equals", #"<div class=a"b><script>x</script><p>t</p></div>"#),
        ("empty body", "<script></script><style></style><p>t</p>"),
        ("svg", #"<p>Before <svg viewBox="0 0 9 9"><title>Icon</title><path d="M0 0h9"/></svg> after</p>"#),
        ("svg in svg", "<div><svg><g><svg><path/></svg><rect/></g></svg><p>t</p></div>"),
        ("unclosed svg", "<div><svg><path d='M0'/><p>t</p></div>"),
    ]

    @Test(arguments: edgeCases.map(\.name))
    func anEdgeCaseParsesAsLibxml2ParsesIt(_ name: String) throws {
        let html = try #require(Self.edgeCases.first { $0.name == name }).html
        #expect(Self.stripped(html) == Self.oracle(html))
    }

    @Test func bodiesAreDroppedAndJSONLDIsKept() throws {
        let html = #"""
            <html><head><script>var secret = "gone";</script><style>.x{}</style>
            <script type="application/ld+json">{"headline": "Kept"}</script></head>
            <body><p>Text</p></body></html>
            """#
        let text = try #require(Self.stripped(html))
        #expect(!text.contains("secret"))
        #expect(!text.contains(".x{}"))
        #expect(text.contains(#"{"headline": "Kept"}"#))
        #expect(text.contains("<p>Text</p>"))
        #expect(Self.bytesDropped(html) == #"var secret = "gone";"#.utf8.count + ".x{}".utf8.count)
        #expect(Self.bytesDropped("<p>No scripts here</p>") == 0)
    }

    /// Every page of both corpora, where they are (the corpus tests' rule: required under CI).
    @Test(.enabled(if: Corpus.enabled))
    func everyCorpusPageParsesAsLibxml2ParsesIt() async throws {
        let pages = CorpusPage.list(in: Corpus.directory) + CorpusPage.list(in: WCXB.directory)
        #expect(pages.count >= 900)
        let reader = FileFetcher(maxBodyBytes: 50_000_000)
        let context = StageContext(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        var dropped = 0
        var total = 0
        var differing: [String] = []
        for page in pages {
            let html = try await reader.fetch(WorkItem(url: page.url.absoluteString), context: context).text
            total += html.utf8.count
            dropped += Self.bytesDropped(html)
            if Self.stripped(html) != Self.oracle(html) { differing.append(page.id) }
        }
        #expect(differing.isEmpty, "pages whose tree changed: \(differing)")
        // Scripts and styles are a large share of real pages; a scan that found none would be broken.
        #expect(Double(dropped) / Double(total) > 0.2)
    }
}
