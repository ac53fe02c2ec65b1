/// The main content of a page, as an extractor found it.
public struct Article: Sendable, Hashable, Codable {
    /// The article's title, if found.
    public var title: String?
    /// The author line, if found.
    public var byline: String?
    /// The publication time as the page states it (ISO 8601 where the page gives one).
    public var publishedTime: String?
    /// The site's name, if found.
    public var siteName: String?
    /// The content language (BCP 47), if declared.
    public var language: String?
    /// A short description the page gives of itself, if any.
    public var excerpt: String?
    /// The page's lead image URL, if any.
    public var leadImage: String?
    /// The main text: blocks separated by blank lines, whitespace normalized.
    public var text: String
    /// The cleaned article HTML, when the extractor produces it.
    public var html: String?
    /// Words in ``text``.
    public var wordCount: Int
    /// SHA-256 of ``text``, lowercase hex; lets sinks skip unchanged articles.
    public var contentHash: String
    /// The extractor's type name, e.g. `plainText`.
    public var extractor: String
    /// The extractor's version, so records tell which rules produced them.
    public var extractorVersion: String

    /// An article; the word count and the content hash are computed from `text`.
    public init(
        title: String?,
        byline: String? = nil,
        publishedTime: String? = nil,
        siteName: String? = nil,
        language: String? = nil,
        excerpt: String? = nil,
        leadImage: String? = nil,
        text: String,
        html: String? = nil,
        extractor: String,
        extractorVersion: String
    ) {
        self.title = title
        self.byline = byline
        self.publishedTime = publishedTime
        self.siteName = siteName
        self.language = language
        self.excerpt = excerpt
        self.leadImage = leadImage
        self.text = text
        self.html = html
        self.wordCount = Article.countWords(text)
        self.contentHash = SHA256.hex(of: Array(text.utf8))
        self.extractor = extractor
        self.extractorVersion = extractorVersion
    }

    /// Counts whitespace-separated words.
    public static func countWords(_ text: some StringProtocol) -> Int {
        var count = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            if scalar.isSpace {
                inWord = false
            } else if !inWord {
                inWord = true
                count += 1
            }
        }
        return count
    }
}

extension Unicode.Scalar {
    /// White space, with a fast path for ASCII: the Unicode property lookup is slow, and
    /// counting words and collapsing spaces run over every character of every page.
    @inlinable
    public var isSpace: Bool {
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        return properties.isWhitespace
    }
}
