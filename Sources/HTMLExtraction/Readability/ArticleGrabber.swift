import CLibXML2
import Foundation
import SummarizerCore

/// The readability algorithm on a libxml2 tree: score paragraph-like blocks, propagate scores
/// to ancestors, pick the best candidate, merge related siblings, then clean the result.
///
/// Works on a freshly parsed document each attempt; when the result is too short, the caller
/// tries again with fewer rules (first keeping unlikely candidates, then ignoring class weights,
/// then cleaning less).
struct ArticleGrabber {
    struct Flags: OptionSet {
        let rawValue: Int
        static let stripUnlikely = Flags(rawValue: 1)
        static let weightClasses = Flags(rawValue: 2)
        static let cleanConditionally = Flags(rawValue: 4)
        static let all: Flags = [.stripUnlikely, .weightClasses, .cleanConditionally]
    }

    /// Thrown when the time budget runs out: a pathological page must not hold an item forever.
    struct OutOfTime: Error {}

    let document: HTMLDocument
    let flags: Flags
    let articleTitle: String
    /// Nodes visited at most: a bound on the work a pathological page can cause.
    let nodeBudget: Int
    /// When the attempt must give up.
    let deadline: ContinuousClock.Instant
    private(set) var scores: [Node: Double] = [:]
    private(set) var byline: String?
    private var dataTables: [Node: Bool] = [:]
    private var checks = 0

    init(
        document: HTMLDocument,
        flags: Flags,
        articleTitle: String,
        deadline: ContinuousClock.Instant = .now + .seconds(2),
        nodeBudget: Int = 200_000
    ) {
        self.document = document
        self.flags = flags
        self.articleTitle = articleTitle
        self.deadline = deadline
        self.nodeBudget = nodeBudget
    }

    /// Throws when the deadline has passed; reads the clock only every 64 calls.
    mutating func checkTime() throws(OutOfTime) {
        checks += 1
        if checks % 64 == 0, ContinuousClock.now > deadline { throw OutOfTime() }
    }

    // MARK: - Preparation

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
                if node.isElement, !ReadabilityRules.phrasingTags.contains(node.tag) { break }
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

    // MARK: - Grabbing

    /// The article's content element, or nil when nothing could be scored: the tree is pruned
    /// (hidden, unlikely and empty elements out, the byline and a repeated title taken), the
    /// paragraphs left are scored into their ancestors, and the best candidate is picked and
    /// joined by its related siblings.
    mutating func grab() throws(OutOfTime) -> Node? {
        guard let body = document.firstElement(named: "body") ?? document.root else { return nil }
        let paragraphs = try prune(body)
        let candidates = try score(paragraphs)
        return pick(from: candidates, in: body)
    }

    /// Walks the tree once, removing what cannot be the article, and returns the elements to score.
    mutating func prune(_ body: Node) throws(OutOfTime) -> [Node] {
        var elementsToScore: [Node] = []
        var visited = 0
        var node: Node? = body
        var removedTitleHeader = false

        while let current = node {
            visited += 1
            if visited > nodeBudget { break }
            try checkTime()
            let tag = current.tag
            let match = (current.className + " " + current.idAttribute).lowercased()

            if Self.isHidden(current) {
                node = removeAndGetNext(current)
                continue
            }
            if byline == nil, isByline(current, match: match) {
                byline = current.innerText
                node = removeAndGetNext(current)
                continue
            }
            if !removedTitleHeader, tag == "h1" || tag == "h2", headerDuplicatesTitle(current) {
                removedTitleHeader = true
                node = removeAndGetNext(current)
                continue
            }
            if flags.contains(.stripUnlikely), tag != "body", tag != "a", !Self.isDeclaredContent(current) {
                if ReadabilityRules.matches(match, ReadabilityRules.unlikely), !ReadabilityRules.matches(match, ReadabilityRules.maybe),
                    !current.hasAncestor("table"), !current.hasAncestor("code")
                {
                    node = removeAndGetNext(current)
                    continue
                }
                if let role = current.attribute("role")?.lowercased(), ReadabilityRules.unlikelyRoles.contains(role) {
                    node = removeAndGetNext(current)
                    continue
                }
            }
            if ["div", "section", "header", "h1", "h2", "h3", "h4", "h5", "h6"].contains(tag), current.isWithoutContent {
                node = removeAndGetNext(current)
                continue
            }
            if ReadabilityRules.tagsToScore.contains(tag) {
                elementsToScore.append(current)
            }
            if tag == "div" {
                wrapPhrasingRuns(in: current)
                let children = current.elementChildren
                if children.count == 1, children[0].tag == "p", Self.linkDensity(current) < ReadabilityRules.unwrapLinkDensity,
                    current.childNodes.allSatisfy({ $0 == children[0] || ($0.isText && $0.isWhitespaceText) })
                {
                    let paragraph = children[0]
                    current.insertBefore(paragraph)
                    current.remove()
                    elementsToScore.append(paragraph)
                    node = Self.next(paragraph, skippingChildren: false)
                    continue
                } else if !Self.hasBlockChild(current) {
                    current.rename("p")
                    elementsToScore.append(current)
                }
            }
            node = Self.next(current, skippingChildren: false)
        }
        return elementsToScore
    }

