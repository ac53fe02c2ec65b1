import CLibXML2
import Foundation
import SummarizerCore

/// Document-wide cleanup, once per parse, before any attempt.
extension ArticleGrabber {
    /// Document-wide cleanup done once per parse: scripts and styles out, `<br><br>` chains
    /// into paragraphs, `<font>` into `<span>`.
    static func prepare(_ document: HTMLDocument) {
        guard let root = document.root else { return }
        // One walk finds all three kinds; nothing inside an element that goes is looked at.
        var removed: [Node] = []
        var fonts: [Node] = []
        var breaks: [Node] = []
        HTMLWalker.walk(root) { node, depth in
            guard node.isElement else { return .skipChildren }
            guard depth > 0 else { return .descend }
            if removedTags.contains(node) {
                removed.append(node)
                return .skipChildren
            }
            if node.hasName("font") {
                fonts.append(node)
            } else if node.hasName("br") {
                breaks.append(node)
            }
            return .descend
        }
        for node in removed { node.remove() }
        for node in fonts { node.rename("span") }
        replaceBreakChains(breaks, document: document)
    }

    static let removedTags = TagSet(["script", "noscript", "style", "template", "link", "meta"])

    /// Two or more `<br>` in a row end a paragraph: what follows becomes a `<p>`.
    static func replaceBreakChains(_ breaks: [Node], document: HTMLDocument) {
        for br in breaks where br.parentNode != nil {
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
