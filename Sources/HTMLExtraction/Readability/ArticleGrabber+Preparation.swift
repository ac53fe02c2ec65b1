import CLibXML2
import Foundation
import SummarizerCore

/// Document-wide cleanup, once per parse, before any attempt.
extension ArticleGrabber {
    /// Document-wide cleanup done once per parse: scripts and styles out, `<br><br>` chains
    /// into paragraphs, `<font>` into `<span>`.
    static func prepare(_ document: HTMLDocument) {
        guard let root = document.root else { return }
        for node in root.descendants(["script", "noscript", "style", "template", "link", "meta"]) { node.remove() }
        for node in root.descendants(["font"]) { node.rename("span") }
        replaceBreakChains(in: root, document: document)
    }

    /// Two or more `<br>` in a row end a paragraph: what follows becomes a `<p>`.
    static func replaceBreakChains(in root: Node, document: HTMLDocument) {
        for br in root.descendants(["br"]) where br.parentNode != nil {
            var next = nextNonWhitespace(br.nextSibling)
            var replaced = false
            while let node = next, node.tag == "br" {
                replaced = true
                let following = node.nextSibling
                node.remove()
                next = nextNonWhitespace(following)
            }
            guard replaced else { continue }
            let paragraph = document.makeElement("p")
            br.insertBefore(paragraph)
            br.remove()
            var sibling = paragraph.nextSibling
            while let node = sibling {
                if node.tag == "br", let after = nextNonWhitespace(node.nextSibling), after.tag == "br" { break }
                if node.isElement, !ReadabilityRules.phrasingTags.contains(node) { break }
                let following = node.nextSibling
                paragraph.append(node)
                sibling = following
            }
            while let last = paragraph.pointee.last, last.isText, last.isWhitespaceText {
                last.remove()
            }
            if let parent = paragraph.parentNode, parent.tag == "p" { parent.rename("div") }
        }
    }

    static func nextNonWhitespace(_ start: Node?) -> Node? {
        var node = start
        while let current = node, !current.isElement, current.isWhitespaceText {
            node = current.nextSibling
        }
        return node
    }
}