    /// Scores each paragraph by its commas and length and adds the score to its ancestors, less
    /// the further up; returns every ancestor that got a score.
    mutating func score(_ elementsToScore: [Node]) throws(OutOfTime) -> [Node] {
        var candidates: [Node] = []
        for element in elementsToScore {
            try checkTime()
            guard element.parentNode != nil else { continue }
            let text = element.innerText
            let textCount = text.unicodeScalars.count
            guard textCount >= ReadabilityRules.minimumParagraphCharacters else { continue }
            let ancestors = element.ancestors(maxDepth: ReadabilityRules.scoredAncestorLevels)
            guard !ancestors.isEmpty else { continue }
            var contentScore = 1.0
            contentScore += Double(text.utf8.reduce(1) { $1 == UInt8(ascii: ",") ? $0 + 1 : $0 })
            contentScore += Double(min(textCount / ReadabilityRules.charactersPerPoint, ReadabilityRules.maximumLengthPoints))
            for (level, ancestor) in ancestors.enumerated() {
                guard ancestor.parentNode != nil || ancestor.tag == "body" || ancestor.tag == "html" else { continue }
                if scores[ancestor] == nil {
                    scores[ancestor] = initialScore(ancestor)
                    candidates.append(ancestor)
                }
                let divider: Double = level == 0 ? 1 : level == 1 ? 2 : Double(level * 3)
                scores[ancestor, default: 0] += contentScore / divider
            }
        }
        return candidates
    }

    /// The best-scoring candidate once link density is weighed in, refined, widened and merged
    /// with related siblings; the whole body when no candidate stands out.
    mutating func pick(from candidates: [Node], in body: Node) -> Node {
        // One pass measures text and link text under every element, instead of a walk per candidate.
        let densities = Self.linkDensities(under: body)
        var top: [Node] = []
        for candidate in candidates {
            let adjusted = (scores[candidate] ?? 0) * (1 - (densities[candidate] ?? Self.linkDensity(candidate)))
            scores[candidate] = adjusted
            top.append(candidate)
        }
        top.sort { (scores[$0] ?? 0) > (scores[$1] ?? 0) }
        top = Array(top.prefix(ReadabilityRules.topCandidates))

        guard var best = top.first, best.tag != "body", best.tag != "html" else {
            return wholeBody(body)
        }
        best = refine(best, alternatives: Array(top.dropFirst()))
        best = widen(best, densities: densities)

        return mergeSiblings(of: best)
    }

    /// Everything in the body, as one container, when no candidate stands out.
    mutating func wholeBody(_ body: Node) -> Node {
        let container = document.makeElement("div")
        for child in body.childNodes { container.append(child) }
        body.append(container)
        scores[container] = 0
        return container
    }

