import SummarizerCore

/// The word lists behind the readability heuristics: which class and id words mark content,
/// boilerplate, or neither. Matching is on lowercase substrings of `class` and `id`.
enum ReadabilityRules {
    /// A paragraph shorter than this (in Unicode scalars) adds no score.
    static let minimumParagraphCharacters = 25
    /// A paragraph's score goes to this many ancestors: all of it to the parent, half to the
    /// grandparent, then a third of the level each.
    static let scoredAncestorLevels = 5
    /// A paragraph earns a point per this many characters...
    static let charactersPerPoint = 100
    /// ...up to this many points.
    static let maximumLengthPoints = 3
    /// Candidates compared for a shared better ancestor.
    static let topCandidates = 5
    /// A `<div>` holding a single `<p>` is replaced by it when less than this share of its text is links.
    static let unwrapLinkDensity = 0.25

    /// A sibling of the best candidate joins it from this score...
    static let minimumSiblingScore = 10.0
    /// ...or from this share of the best score; a sibling of the same class gets it as a bonus.
    static let siblingScoreShare = 0.2
    /// A `<p>` sibling longer than this joins when less than ``siblingLinkDensity`` of it is
    /// links; a shorter one when it has no links and ends a sentence.
    static let siblingParagraphCharacters = 80
    static let siblingLinkDensity = 0.25
    /// A block a class word calls boilerplate stays when it holds this much prose...
    static let rescuedProseCharacters = 200
    /// ...with less than this share of its text in links.
    static let rescuedLinkDensity = 0.2
    /// A block with this many commas is prose: conditional cleaning keeps it.
    static let keptCommaCount = 10
    /// Conditional cleaning removes a block with fewer paragraphs per image than this...
    static let minimumParagraphsPerImage = 0.5
    /// ...or, outside lists, shorter than this with headings under this share of its text...
    static let minimumBlockCharacters = 25
    static let headingDensityOfTitles = 0.9
    /// ...or with more than this share of its text in links (this other share when its class
    /// weight is at least ``positiveClassWeight``)...
    static let maximumLinkDensity = 0.2
    static let maximumLinkDensityOfPositiveBlocks = 0.5
    static let positiveClassWeight = 25
    /// ...or with one embed and less text than this, or more than one embed.
    static let minimumEmbedCaptionCharacters = 75

    /// Names that mark an element as probably not content (navigation, ads, comments...).
    static let unlikelyWords = [
        "-ad-", "ai2html", "banner", "breadcrumbs", "combx", "comment", "community", "cover-wrap", "disqus", "extra",
        "footer", "gdpr", "header", "legends", "menu", "related", "remark", "replies", "rss", "shoutbox", "sidebar",
        "skyscraper", "social", "sponsor", "supplemental", "ad-break", "agegate", "pagination", "pager", "popup",
        "yom-remote",
    ]

    /// Names that rescue an unlikely-looking element: it may hold the content after all.
    static let maybeWords = ["and", "article", "body", "column", "content", "main", "mathjax", "shadow"]

    /// Names that raise an element's score.
    static let positiveWords = [
        "article", "body", "content", "entry", "hentry", "h-entry", "main", "page", "pagination", "post", "text", "blog",
        "story",
    ]

    /// Names that lower an element's score.
    static let negativeWords = [
        "-ad-", "hidden", "banner", "combx", "comment", "com-", "contact", "footer", "gdpr", "masthead", "media", "meta",
        "outbrain", "promo", "related", "scroll", "share", "shoutbox", "sidebar", "skyscraper", "sponsor", "shopping",
        "tags", "widget",
    ]

    /// ARIA roles of elements that are never the article.
    static let unlikelyRoles: Set<String> = [
        "menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog",
    ]

    /// Elements whose paragraphs are scored.
    static let tagsToScore = TagSet(["section", "h2", "h3", "h4", "h5", "h6", "p", "td", "pre"])

