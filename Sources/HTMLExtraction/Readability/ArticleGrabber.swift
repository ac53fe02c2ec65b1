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
    /// Whether each table met so far holds data (kept) or layout.
    var dataTables: [Node: Bool] = [:]
    /// What each element's descendants hold, remembered during the conditional cleaning.
    var contentsCache: [Node: Contents] = [:]
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
            if Self.isHidden(current) {
                node = removeAndGetNext(current)
                continue
            }
            let names = Self.nameWords(of: current)
            if byline == nil, isByline(current, named: names & ReadabilityRules.byline != 0) {
                byline = current.innerText
                node = removeAndGetNext(current)
                continue
            }
            if !removedTitleHeader, current.hasName("h1") || current.hasName("h2"), headerDuplicatesTitle(current) {
                removedTitleHeader = true
                node = removeAndGetNext(current)
                continue
            }
            if flags.contains(.stripUnlikely), !current.hasName("body"), !current.hasName("a"), !Self.isDeclaredContent(current) {
                if names & ReadabilityRules.unlikely != 0, names & ReadabilityRules.maybe == 0,
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
            if Self.emptiedTags.contains(current), current.isWithoutContent {
                node = removeAndGetNext(current)
                continue
            }
            if ReadabilityRules.tagsToScore.contains(current) {
                elementsToScore.append(current)
            }
            if current.hasName("div") {
                wrapPhrasingRuns(in: current)
                let children = current.elementChildren
                if children.count == 1, children[0].hasName("p"), Self.linkDensity(current) < ReadabilityRules.unwrapLinkDensity,
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
            let (textCount, commas) = Self.scoredText(of: element)
            guard textCount >= ReadabilityRules.minimumParagraphCharacters else { continue }
            let ancestors = element.ancestors(maxDepth: ReadabilityRules.scoredAncestorLevels)
            guard !ancestors.isEmpty else { continue }
            var contentScore = 1.0
            contentScore += Double(1 + commas)
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

    /// The length of `element`'s ``innerText`` in Unicode scalars and its commas, read from
    /// the text nodes' bytes: no string is made for each of a page's paragraphs.
    static func scoredText(of element: Node) -> (length: Int, commas: Int) {
        var length = 0
        var commas = 0
        element.forEachInnerTextByte { byte in
            if byte & 0xC0 != 0x80 { length += 1 }
            if byte == UInt8(ascii: ",") { commas += 1 }
        }
        return (length, commas)
    }

    /// The best-scoring candidate once link density is weighed in, refined, widened and merged
    /// with related siblings; the whole body when no candidate stands out.
    mutating func pick(from candidates: [Node], in body: Node) -> Node {
        // One pass measures text and link text under every element, instead of a walk per candidate.
        let measures = Self.measures(under: body)
        var top: [Node] = []
        for candidate in candidates {
            let adjusted = (scores[candidate] ?? 0) * (1 - (measures[candidate]?.linkDensity ?? Self.linkDensity(candidate)))
            scores[candidate] = adjusted
            top.append(candidate)
        }
        top.sort { (scores[$0] ?? 0) > (scores[$1] ?? 0) }
        top = Array(top.prefix(ReadabilityRules.topCandidates))

        guard var best = top.first, best.tag != "body", best.tag != "html" else {
            return wholeBody(body)
        }
        best = refine(best, alternatives: Array(top.dropFirst()))
        best = widen(best, measures: measures)

        return mergeSiblings(of: best, measures: measures)
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

    /// Elements that go when they hold no text and no media.
    static let emptiedTags = TagSet(["div", "section", "header", "h1", "h2", "h3", "h4", "h5", "h6"])

    /// Parts of a page's frame that are never the article, whatever they wrap.
    static let frameTags = TagSet(["header", "footer", "nav", "aside", "form", "li", "td", "tr", "tbody", "table"])

    /// Prose under `node`: the text of its paragraphs that are not mostly links. The measure
    /// of how much of an article an element holds, whatever its wrappers.
    static func proseLength(_ node: Node) -> Int {
        var length = 0
        for paragraph in node.descendants(["p", "pre", "blockquote"]) where linkDensity(paragraph) < proseLinkDensity {
            length += paragraph.textLength
        }
        return length
    }

    /// An ancestor of `candidate` that holds much more of the article, when the article is cut
    /// into parallel blocks (one per item of a list, one per grid column, one per section) and
    /// the best block is only one of them: the highest ancestor whose prose is at least twice
    /// the candidate's and makes up most of its text, with few links.
    mutating func widen(_ candidate: Node, measures: [Node: Measure]) -> Node {
        // The tree has not changed since `measures` was taken, so every element has one.
        func measure(_ node: Node) -> Measure {
            measures[node] ?? Self.measures(under: node)[node] ?? Measure()
        }
        let own = measure(candidate).prose
        guard own > 0 else { return candidate }
        var best = candidate
        var node = candidate.parentNode
        while let current = node, current.tag != "body", current.tag != "html" {
            let measured = measure(current)
            let prose = measured.prose
            let total = measured.text.length
            // Past an ancestor that is mostly not prose, the page's frame begins: stop there.
            guard total > 0, Double(prose) / Double(total) >= 0.6, measured.linkDensity < 0.25 else { break }
            if prose >= 2 * own, classWeight(current) >= 0, !Self.frameTags.contains(current),
                Self.nameWords(of: current) & ReadabilityRules.unlikely == 0
            {
                best = current
            }
            node = current.parentNode
        }
        if best != candidate, scores[best] == nil { scores[best] = initialScore(best) }
        return best
    }

    /// The candidate and its siblings that look like more of the same article. `measures` are
    /// those of the tree as it still is (picking does not change it).
    mutating func mergeSiblings(of best: Node, measures: [Node: Measure]) -> Node {
        let article = document.makeElement("div")
        let bestScore = scores[best] ?? 0
        let threshold = max(ReadabilityRules.minimumSiblingScore, bestScore * ReadabilityRules.siblingScoreShare)
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
                if !bestClass.isEmpty, sibling.className == bestClass { bonus += bestScore * ReadabilityRules.siblingScoreShare }
                if let score = scores[sibling], score + bonus >= threshold {
                    keep = true
                } else if sibling.tag == "p" {
                    let density = measures[sibling]?.linkDensity ?? Self.linkDensity(sibling)
                    let text = sibling.innerText
                    let length = text.unicodeScalars.count
                    if length > ReadabilityRules.siblingParagraphCharacters, density < ReadabilityRules.siblingLinkDensity {
                        keep = true
                    } else if length < ReadabilityRules.siblingParagraphCharacters, length > 0, density == 0,
                        text.range(of: #"\.( |$)"#, options: .regularExpression) != nil
                    {
                        keep = true
                    }
                }
            }
            guard keep else { continue }
            if !ReadabilityRules.keptSiblingTags.contains(sibling) { sibling.rename("div") }
            article.append(sibling)
        }
        parent.append(article)
        return article
    }
}