    /// A better ancestor than the top candidate, when several top candidates share it, or when
    /// the parents keep a comparable score.
    mutating func refine(_ candidate: Node, alternatives: [Node]) -> Node {
        var best = candidate
        let bestScore = scores[best] ?? 0
        let close = alternatives.filter { (scores[$0] ?? 0) / max(bestScore, 0.0001) >= 0.75 }
        if close.count >= 3 {
            var parent = best.parentNode
            while let current = parent, current.tag != "body" {
                let containing = close.filter { alternative in alternative.ancestors().contains(current) }
                if containing.count >= 3 {
                    best = current
                    break
                }
                parent = current.parentNode
            }
        }
        if scores[best] == nil { scores[best] = initialScore(best) }

        var lastScore = scores[best] ?? 0
        let threshold = lastScore / 3
        var parent = best.parentNode
        while let current = parent, current.tag != "body" {
            guard let parentScore = scores[current] else {
                parent = current.parentNode
                continue
            }
            if parentScore < threshold { break }
            if parentScore > lastScore {
                best = current
                break
            }
            lastScore = parentScore
            parent = current.parentNode
        }

        while let parent = best.parentNode, parent.tag != "body", parent.elementChildren.count == 1 {
            best = parent
        }
        if scores[best] == nil { scores[best] = initialScore(best) }
        return best
    }

    /// Parts of a page's frame that are never the article, whatever they wrap.
    static let frameTags: Set<String> = ["header", "footer", "nav", "aside", "form", "li", "td", "tr", "tbody", "table"]

    /// Prose under `node`: the text of its paragraphs that are not mostly links. The measure
    /// of how much of an article an element holds, whatever its wrappers.
    static func proseLength(_ node: Node, densities: [Node: Double]) -> Int {
        var length = 0
        for paragraph in node.descendants(["p", "pre", "blockquote"]) where (densities[paragraph] ?? linkDensity(paragraph)) < 0.3 {
            length += paragraph.textLength
        }
        return length
    }

    /// An ancestor of `candidate` that holds much more of the article, when the article is cut
    /// into parallel blocks (one per item of a list, one per grid column, one per section) and
    /// the best block is only one of them: the highest ancestor whose prose is at least twice
    /// the candidate's and makes up most of its text, with few links.
    mutating func widen(_ candidate: Node, densities: [Node: Double]) -> Node {
        let own = Self.proseLength(candidate, densities: densities)
        guard own > 0 else { return candidate }
        var best = candidate
        var node = candidate.parentNode
        while let current = node, current.tag != "body", current.tag != "html" {
            let prose = Self.proseLength(current, densities: densities)
            let total = current.textLength
            let density = densities[current] ?? Self.linkDensity(current)
            // Past an ancestor that is mostly not prose, the page's frame begins: stop there.
            guard total > 0, Double(prose) / Double(total) >= 0.6, density < 0.25 else { break }
            if prose >= 2 * own, classWeight(current) >= 0, !Self.frameTags.contains(current.tag),
                !ReadabilityRules.matches((current.className + " " + current.idAttribute).lowercased(), ReadabilityRules.unlikely)
            {
                best = current
            }
            node = current.parentNode
        }
        if best != candidate, scores[best] == nil { scores[best] = initialScore(best) }
        return best
    }

    /// The candidate and its siblings that look like more of the same article.
    mutating func mergeSiblings(of best: Node) -> Node {
        let article = document.makeElement("div")
        let bestScore = scores[best] ?? 0
        let threshold = max(10, bestScore * 0.2)
        guard let parent = best.parentNode else {
            // Not under an element (the root, or a detached node): the new container is not in
            // the tree either, so the document must free it.
            article.append(best)
            document.detached.add(article)
            return article
        }
        let bestClass = best.className
        for sibling in parent.elementChildren {
            var keep = sibling == best
            if !keep {
                var bonus = 0.0
                if !bestClass.isEmpty, sibling.className == bestClass { bonus += bestScore * 0.2 }
                if let score = scores[sibling], score + bonus >= threshold {
                    keep = true
                } else if sibling.tag == "p" {
                    let density = Self.linkDensity(sibling)
                    let text = sibling.innerText
                    let length = text.unicodeScalars.count
                    if length > 80, density < 0.25 {
                        keep = true
                    } else if length < 80, length > 0, density == 0, text.range(of: #"\.( |$)"#, options: .regularExpression) != nil {
                        keep = true
                    }
                }
            }
            guard keep else { continue }
            if !ReadabilityRules.keptSiblingTags.contains(sibling.tag) { sibling.rename("div") }
            article.append(sibling)
        }
        parent.append(article)
        return article
    }