    /// Elements that start a block, for deciding whether a div is really a paragraph.
    static let blockTags = TagSet([
        "blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul", "section", "article", "header", "footer", "aside",
        "figure", "form", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "main", "nav", "address", "fieldset", "li", "dd", "dt",
    ])

    /// Inline (phrasing) elements: runs of them inside a div are wrapped into a paragraph.
    static let phrasingTags = TagSet([
        "abbr", "audio", "b", "bdo", "br", "button", "cite", "code", "data", "datalist", "dfn", "em", "embed", "i", "img",
        "input", "kbd", "label", "mark", "math", "meter", "noscript", "object", "output", "progress", "q", "ruby", "samp",
        "script", "select", "small", "span", "strong", "sub", "sup", "textarea", "time", "var", "wbr", "a", "del", "ins",
        "font", "u", "s", "strike", "tt", "big", "center", "acronym",
    ])

    /// Siblings kept with these names when merged; others become divs.
    static let keptSiblingTags = TagSet(["div", "article", "section", "p"])

    /// Names of share and social widgets inside the article.
    static let shareWords = ["share", "sharedaddy"]

    /// Names that mark a byline.
    static let bylineWords = ["byline", "author", "dateline", "writtenby", "p-author"]

    /// The words matched against an element's joined `class id` (``classAndID``), in one set:
    /// one pass over the names finds them all, and the masks below tell which list each is of.
    static let nameWords = PhraseSet(unlikelyWords + maybeWords + shareWords + bylineWords)
    static let unlikely = nameWords.mask(unlikelyWords)
    static let maybe = nameWords.mask(maybeWords)
    static let share = nameWords.mask(shareWords)
    static let byline = nameWords.mask(bylineWords)

    /// The words matched against `class` and `id` one at a time, for an element's weight.
    static let weightWords = PhraseSet(negativeWords + positiveWords)
    static let negative = weightWords.mask(negativeWords)
    static let positive = weightWords.mask(positiveWords)

    /// Class and id words of blocks that sit inside articles without being part of them:
    /// newsletter and subscription boxes, calls to action, author bios, disclaimers, ad breaks,
    /// paywall notices, comment threads. Matched as whole words of the name.
    static let boilerplateBlockWords: Set<String> = [
        "newsletter", "newsletters", "subscribe", "subscription", "signup", "cta", "promo", "bio", "disclaimer",
        "disclaimers", "breaker", "advertisement", "advert", "paywall", "restricted", "discussion", "related",
        "sharing", "social", "comments",
    ]

    /// Class and id words of links drawn as buttons ("btn btn-primary", "et_pb_button"): a call to
    /// action ("Buy poster", "Shop all", "See list") when the link is all its block says.
    static let buttonWords: Set<String> = ["btn", "button"]

    /// Whether a lowercase `class id` (``classAndID``'s bytes) names a boilerplate block, word
    /// by word (so "short-cta__title" is one, "factual" is not).
    static func isBoilerplateBlock(_ names: UnsafeBufferPointer<UInt8>) -> Bool {
        hasWord(of: boilerplateBlockWords, in: names)
    }

    /// Whether a lowercase `class id` names a link drawn as a button, word by word.
    static func isButton(_ names: UnsafeBufferPointer<UInt8>) -> Bool {
        hasWord(of: buttonWords, in: names)
    }

    /// Whether one of `words` (none longer than 15 bytes) is a whole word of `names`.
    private static func hasWord(of words: Set<String>, in names: UnsafeBufferPointer<UInt8>) -> Bool {
        var start = 0
        for end in 0...names.count {
            if end < names.count, (names[end] >= 0x61 && names[end] <= 0x7A) || (names[end] >= 0x30 && names[end] <= 0x39) { continue }
            // No listed word is longer than 13 bytes: a word that fits a small string costs no
            // allocation, a longer one cannot match.
            if end > start, end - start <= 15,
                words.contains(String(decoding: UnsafeBufferPointer(rebasing: names[start..<end]), as: UTF8.self))
            {
                return true
            }
            start = end + 1
        }
        return false
    }

