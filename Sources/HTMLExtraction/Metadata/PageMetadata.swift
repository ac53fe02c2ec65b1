import CLibXML2
import Foundation
import SummarizerCore

/// What a page says about itself: structured data (JSON-LD), OpenGraph and meta tags, `<title>`.
public struct PageMetadata: Sendable, Hashable, Codable {
    /// The headline: JSON-LD, then OpenGraph, then `<title>`.
    public var title: String?
    /// The author.
    public var byline: String?
    /// The publication time, as the page writes it.
    public var publishedTime: String?
    /// The site's name.
    public var siteName: String?
    /// The page's language (`<html lang>`).
    public var language: String?
    /// The description or standfirst.
    public var excerpt: String?
    /// The lead image's URL.
    public var leadImage: String?
    /// JSON-LD `articleBody`, when the page carries one.
    public var articleBody: String?

    /// Metadata with nothing known.
    public init() {}

    /// What the page `html` (fetched from `url`) says about itself, or `nil` when it does not
    /// parse as HTML: for extractors that build on metadata.
    public static func read(html: String, url: String) -> PageMetadata? {
        HTMLDocument(text: html, url: url).map(read)
    }

    /// Reads the metadata of a parsed page (before any cleanup).
    static func read(_ document: HTMLDocument) -> PageMetadata {
        guard let root = document.root else { return PageMetadata() }
        return read(document, root: root, index: root.index(indexedTags))
    }

    /// The elements metadata and page signals read, collected in one walk.
    static let indexedTags: Set<String> = ["meta", "script", "time", "title", "h1", "h2", "input", "a"]

    static func read(_ document: HTMLDocument, root: Node, index: [String: [Node]]) -> PageMetadata {
        var metadata = PageMetadata()
        var meta: [String: String] = [:]
        for node in index["meta"] ?? [] {
            guard let content = node.attribute("content")?.trimmingWhitespace, !content.isEmpty else {
                continue
            }
            for key in [node.attribute("property"), node.attribute("name"), node.attribute("itemprop")].compactMap({ $0 }) {
                for part in key.lowercased().split(separator: " ") where meta[String(part)] == nil {
                    meta[String(part)] = content
                }
            }
        }
        let structured = StructuredData.articles(in: index["script"] ?? [])

        let documentTitle = index["title"]?.first?.innerText ?? ""
        metadata.title =
            nonEmpty(structured.headline) ?? nonEmpty(meta["og:title"]) ?? nonEmpty(meta["twitter:title"])
            ?? nonEmpty(cleanTitle(documentTitle, headings: (index["h1"] ?? []) + (index["h2"] ?? []), h1Count: index["h1"]?.count ?? 0))
        metadata.byline =
            nonEmpty(structured.author) ?? nonEmpty(meta["author"])
            ?? nonEmpty(meta["article:author"])
            .flatMap { $0.hasPrefix("http") ? nil : $0 }
        metadata.publishedTime =
            nonEmpty(structured.datePublished) ?? nonEmpty(meta["article:published_time"])
            ?? nonEmpty(meta["datepublished"]) ?? index["time"]?.lazy.compactMap { $0.attribute("datetime") }.first
        metadata.siteName = nonEmpty(meta["og:site_name"]) ?? nonEmpty(structured.publisher)
        metadata.language =
            nonEmpty(root.attribute("lang")) ?? nonEmpty(meta["og:locale"]?.replacingOccurrences(of: "_", with: "-"))
            ?? nonEmpty(meta["content-language"])
        metadata.excerpt =
            nonEmpty(structured.description) ?? nonEmpty(meta["og:description"]) ?? nonEmpty(meta["description"])
            ?? nonEmpty(meta["twitter:description"])
        metadata.leadImage = nonEmpty(structured.image) ?? nonEmpty(meta["og:image"]) ?? nonEmpty(meta["twitter:image"])
        metadata.articleBody = nonEmpty(structured.articleBody)
        return metadata
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text = text?.trimmingWhitespace, !text.isEmpty else { return nil }
        return text
    }

