import CLibXML2
import Foundation
import SummarizerCore

/// Cleaning the picked article: boilerplate blocks, notices, and conditionally the blocks
/// that look more like navigation than prose.
extension ArticleGrabber {
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
                let (names, boilerplate) = node.withClassAndID { bytes in
                    bytes.isEmpty
                        ? (0, false) : (ReadabilityRules.nameWords.found(inLowercasedBytes: bytes), ReadabilityRules.isBoilerplateBlock(bytes))
                }
                if names & ReadabilityRules.share != 0, node.textLength(cappedAt: 500) < 500 {
                    node.remove()
                } else if boilerplate {
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
        removeTablesOfContents(article)
        removeInterfaceLabels(article)
        for header in article.descendants(["h1", "h2"]) where header.parentNode != nil {
            if classWeight(header) < 0 { header.remove() }
        }
        // Remembered contents stay true while only these loops change the tree: each removal
        // forgets its ancestors' (earlier removals went unrecorded, so nothing is kept from before).
        contentsCache = [:]
        defer { contentsCache = [:] }
        // Tables first, then lists, then divs, each from the inside out; listed in one walk,
        // so each loop skips what an earlier one removed.
        let blocks = article.descendants(["table", "ul", "div"])
        for name in [Names.table, Names.ul, Names.div] {
            for node in blocks.reversed() where node.nameCode == name && node.parentNode != nil && isAttached(node, to: article) {
                try cleanConditionally(node)
            }
        }
        for paragraph in article.descendants(["p"]) where paragraph.parentNode != nil {
            if paragraph.textLength(cappedAt: 1) == 0, paragraph.descendants(["img", "embed", "object", "iframe"]).isEmpty {
                paragraph.remove()
            }
        }
        // After the conditional cleaning, which reads these links as part of their blocks.
        removeCallsToAction(article)
        // Last, so that a first copy some other rule removes leaves its repeat in place.
        removeRepeatedBlocks(article)
    }