    /// Whether a short block's text (any case) is a notice about the page rather than part of the
    /// story: an affiliate disclosure ("we may earn a commission", "this post contains
    /// affiliate links"), or a newsletter sign-up line. An article about affiliate marketing
    /// uses the words too, so a disclosure needs two of its marks together.
    static func isNotice(_ text: String) -> Bool {
        let marks = noticeMarks.found(inLowercased: text)
        func has(_ phrases: String...) -> Bool { phrases.contains { marks & noticeMarks.bit($0) != 0 } }
        if has("sign up for our newsletter", "subscribe to our newsletter", "sign up for the newsletter") { return true }
        if has("contain affiliate", "contains affiliate", "includes affiliate", "use affiliate", "uses affiliate") { return true }
        if has("commission"), has("purchase", "buy", "link", "affiliate") { return true }
        return has("affiliate") && has("disclos", "qualifying purchases", "kickback")
    }

    /// Whether a short block (its text lowercased and trimmed) is a line of the page's own
    /// metadata: a reading time ("5 min read"), a publication date ("Published June 23, 2025",
    /// "Updated: 3 Dec") or a credit line ("Written by Jane Doe", "Reviewed by").
    static func isMetadataLine(_ lowered: String) -> Bool {
        if lowered.count < 100, readingTime.occurs(inLowercased: lowered), lowered.contains(where: \.isNumber) { return true }
        guard lowered.count < 60 else { return false }
        if isCreditLine(lowered) { return true }
        for prefix in ["published", "updated", "last updated", "posted"] where lowered.hasPrefix(prefix) {
            var rest = lowered.dropFirst(prefix.count).drop { $0 == ":" || $0 == " " }
            if rest.hasPrefix("on") { rest = rest.dropFirst(2).drop { $0 == ":" || $0 == " " } }
            if rest.first?.isNumber == true || months.contains(where: { rest.hasPrefix($0) }) { return true }
        }
        return isDate(lowered)
    }

    /// Whether a short line (lowercased and trimmed) points to another article: an opening
    /// such as "related" or "also read", a colon or a dash, then the other article's title
    /// ("related: how tides work"). The caller checks that the title is a link.
    static func isRelatedLine(_ lowered: String) -> Bool {
        for opening in relatedOpenings where lowered.hasPrefix(opening) {
            let rest = lowered.dropFirst(opening.count).drop { $0 == " " }
            guard let mark = rest.first, ":–—-|".contains(mark) else { continue }
            return rest.dropFirst().contains { $0.isLetter || $0.isNumber }
        }
        return false
    }

    private static let relatedOpenings = [
        "related articles", "related article", "related posts", "related post", "related reading", "related stories",
        "related story", "related", "see also", "also read", "read also", "also see", "read more", "read next",
        "must read", "further reading", "recommended reading", "recommended", "you might also like", "you may also like",
    ]

    /// Whether a lowercase line names who wrote or checked the article and says nothing else:
    /// "written by" and a name of a few words ("Posted by Jane at 9:15" too), not a sentence.
    static func isCreditLine(_ lowered: String) -> Bool {
        guard let opening = creditLineOpenings.first(where: { lowered.hasPrefix($0) }) else { return false }
        let rest = lowered.dropFirst(opening.count)
        guard rest.isEmpty || rest.first == " " || rest.first == ":" else { return false }
        let words = rest.split { $0 == " " || $0 == ":" }
        return words.count <= 8 && !rest.hasSuffix(".")
    }

    private static let creditLineOpenings = [
        "written by", "posted by", "reviewed by", "edited by", "fact checked by", "fact-checked by",
        "medically reviewed by", "authored by",
    ]