    // MARK: - Cleaning

    /// Removes what is left of boilerplate inside the article.
    mutating func clean(_ article: Node) throws(OutOfTime) {
        for node in article.descendants(["form", "fieldset"]) where node.parentNode != nil { try cleanConditionally(node) }
        for node in article.descendants(["object", "embed", "footer", "aside", "iframe", "input", "textarea", "select", "button", "nav"])
        where node.parentNode != nil {
            node.remove()
        }
        let articleLength = max(1, article.textLength)
        for child in article.elementChildren {
            for node in child.allDescendantElements where node.parentNode != nil {
                let match = (node.className + " " + node.idAttribute).lowercased()
                if ReadabilityRules.matches(match, ReadabilityRules.share), node.textLength(cappedAt: 500) < 500 {
                    node.remove()
                } else if ReadabilityRules.isBoilerplateBlock(match) {
                    // A newsletter box, call to action, author bio or ad break inside the
                    // article: named so by its class, and a small part of the text.
                    let length = node.textLength(cappedAt: 2_000)
                    if length < 2_000, 4 * length < articleLength { node.remove() }
                }
            }
        }
        removeClosingBoilerplate(article)
        removeCaptionedBoilerplate(article, articleLength: articleLength)
        removeNotices(article)
        for header in article.descendants(["h1", "h2"]) where header.parentNode != nil {
            if classWeight(header) < 0 { header.remove() }
        }
        for tag in ["table", "ul", "div"] {
            for node in article.descendants([tag]).reversed() where node.parentNode != nil && isAttached(node, to: article) {
                try cleanConditionally(node)
            }
        }
        for paragraph in article.descendants(["p"]) where paragraph.parentNode != nil {
            if paragraph.textLength == 0, paragraph.descendants(["img", "embed", "object", "iframe"]).isEmpty {
                paragraph.remove()
            }
        }
    }

    /// Headings that end an article's own text ("Related posts", "About the author", "Sign up
    /// for our newsletter"): each goes, with what follows it up to the next heading, when
    /// nothing long follows (a real section of the article would).
    func removeClosingBoilerplate(_ article: Node) {
        let headings = article.descendants(["h2", "h3", "h4", "h5", "h6"])
        for heading in headings where heading.parentNode != nil {
            let text = heading.innerText
            guard text.count < 80, ReadabilityRules.isClosingHeading(text) else { continue }
            var section: [Node] = [heading]
            var sibling = heading.nextElementSibling
            var length = 0
            while let current = sibling, !["h1", "h2", "h3", "h4", "h5", "h6"].contains(current.tag) {
                section.append(current)
                length += current.textLength
                sibling = current.nextElementSibling
            }
            guard length < 1_000 else { continue }
            for node in section { node.remove() }
        }
    }

    /// Boxes that open with a closing heading's words in a plain block rather than a heading
    /// (`<div class="caption">About the Author</div>` and a bio, `<p>Related</p>` and links):
    /// the box goes when it is short and a small part of the article.
    func removeCaptionedBoilerplate(_ article: Node, articleLength: Int) {
        let boxes = Self.nameBytes(["div", "section", "aside"])
        for caption in article.descendants(["div", "p"]) where caption.parentNode != nil && caption.firstElementChild == nil {
            guard let box = caption.parentNode, box != article, box.firstElementChild == caption, box.hasName(in: boxes),
                caption.textLength(cappedAt: 80) < 80, ReadabilityRules.isClosingHeading(caption.innerText)
            else { continue }
            let length = box.textLength(cappedAt: 1_000)
            if length < 1_000, 4 * length < articleLength { box.remove() }
        }
    }

    static func nameBytes(_ names: [String]) -> [[UInt8]] { names.map { Array($0.utf8) } }

    /// Elements that make a block a container rather than a block of inline content.
    static let containerNames = nameBytes([
        "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "ul", "ol", "li", "dl", "table",
        "blockquote", "figure", "form", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    ])