    /// `<title>` without the site name: "Headline | Site" gives "Headline".
    static func cleanTitle(_ original: String, headings: [Node], h1Count: Int) -> String {
        let title = original.trimmingWhitespace
        let separators = [" | ", " - ", " – ", " — ", " \\ ", " / ", " > ", " » "]
        func wordCount(_ text: String) -> Int { text.split { $0 == " " }.count }
        var result = title
        var hadSeparators = false
        if let last = separators.compactMap({ title.range(of: $0, options: .backwards) }).max(by: { $0.lowerBound < $1.lowerBound }) {
            hadSeparators = true
            result = String(title[..<last.lowerBound])
            if wordCount(result) < 3, let first = separators.compactMap({ title.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
                result = String(title[first.upperBound...])
            }
        } else if title.contains(": ") {
            if !headings.map(\.innerText).contains(title), let colon = title.range(of: ": ", options: .backwards) {
                result = String(title[colon.upperBound...])
                if wordCount(result) < 3, let first = title.range(of: ": ") {
                    result = String(title[first.upperBound...])
                } else if let first = title.range(of: ": "), wordCount(String(title[..<first.lowerBound])) > 5 {
                    result = title
                }
            }
        } else if title.count > 150 || title.count < 15, h1Count == 1, let heading = headings.first {
            result = heading.innerText
        }
        result = result.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let words = wordCount(result)
        if words <= 4,
            !hadSeparators || words != wordCount(title.replacingOccurrences(of: #"[|\-–—\\/>»]"#, with: "", options: .regularExpression)) - 1
        {
            return title
        }
        return result
    }
}

/// JSON-LD article data, from every `application/ld+json` script of a page.
struct StructuredData {
    var headline: String?
    var author: String?
    var datePublished: String?
    var publisher: String?
    var description: String?
    var image: String?
    var articleBody: String?

    static let articleTypes: Set<String> = [
        "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle", "blogposting",
        "socialmediaposting", "techarticle", "scholarlyarticle", "report", "webpage", "liveblogposting", "backgroundnewsarticle",
    ]

    static func articles(in scripts: [Node]) -> StructuredData {
        var found = StructuredData()
        for script in scripts where script.attribute("type")?.lowercased().contains("ld+json") == true {
            let text = script.rawText.trimmingWhitespace
            guard let data = text.data(using: .utf8), let json = try? JSONSerialization.jsonObject(with: data) else { continue }
            for object in flatten(json) {
                let types = typeNames(object["@type"])
                guard types.contains(where: articleTypes.contains) else { continue }
                // An article type beats a plain WebPage.
                let isPage = types.allSatisfy { $0 == "webpage" }
                if isPage, found.headline != nil { continue }
                found.headline = found.headline ?? (object["headline"] as? String) ?? (object["name"] as? String)
                found.author = found.author ?? names(object["author"])
                found.datePublished = found.datePublished ?? (object["datePublished"] as? String)
                found.publisher = found.publisher ?? names(object["publisher"])
                found.description = found.description ?? (object["description"] as? String)
                found.image = found.image ?? imageURL(object["image"])
                if !isPage { found.articleBody = found.articleBody ?? (object["articleBody"] as? String) }
            }
        }
        return found
    }

    static func flatten(_ json: Any) -> [[String: Any]] {
        if let array = json as? [Any] { return array.flatMap(flatten) }
        guard let object = json as? [String: Any] else { return [] }
        var result = [object]
        if let graph = object["@graph"] { result += flatten(graph) }
        return result
    }

    static func typeNames(_ value: Any?) -> [String] {
        if let text = value as? String { return [text.lowercased()] }
        if let list = value as? [Any] { return list.compactMap { ($0 as? String)?.lowercased() } }
        return []
    }

    static func names(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let object = value as? [String: Any] { return object["name"] as? String }
        if let list = value as? [Any] {
            let all = list.compactMap(names)
            return all.isEmpty ? nil : all.joined(separator: ", ")
        }
        return nil
    }

    static func imageURL(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let object = value as? [String: Any] { return object["url"] as? String }
        if let list = value as? [Any] { return list.lazy.compactMap(imageURL).first }
        return nil
    }
}
