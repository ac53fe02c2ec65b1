import CLibXML2
import Foundation
import SummarizerCore

/// What the rules measure of a node: scores, class weights, link density, hidden and
/// declared content, data tables, bylines.
extension ArticleGrabber {
    func initialScore(_ node: Node) -> Double {
        var score: Double
        switch node.tag {
        case "div": score = 5
        case "pre", "td", "blockquote": score = 3
        case "address", "ol", "ul", "dl", "dd", "dt", "li", "form": score = -3
        case "h1", "h2", "h3", "h4", "h5", "h6", "th": score = -5
        default: score = 0
        }
        return score + Double(classWeight(node))
    }

    func classWeight(_ node: Node) -> Int {
        guard flags.contains(.weightClasses) else { return 0 }
        guard node.pointee.properties != nil else { return 0 }
        var weight = 0
        for attribute in ["class", "id"] {
            guard var name = node.attribute(attribute)?.lowercased(), !name.isEmpty else { continue }
            name.withUTF8 { bytes in
                let found = ReadabilityRules.weightWords.found(inLowercasedBytes: bytes)
                if ReadabilityRules.isNegative(bytes, found: found) { weight -= 25 }
                if found & ReadabilityRules.positive != 0 { weight += 25 }
            }
        }
        return weight
    }

    /// The ``ReadabilityRules/nameWords`` in `node`'s `class id` (bits to test against the
    /// lists' masks), from one pass over the names and without making them a string.
    static func nameWords(of node: Node) -> UInt64 {
        node.withClassAndID { bytes in bytes.isEmpty ? 0 : ReadabilityRules.nameWords.found(inLowercasedBytes: bytes) }
    }

    /// How much a link's text counts as link text: a link within the page (`#section`) is
    /// navigation of the article itself and counts 0.3, any other link fully.
    static func linkWeight(_ link: Node) -> Double {
        (link.attribute("href")?.hasPrefix("#") ?? false) ? 0.3 : 1
    }

    /// The share of an element's text that sits inside links (same-page links count less).
    static func linkDensity(_ node: Node) -> Double {
        let length = node.textLength
        guard length > 0 else { return 0 }
        var linked = 0.0
        for link in node.descendants(["a"]) {
            let coefficient = linkWeight(link)
            linked += Double(link.textLength) * coefficient
        }
        return linked / Double(length)
    }

    /// What one walk measures of an element, for every element under a root at once.
    struct Measure {
        /// Its text, as ``textLength`` measures it.
        var text = TextRun()
        /// The length of its text inside links, same-page links weighted 0.3.
        var linked = 0.0
        /// The text of the paragraphs under it (`p`, `pre`, `blockquote`) that are not mostly
        /// links: ``proseLength(_:densities:)`` for every element at once.
        var prose = 0

        var linkDensity: Double { text.length > 0 ? linked / Double(text.length) : 0 }
    }

    /// Elements whose text counts as prose when few of its words are links.
    static let proseNames = TagSet(["p", "pre", "blockquote"])
    /// The link density under which a paragraph counts as prose.
    static let proseLinkDensity = 0.3

    /// The measures of every element under `root` (and of `root`), from one post-order walk,
    /// instead of a walk of each subtree for each element that asks.
    static func measures(under root: Node) -> [Node: Measure] {
        var result: [Node: Measure] = [:]
        var stack: [(node: Node, measure: Measure)] = []
        HTMLWalker.walk(
            root,
            enter: { node, _ in
                if node.isText {
                    if !stack.isEmpty { stack[stack.count - 1].measure.text.append(TextRun(text: node.pointee.content)) }
                    return .skipChildren
                }
                guard node.isElement || node == root else { return .skipChildren }
                stack.append((node, Measure()))
                return .descend
            },
            leave: { node in
                guard let last = stack.last, last.node == node else { return }
                stack.removeLast()
                var measure = last.measure
                if node.hasName("a") {
                    measure.linked = Double(measure.text.length) * linkWeight(node)
                }
                result[node] = measure
                guard !stack.isEmpty else { return }
                let isProse = proseNames.contains(node) && measure.linkDensity < proseLinkDensity
                stack[stack.count - 1].measure.text.append(measure.text)
                stack[stack.count - 1].measure.linked += measure.linked
                stack[stack.count - 1].measure.prose += measure.prose + (isProse ? measure.text.length : 0)
            }
        )
        return result
    }