    /// Short blocks that speak about the page rather than the story: affiliate disclosures
    /// ("we may earn a commission"), newsletter sign-up lines, reading times and publication
    /// dates, wherever they sit.
    func removeNotices(_ article: Node) {
        let containers = Self.containerNames
        for block in article.descendants(["p", "div"]) where block.parentNode != nil {
            // Blocks of inline content only (a container is judged by its own blocks); the
            // children's names are cheap to read where the text is not.
            guard block.hasNoChild(namedAnyOf: containers) else { continue }
            let length = block.textLength(cappedAt: 300)
            guard length < 300 else { continue }
            let text = block.innerText
            if ReadabilityRules.isNotice(text) || (length < 100 && ReadabilityRules.isMetadataLine(text)) { block.remove() }
        }
    }

    func isAttached(_ node: Node, to root: Node) -> Bool {
        node.ancestors().contains(root)
    }

    /// Removes an element that looks like boilerplate by its make-up: more images, list items
    /// or inputs than paragraphs, many links, little text, or a lone embed.
    mutating func cleanConditionally(_ node: Node) throws(OutOfTime) {
        guard flags.contains(.cleanConditionally) else { return }
        try checkTime()
        let tag = node.tag
        let isList = tag == "ul" || tag == "ol"
        if tag == "table", isDataTable(node) { return }
        if node.ancestors().contains(where: { $0.tag == "table" && isDataTable($0) }) { return }
        if node.hasAncestor("code", maxDepth: 0) { return }
        let weight = classWeight(node)
        if weight < 0 {
            // A class word such as "widget" or "media" says boilerplate, but a block holding
            // paragraphs of prose with few links is the article's (product reviews in
            // "product-widget" boxes, page builders' text widgets), unless its name is one of
            // comments, footers, sidebars. 200 characters: a box of one paragraph counts, since
            // page builders put every paragraph in a widget of its own.
            let names = (node.className + " " + node.idAttribute).lowercased()
            guard !ReadabilityRules.matches(names, ReadabilityRules.unlikely), Self.proseLength(node, densities: [:]) >= 200,
                Self.linkDensity(node) < 0.2
            else {
                node.remove()
                return
            }
        }
        let text = node.rawText
        guard text.utf8.lazy.filter({ $0 == UInt8(ascii: ",") }).count < 10 else { return }
        let contents = Self.contents(of: node)
        let paragraphs = Double(contents.paragraphs)
        let images = Double(contents.images)
        let items = Double(contents.items) - 100
        let inputs = Double(contents.inputs)
        let length = node.textLength
        let headingDensity = length == 0 ? 0 : Double(contents.headingLength) / Double(length)
        let embeds = contents.embeds
        let density = Self.linkDensity(node)
        let inFigure = node.hasAncestor("figure", maxDepth: 0)

        let remove =
            (images > 1 && paragraphs / images < 0.5 && !inFigure)
            || (!isList && items > paragraphs)
            || (inputs > (paragraphs / 3).rounded(.down))
            || (!isList && headingDensity < 0.9 && length < 25 && (images == 0 || images > 2) && !inFigure)
            || (!isList && weight < 25 && density > 0.2)
            || (weight >= 25 && density > 0.5)
            || ((embeds == 1 && length < 75) || embeds > 1)
        if remove { node.remove() }
    }