    /// Whether a lowercase text is a date and nothing else: "June 9, 2025", "Tuesday February
    /// 11 2025", "9th Jan 2024, 10:30 am", "2025-06-09". A month name or a numeric date is
    /// needed, so a lone number or a lone weekday is not one.
    static func isDate(_ lowered: String) -> Bool {
        guard lowered.utf8.contains(where: { $0 &- 0x30 < 10 }) else { return false }
        // Prices, shares and scores ("$800 - $3,000", "115 (77.7%)", "4.6/5") are not dates.
        guard lowered.allSatisfy({ $0.isLetter || $0.isNumber || $0.isWhitespace || ",.-/:–".contains($0) }) else { return false }
        let words = lowered.split { !($0.isLetter || $0.isNumber) }
        guard !words.isEmpty, words.count <= 8 else { return false }
        var month = false
        var numbers = 0
        for word in words {
            if let number = Int(word) {
                guard number <= 2_100 else { return false }
                numbers += 1
            } else if monthNames.contains(where: { $0.hasPrefix(word) && word.count >= 3 }) {
                month = true
            } else if let day = Int(word.prefix { $0.isNumber }), day <= 31, ordinalSuffixes.contains(String(word.drop { $0.isNumber })) {
                numbers += 1
            } else if !dateWords.contains(String(word)) {
                return false
            }
        }
        return (month && numbers >= 1) || (numbers == 3 && words.contains { $0.count == 4 } && lowered.contains { "-/.".contains($0) })
    }