    /// Links drawn as buttons (class "btn", "button") that are all their block says, in under 60
    /// characters: "Buy poster", "See list", "Shop all". A button-styled link inside a sentence
    /// is part of the sentence and stays.
    func removeCallsToAction(_ article: Node) {
        for link in article.descendants(["a"]) where link.parentNode != nil {
            let length = link.textLength(cappedAt: 60)
            guard length > 0, length < 60, let block = link.parentNode,
                block.textLength(cappedAt: length + 3) <= length + 2,
                link.withClassAndID({ !$0.isEmpty && ReadabilityRules.isButton($0) })
            else { continue }
            link.remove()
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
        let boxes = TagSet(["div", "section", "aside"])
        for caption in article.descendants(["div", "p"]) where caption.parentNode != nil && caption.firstElementChild == nil {
            guard let box = caption.parentNode, box != article, box.firstElementChild == caption, boxes.contains(box),
                caption.textLength(cappedAt: 80) < 80, ReadabilityRules.isClosingHeading(caption.innerText)
            else { continue }
            let length = box.textLength(cappedAt: 1_000)
            if length < 1_000, 4 * length < articleLength { box.remove() }
        }
    }

    /// Elements that make a block a container rather than a block of inline content.
    static let containerNames = TagSet([
        "p", "div", "section", "article", "main", "aside", "header", "footer", "nav", "ul", "ol", "li", "dl", "table",
        "blockquote", "figure", "form", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    ])

    /// Short blocks that speak about the page rather than the story: affiliate disclosures
    /// ("we may earn a commission"), newsletter sign-up lines, reading times, publication
    /// dates, credit lines, and links to other articles ("Related: How tides work"), wherever
    /// they sit.
    func removeNotices(_ article: Node) {
        let containers = Self.containerNames
        for block in article.descendants(["p", "div"]) where block.parentNode != nil {
            // Blocks of inline content only (a container is judged by its own blocks); the
            // children's names are cheap to read where the text is not.
            guard block.hasNoChild(namedAnyOf: containers) else { continue }
            let length = block.textLength(cappedAt: 300)
            guard length < 300 else { continue }
            let text = block.innerText
            // Lowercased once for the line rules (the notice marks are found in any case).
            let lowered = text.lowercased().trimmingWhitespace
            if ReadabilityRules.isNotice(text) || (length < 100 && ReadabilityRules.isMetadataLine(lowered)) {
                block.remove()
            } else if ReadabilityRules.isRelatedLine(lowered), 2 * Self.linkDensity(block) >= 1 {
                block.remove()
            }
        }
    }

    /// Elements whose whole text is an interface label ("Read more", "Back to top", "Buy now")
    /// or a photo credit ("Credit: Reuters", "Image: Getty"): the page's controls and picture
    /// notes, not the story's words. An inline element goes only when it stands alone or ends
    /// its block, so that a sentence never loses a word ("you can subscribe here").
    func removeInterfaceLabels(_ article: Node) {
        // Cheapest tests first: most elements of an article are words inside sentences.
        for element in article.allDescendantElements where element.parentNode != nil {
            guard !Self.inlineLabelTags.contains(element) || Self.standsAloneOrEnds(element),
                element.hasNoChild(namedAnyOf: Self.containerNames),
                element.textLength(cappedAt: ReadabilityRules.creditCharacters) < ReadabilityRules.creditCharacters
            else { continue }
            let text = element.innerText
            guard !text.isEmpty, ReadabilityRules.isInterfaceLabel(text) || ReadabilityRules.isPhotoCredit(text) else { continue }
            element.remove()
        }
    }

    /// Lists of links to the page's own headings (a table of contents, "On this page"): the
    /// headings themselves follow in the article, so the list only repeats them. Same-page
    /// links weigh little in the link density, so the conditional cleaning keeps such lists.
    func removeTablesOfContents(_ article: Node) {
        for list in article.descendants(["ul", "ol"]) where list.parentNode != nil && isAttached(list, to: article) {
            let links = list.descendants(["a"])
            guard links.count >= 3 else { continue }
            let anchors = links.filter { $0.attribute("href")?.hasPrefix("#") ?? false }
            guard 5 * anchors.count >= 4 * links.count else { continue }
            let linked = links.reduce(0) { $0 + $1.textLength }
            if 10 * linked >= 7 * list.textLength { list.remove() }
        }
    }

    /// Blocks whose text repeats an earlier block of the article word for word: the same story
    /// rendered twice (a desktop and a mobile copy, a print version, a tab of its own), or a
    /// standfirst repeated as the first paragraph. Only paragraphs long enough to be prose
    /// count, so short lines that legitimately recur ("Pros", "Step 2") stay.
    func removeRepeatedBlocks(_ article: Node) {
        // Each text with the block it was first met in. A paragraph repeated beside itself is
        // the writer's (a refrain, a template's filler text), one repeated elsewhere is a copy;
        // a block inside the first (`<div><span><p>` with one text) is the same one.
        // Keyed by a hash of the text, so no string is made per paragraph; a hit is confirmed
        // on the texts themselves.
        var seen: [Int: Node] = [:]
        for block in article.descendants(Self.repeatableBlockNames) where block.parentNode != nil && isAttached(block, to: article) {
            guard block.hasNoChild(namedAnyOf: Self.containerNames),
                block.textLength(cappedAt: ReadabilityRules.repeatedBlockCharacters) >= ReadabilityRules.repeatedBlockCharacters,
                let parent = block.parentNode
            else { continue }
            let key = Self.textHash(of: block)
            if let first = seen[key] {
                if first.parentNode != parent, !isAttached(block, to: first), first.innerText == block.innerText { block.remove() }
            } else {
                seen[key] = block
            }
        }
    }

    /// A hash of `node`'s text with white space collapsed as ``innerText`` collapses it: equal
    /// texts hash alike. FNV-1a, a multiply per byte: `Hasher` fed a byte at a time cost more
    /// than the rest of the rule, and a collision only costs a comparison of the two texts.
    static func textHash(of node: Node) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        node.forEachInnerTextByte { hash = (hash ^ UInt64($0)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: hash)
    }

    static let repeatableBlockNames: Set<String> = ["p", "div", "li", "blockquote", "pre", "h2", "h3", "h4", "h5", "h6"]

    /// Inline elements that can carry a label inside a block of text.
    static let inlineLabelTags = TagSet(["a", "span", "button", "em", "strong", "b", "i", "small", "label", "cite"])

    /// Whether `element` is its parent's only content or its last.
    static func standsAloneOrEnds(_ element: Node) -> Bool {
        var next = element.nextSibling
        while let current = next {
            if current.isElement || (current.isText && !current.isWhitespaceText) { return false }
            next = current.nextSibling
        }
        return true
    }

    func isAttached(_ node: Node, to root: Node) -> Bool {
        var ancestor = node.parentNode
        while let current = ancestor {
            if current == root { return true }
            ancestor = current.parentNode
        }
        return false
    }

    /// Removes an element that looks like boilerplate by its make-up: more images, list items
    /// or inputs than paragraphs, many links, little text, or a lone embed.
    mutating func cleanConditionally(_ node: Node) throws(OutOfTime) {
        guard flags.contains(.cleanConditionally) else { return }
        try checkTime()
        let tag = node.tag
        let isList = tag == "ul" || tag == "ol"
        if tag == "table", isDataTable(node) { return }
        var ancestor = node.parentNode
        while let current = ancestor {
            if current.hasName("table"), isDataTable(current) { return }
            ancestor = current.parentNode
        }
        if node.hasAncestor("code", maxDepth: 0) { return }
        let weight = classWeight(node)
        if weight < 0 {
            // A class word such as "widget" or "media" says boilerplate, but a block holding
            // paragraphs of prose with few links is the article's (product reviews in
            // "product-widget" boxes, page builders' text widgets), unless its name is one of
            // comments, footers, sidebars. 200 characters: a box of one paragraph counts, since
            // page builders put every paragraph in a widget of its own.
            guard Self.nameWords(of: node) & ReadabilityRules.unlikely == 0,
                Self.proseLength(node) >= ReadabilityRules.rescuedProseCharacters,
                Self.linkDensity(node) < ReadabilityRules.rescuedLinkDensity
            else {
                forgetContents(above: node)
                node.remove()
                return
            }
        }
        let contents = contents(of: node)
        guard contents.commas < ReadabilityRules.keptCommaCount else { return }
        let paragraphs = Double(contents.paragraphs)
        let images = Double(contents.images)
        let items = Double(contents.items) - 100
        let inputs = Double(contents.inputs)
        let length = contents.text.length
        let headingDensity = length == 0 ? 0 : Double(contents.headingLength) / Double(length)
        let embeds = contents.embeds
        let density = contents.linkDensity
        let inFigure = node.hasAncestor("figure", maxDepth: 0)

        let remove =
            (images > 1 && paragraphs / images < ReadabilityRules.minimumParagraphsPerImage && !inFigure)
            || (!isList && items > paragraphs)
            || (inputs > (paragraphs / 3).rounded(.down))
            || (!isList && headingDensity < ReadabilityRules.headingDensityOfTitles && length < ReadabilityRules.minimumBlockCharacters
                && (images == 0 || images > 2) && !inFigure)
            || (!isList && weight < ReadabilityRules.positiveClassWeight && density > ReadabilityRules.maximumLinkDensity)
            || (weight >= ReadabilityRules.positiveClassWeight && density > ReadabilityRules.maximumLinkDensityOfPositiveBlocks)
            || ((embeds == 1 && length < ReadabilityRules.minimumEmbedCaptionCharacters) || embeds > 1)
        if remove {
            forgetContents(above: node)
            node.remove()
        }
    }
}