    /// Whether any descendant is a block element; stops at the first.
    static func hasBlockChild(_ node: Node) -> Bool {
        var found = false
        HTMLWalker.walk(node) { current, depth in
            guard current.isElement else { return .skipChildren }
            if depth > 0, ReadabilityRules.blockTags.contains(current) {
                found = true
                return .stop
            }
            return .descend
        }
        return found
    }

    /// What an element holds, gathered in one walk for the conditional cleaning.
    struct Contents {
        var paragraphs = 0
        var images = 0
        var items = 0
        var inputs = 0
        var embeds = 0
        /// The text of its headings (elements inside a heading are not counted above).
        var headingLength = 0
        /// Its text, as ``textLength`` measures it.
        var text = TextRun()
        /// Its text inside links, same-page links weighted 0.3 (a link inside a link counts once).
        var linked = 0.0
        var commas = 0

        var linkDensity: Double { text.length > 0 ? linked / Double(text.length) : 0 }

        /// Adds what a following sibling holds.
        mutating func absorb(_ other: Contents) {
            paragraphs += other.paragraphs
            images += other.images
            items += other.items
            inputs += other.inputs
            embeds += other.embeds
            headingLength += other.headingLength
            text.append(other.text)
            linked += other.linked
            commas += other.commas
        }
    }

    /// Packed names (``TagSet/code(_:)``) the conditional cleaning counts.
    enum Names {
        static let p = TagSet.code("p")
        static let img = TagSet.code("img")
        static let li = TagSet.code("li")
        static let input = TagSet.code("input")
        static let object = TagSet.code("object")
        static let embed = TagSet.code("embed")
        static let iframe = TagSet.code("iframe")
        static let a = TagSet.code("a")
        static let table = TagSet.code("table")
        static let ul = TagSet.code("ul")
        static let div = TagSet.code("div")
    }

    static let headingTags = TagSet(["h1", "h2", "h3", "h4", "h5", "h6"])

    /// What `node`'s descendants hold (`node` itself not counted), from a post-order walk that
    /// reuses what ``contentsCache`` knows of any element on the way: the conditional cleaning
    /// asks this of nested blocks from the inside out, which walked each subtree once per
    /// enclosing block. A removal must drop its ancestors' entries (``forgetContents(above:)``).
    mutating func contents(of node: Node) -> Contents {
        if let known = contentsCache[node] { return known }
        var cache = contentsCache
        contentsCache = [:]
        defer { contentsCache = cache }
        // The open elements, each with what its descendants hold so far.
        var stack: [(node: Node, contents: Contents)] = [(node, Contents())]
        HTMLWalker.walk(
            node,
            enter: { current, depth in
                guard depth > 0 else { return .descend }
                if current.isText {
                    guard let content = current.pointee.content else { return .skipChildren }
                    stack[stack.count - 1].contents.text.append(TextRun(text: content))
                    var pointer = content
                    while pointer.pointee != 0 {
                        if pointer.pointee == UInt8(ascii: ",") { stack[stack.count - 1].contents.commas += 1 }
                        pointer += 1
                    }
                    return .skipChildren
                }
                guard current.isElement else { return .skipChildren }
                if let known = cache[current] {
                    stack[stack.count - 1].contents.absorb(Self.contribution(of: current, holding: known))
                    return .skipChildren
                }
                stack.append((current, Contents()))
                return .descend
            },
            leave: { current in
                guard stack.count > 1, let last = stack.last, last.node == current else { return }
                stack.removeLast()
                cache[current] = last.contents
                stack[stack.count - 1].contents.absorb(Self.contribution(of: current, holding: last.contents))
            }
        )
        cache[node] = stack[0].contents
        return stack[0].contents
    }

    /// Drops the remembered contents of `node`'s ancestors, before `node` leaves the tree.
    mutating func forgetContents(above node: Node) {
        guard !contentsCache.isEmpty else { return }
        var ancestor = node.parentNode
        while let current = ancestor {
            contentsCache[current] = nil
            ancestor = current.parentNode
        }
    }

    /// What `element` adds to its parent's contents, given what its descendants hold: itself
    /// counted by its name; a heading adds its text as heading text and hides what is inside it
    /// from the counts; a link makes all its text link text (a link inside it counts once).
    static func contribution(of element: Node, holding inside: Contents) -> Contents {
        var result = inside
        switch element.nameCode {
        case Names.p: result.paragraphs += 1
        case Names.img: result.images += 1
        case Names.li: result.items += 1
        case Names.input: result.inputs += 1
        case Names.object, Names.embed, Names.iframe: result.embeds += 1
        case Names.a: result.linked = Double(inside.text.length) * linkWeight(element)
        case let code where headingTags.contains(code):
            result = Contents()
            result.text = inside.text
            result.commas = inside.commas
            result.linked = inside.linked
            result.headingLength = inside.text.length
        default: break
        }
        return result
    }