    private static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december",
    ]
    private static let ordinalSuffixes: Set<String> = ["st", "nd", "rd", "th"]

    /// Words a date line may hold besides numbers and months.
    private static let dateWords: Set<String> = [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue", "tues", "wed", "thu",
        "thur", "thurs", "fri", "sat", "sun", "sept", "at", "am", "pm", "of", "the", "et", "est", "edt", "pt", "pst", "pdt",
        "gmt", "utc", "bst", "cet", "ist",
    ]

    /// Labels of a page's controls: links and buttons that stand alone, never the story's words.
    static let interfaceLabels: Set<String> = [
        "read more", "learn more", "see more", "view more", "show more", "load more", "continue reading",
        "read full article", "read the full article", "read full story", "back to top", "back to blog", "go to top",
        "buy now", "shop now", "book now", "order now", "book a demo", "request a demo", "request a quote",
        "get a quote", "start free trial", "start your free trial", "try it free", "try for free", "get started",
        "sign up", "sign in", "log in", "subscribe", "subscribe now", "join now", "share", "share this",
        "share this article", "print", "tweet", "pin it", "download now", "contact us", "table of contents",
        "on this page", "in this article", "contents", "skip to content", "jump to details", "jump to recipe",
        "advertisement", "sponsored", "home", "click here", "view all", "see all", "compare", "where to buy",
        "check price", "see price", "view deal", "see deal", "see the rating", "leave a comment", "loading",
        "view gallery", "open gallery", "enlarge image", "expand", "collapse", "copy link",
    ]

    /// Whether a short text is one of ``interfaceLabels``, whatever its case and the arrows or
    /// punctuation around it ("Read more »", "→ Back to top").
    static func isInterfaceLabel(_ text: String) -> Bool {
        guard text.utf8.count < 40 else { return false }
        // Every label is ASCII, so a text with any other letter is none; other characters
        // outside ASCII (arrows, guillemets) only separate words.
        if !text.utf8.allSatisfy({ $0 < 0x80 }), text.unicodeScalars.contains(where: { !$0.isASCII && $0.properties.isAlphabetic }) {
            return false
        }
        // The words in lowercase, one space between, made from bytes: it fits a small string.
        var key: [UInt8] = []
        key.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            let lower = PhraseSet.lowercasedASCII(byte)
            if (lower >= 0x61 && lower <= 0x7A) || (lower >= 0x30 && lower <= 0x39) || lower == UInt8(ascii: "'") {
                key.append(lower)
            } else if key.last != 0x20, !key.isEmpty {
                key.append(0x20)
            }
        }
        if key.last == 0x20 { key.removeLast() }
        return interfaceLabels.contains(String(decoding: key, as: UTF8.self))
    }

    /// A block repeated word for word is dropped from this length on.
    static let repeatedBlockCharacters = 60

    /// Photo credits are shorter than this.
    static let creditCharacters = 120

    /// How a photo credit begins (lowercase): a label and a colon, or "photo by".
    private static let creditOpenings = [
        "credit:", "credits:", "image credit:", "image credits:", "photo credit:", "photo credits:", "image:", "photo:",
        "photograph:", "picture:", "illustration:", "image source:", "photo source:", "source image:", "image courtesy",
        "photo courtesy", "photo by ", "image by ", "photo via ", "image via ", "©", "copyright ©", "copyright (c)",
    ]

    private static let creditInitials = Set(creditOpenings.compactMap(\.utf8.first))

    /// Whether a short text is a photo credit or a copyright line ("Credit: Reuters", "Image:
    /// Getty Images", "Photo by Jane Doe on Unsplash", "(Image credit: Reuters)", "© Jane Doe").
    static func isPhotoCredit(_ text: String) -> Bool {
        // Most texts are turned away by their first letter, which no opening starts with.
        guard let first = text.utf8.first(where: { $0 > 0x20 }),
            first == UInt8(ascii: "(") || first == UInt8(ascii: "[") || creditInitials.contains(PhraseSet.lowercasedASCII(first)),
            text.utf8.count < 4 * creditCharacters, text.count < creditCharacters
        else { return false }
        // A credit set in brackets, "(Image credit: Reuters)", is one too.
        let lowered = text.lowercased().trimmingWhitespace.drop { $0 == "(" || $0 == "[" || $0 == " " }
        return creditOpenings.contains { lowered.hasPrefix($0) }
    }

    private static let readingTime = PhraseSet(["min read", "mins read", "minute read", "minutes read", "reading time"])
    /// How month names begin: enough to tell "Dec" and "December" from other words.
    private static let months = monthNames.map { String($0.prefix(3)) }

    private static let noticeMarks = PhraseSet([
        "sign up for our newsletter", "subscribe to our newsletter", "sign up for the newsletter",
        "contain affiliate", "contains affiliate", "includes affiliate", "use affiliate", "uses affiliate",
        "commission", "purchase", "buy", "link", "affiliate", "disclos", "qualifying purchases", "kickback",
    ])

    /// How headings that close an article's own text begin (lowercase).
    static let closingHeadings = [
        "related", "you might also like", "you may also like", "you might like", "you may like", "more from",
        "more stories", "read more", "read next", "recommended", "about the author", "discussion about this post",
        "comments", "leave a comment", "leave a reply", "ready for more", "subscribe", "sign up", "join our",
        "get our newsletter", "share this", "follow us", "trending", "other posts", "more posts", "recent posts",
        "popular posts", "latest posts", "similar posts", "other articles", "more articles", "latest articles",
        "you may also enjoy", "you might also enjoy", "more like this", "keep reading", "newsletter", "stay connected",
        "stay in touch", "what do you think", "be the first to comment", "editor's pick", "editor’s pick",
    ]

    static func isClosingHeading(_ text: String) -> Bool {
        let lowered = Substring(text.lowercased()).drop { $0.isWhitespace }
        return closingHeadings.contains { lowered.hasPrefix($0) }
    }

    /// Whether a lowercase `class` or `id` value names a negative element: one of
    /// ``negativeWords`` in it (`found` from ``weightWords``), or "hid" as a word of its own
    /// ("hidden" is in the list; "hid" inside another word does not count).
    static func isNegative(_ name: UnsafeBufferPointer<UInt8>, found: UInt64) -> Bool {
        if found & negative != 0 { return true }
        var start = 0
        while start + 3 <= name.count {
            if name[start] == 0x68, name[start + 1] == 0x69, name[start + 2] == 0x64, start == 0 || name[start - 1] == 0x20,
                start + 3 == name.count || name[start + 3] == 0x20
            {
                return true
            }
            start += 1
        }
        return false
    }
}