    // MARK: - Scoring helpers

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
        var weight = 0
        for name in [node.className.lowercased(), node.idAttribute.lowercased()] where !name.isEmpty {
            if ReadabilityRules.isNegative(name) { weight -= 25 }
            if ReadabilityRules.matches(name, ReadabilityRules.positive) { weight += 25 }
        }
        return weight
    }

    /// The share of an element's text that sits inside links (same-page links count less).
    static func linkDensity(_ node: Node) -> Double {
        let length = node.textLength
        guard length > 0 else { return 0 }
        var linked = 0.0
        for link in node.descendants(["a"]) {
            let coefficient = (link.attribute("href") ?? "").hasPrefix("#") ? 0.3 : 1
            linked += Double(link.textLength) * coefficient
        }
        return linked / Double(length)
    }

    /// The link density of every element under `root`, from one post-order walk.
    static func linkDensities(under root: Node) -> [Node: Double] {
        var result: [Node: Double] = [:]
        // Per open element: (text length, weighted link text length).
        var stack: [(Node, Int, Double)] = []
        var pendingText = 0
        HTMLWalker.walk(
            root,
            enter: { node, _ in
                if node.isText {
                    pendingText += node.textLength
                    return .skipChildren
                }
                guard node.isElement || node == root else { return .skipChildren }
                if let top = stack.popLast() {
                    stack.append((top.0, top.1 + pendingText, top.2))
                }
                pendingText = 0
                stack.append((node, 0, 0))
                return .descend
            },
            leave: { node in
                guard node.isElement, let last = stack.last, last.0 == node else {
                    return
                }
                stack.removeLast()
                let text = last.1 + pendingText
                pendingText = 0
                var linked = last.2
                if node.hasName("a") {
                    linked = Double(text) * ((node.attribute("href") ?? "").hasPrefix("#") ? 0.3 : 1)
                }
                result[node] = text > 0 ? linked / Double(text) : 0
                if let parent = stack.popLast() {
                    stack.append((parent.0, parent.1 + text, parent.2 + linked))
                }
            }
        )
        return result
    }

    /// Whether any descendant is a block element; stops at the first.
    static func hasBlockChild(_ node: Node) -> Bool {
        var found = false
        HTMLWalker.walk(node) { current, depth in
            guard current.isElement else { return .skipChildren }
            if depth > 0, ReadabilityRules.blockTags.contains(current.tag) {
                found = true
                return .stop
            }
            return .descend
        }
        return found
    }

    /// Counts of what an element holds, gathered in one walk for the conditional cleaning.
    struct Contents {
        var paragraphs = 0
        var images = 0
        var items = 0
        var inputs = 0
        var embeds = 0
        var headingLength = 0
    }

    static func contents(of node: Node) -> Contents {
        var contents = Contents()
        HTMLWalker.walk(node) { current, depth in
            guard current.isElement else { return .skipChildren }
            guard depth > 0 else { return .descend }
            switch current.tag {
            case "p": contents.paragraphs += 1
            case "img": contents.images += 1
            case "li": contents.items += 1
            case "input": contents.inputs += 1
            case "object", "embed", "iframe": contents.embeds += 1
            case "h1", "h2", "h3", "h4", "h5", "h6":
                contents.headingLength += current.textLength
                return .skipChildren
            default: break
            }
            return .descend
        }
        return contents
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
        switch node.tag {
        case "article", "main": return true
        default: break
        }
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

    func isByline(_ node: Node, match: String) -> Bool {
        let rel = node.attribute("rel") ?? ""
        let itemprop = node.attribute("itemprop") ?? ""
        guard rel == "author" || itemprop.contains("author") || ReadabilityRules.matches(match, ReadabilityRules.byline) else {
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
                || (current.isElement && ReadabilityRules.phrasingTags.contains(current.tag)
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

    // MARK: - Traversal

    /// Removes `node` and returns the next node in document order after it.
    func removeAndGetNext(_ node: Node) -> Node? {
        let next = Self.next(node, skippingChildren: true)
        node.remove()
        return next
    }

    /// The next element in document order (depth first).
    static func next(_ node: Node, skippingChildren: Bool) -> Node? {
        if !skippingChildren, let child = node.elementChildren.first { return child }
        var current: Node? = node
        while let candidate = current {
            if let sibling = candidate.nextElementSibling { return sibling }
            current = candidate.parentNode
        }
        return nil
    }
}

/// How alike two short texts are, by their words.
enum TextSimilarity {
    static func tokens(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// 1 minus the share of `b`'s words missing from `a`, weighted by length.
    static func similarity(_ a: String, _ b: String) -> Double {
        let first = tokens(a)
        let second = tokens(b)
        guard !first.isEmpty, !second.isEmpty else { return 0 }
        let set = Set(first)
        let unique = second.filter { !set.contains($0) }
        let distance = Double(unique.joined(separator: " ").count) / Double(second.joined(separator: " ").count)
        return 1 - distance
    }
}