    static func isHidden(_ node: Node) -> Bool {
        guard node.isElement else { return false }
        if let style = node.attribute("style") {
            let compact = style.utf8.compactMap { $0 == UInt8(ascii: " ") ? nil : ($0 >= 65 && $0 <= 90 ? $0 + 32 : $0) }
            if ByteSearch.contains(compact, Array("display:none".utf8)) || ByteSearch.contains(compact, Array("visibility:hidden".utf8)) {
                return true
            }
        }
        // React's streaming server rendering sends a late part of the page in `<div hidden
        // id="S:0">` and moves it into place at once: the reader sees it.
        if node.attribute("hidden") != nil, !isStreamedBoundary(node) { return true }
        if node.attribute("aria-hidden") == "true", !node.className.contains("fallback-image") { return true }
        return false
    }

    /// An element the page itself declares to be its main content: `<article>`, `<main>`,
    /// `role="main"` or schema.org's `itemprop="articleBody"`. A class name such as
    /// "template-with-sidebar" does not make it unlikely.
    static func isDeclaredContent(_ node: Node) -> Bool {
        if node.hasName("article") || node.hasName("main") { return true }
        guard node.pointee.properties != nil else { return false }
        if node.attribute("role")?.lowercased() == "main" { return true }
        if let itemprop = node.attribute("itemprop")?.lowercased(), itemprop.contains("articlebody") { return true }
        return false
    }

    /// A `hidden` element React's streaming renderer fills and then reveals: id `S:` and digits.
    static func isStreamedBoundary(_ node: Node) -> Bool {
        let id = node.idAttribute
        guard id.hasPrefix("S:"), id.count > 2 else { return false }
        return id.dropFirst(2).allSatisfy(\.isNumber)
    }

    /// ``isDataTableUncached(_:)``, remembered per table: nested tables would otherwise be
    /// measured again for every element inside them.
    mutating func isDataTable(_ table: Node) -> Bool {
        if let known = dataTables[table] { return known }
        let result = Self.isDataTableUncached(table)
        dataTables[table] = result
        return result
    }

    static func isDataTableUncached(_ table: Node) -> Bool {
        if table.attribute("role") == "presentation" { return false }
        if table.attribute("datatable") == "0" { return false }
        if table.attribute("summary") != nil { return true }
        if !table.descendants(["caption", "col", "colgroup", "tfoot", "thead", "th"]).isEmpty { return true }
        if !table.descendants(["table"]).isEmpty { return false }
        let rows = table.descendants(["tr"])
        let columns = rows.map { $0.elementChildren.filter { $0.tag == "td" }.count }.max() ?? 0
        return rows.count >= 10 || columns > 4 || rows.count * columns > 10
    }

    /// Whether `node` is the byline; `named` says whether its class or id has a byline word.
    func isByline(_ node: Node, named: Bool) -> Bool {
        guard named || node.attribute("rel") == "author" || node.attribute("itemprop")?.contains("author") == true else {
            return false
        }
        let text = node.innerText
        return !text.isEmpty && text.count < 100
    }

    func headerDuplicatesTitle(_ node: Node) -> Bool {
        guard !articleTitle.isEmpty else { return false }
        let heading = node.innerText
        return TextSimilarity.similarity(heading, articleTitle) > 0.75
    }

    /// Wraps runs of inline content directly inside a div into paragraphs, so that text
    /// written straight into a div is scored like a paragraph.
    func wrapPhrasingRuns(in div: Node) {
        guard Self.hasBlockChild(div) else { return }
        var paragraph: Node?
        var child = div.firstChild
        while let current = child {
            let next = current.nextSibling
            let isPhrasing =
                current.isText
                || (ReadabilityRules.phrasingTags.contains(current)
                    && !Self.hasBlockChild(current))
            if isPhrasing {
                if let open = paragraph {
                    open.append(current)
                } else if !(current.isText && current.isWhitespaceText) {
                    let made = document.makeElement("p")
                    current.insertBefore(made)
                    made.append(current)
                    paragraph = made
                }
            } else if current.isElement {
                paragraph = nil
            }
            child = next
        }
    }
}
