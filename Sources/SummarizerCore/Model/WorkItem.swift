import Foundation

/// One article URL to summarize, as a source hands it to the pipeline.
///
/// The `id` is the source's own key (for example `news_urls.id`). Sources that have no key
/// derive one with ``WorkItem/derivedID(for:)``, a name-based UUID of the normalized URL, so
/// the same URL gets the same id on every run and the id is still a valid `uuid` column value.
public struct WorkItem: Sendable, Hashable, Codable {
    /// The stable id of the item; becomes `news_url_id` in records.
    public var id: String
    /// The article URL, exactly as stored by the source (never URL-decoded).
    public var url: String
    /// A title the source already knows, if any.
    public var title: String?
    /// The publisher the source already knows, if any.
    public var publisher: String?
    /// The publication time the source already knows, if any.
    public var publishedAt: Date?
    /// Free-form source metadata carried through to the record.
    public var metadata: [String: String]
    /// What the source knows of a summary it already stores for this item; with it, an item
    /// whose extracted text and prompt are unchanged is skipped before the LLM call.
    public var storedSummary: StoredSummary?

    /// Creates an item; with no `id`, one is derived from the URL.
    public init(
        id: String? = nil,
        url: String,
        title: String? = nil,
        publisher: String? = nil,
        publishedAt: Date? = nil,
        metadata: [String: String] = [:],
        storedSummary: StoredSummary? = nil
    ) {
        self.id = id ?? WorkItem.derivedID(for: url)
        self.url = url
        self.title = title
        self.publisher = publisher
        self.publishedAt = publishedAt
        self.metadata = metadata
        self.storedSummary = storedSummary
    }

    /// A UUID version 5 (RFC 9562, URL namespace) of the normalized URL, lowercase.
    ///
    /// Normalization lowercases the scheme and host and drops a fragment; the path and query
    /// are kept byte for byte, because servers may treat `%2F` and `/` differently.
    public static func derivedID(for url: String) -> String {
        UUIDv5.make(namespace: UUIDv5.urlNamespace, name: normalize(url)).lowercased()
    }

    static func normalize(_ url: String) -> String {
        var text = url.trimmingCharacters(in: .whitespacesAndNewlines)
        if let hash = text.firstIndex(of: "#") {
            text = String(text[..<hash])
        }
        guard let schemeEnd = text.range(of: "://") else { return text }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd].lowercased()
        return scheme + "://" + authority + rest[authorityEnd...]
    }
}

extension WorkItem {
    /// The host of the item's URL, lowercased; used to key per-domain policies.
    ///
    /// A plain scan of the authority rather than a full URL parse: it runs on every call
    /// through a per-domain breaker or bulkhead.
    public var host: String? {
        guard let schemeEnd = url.utf8.firstIndex(of: UInt8(ascii: ":")),
            url.utf8[schemeEnd...].starts(with: "://".utf8)
        else { return nil }
        let authorityStart = url.utf8.index(schemeEnd, offsetBy: 3)
        let rest = url.utf8[authorityStart...]
        let authorityEnd =
            rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            authority = authority[authority.index(after: at)...]
        }
        var hostEnd = authority.endIndex
        if authority.first == UInt8(ascii: "[") {
            // An IPv6 literal: the host runs to the closing bracket.
            if let close = authority.firstIndex(of: UInt8(ascii: "]")) { hostEnd = authority.index(after: close) }
        } else if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            hostEnd = colon
        }
        let host = authority[..<hostEnd]
        guard !host.isEmpty else { return nil }
        return String(decoding: host, as: UTF8.self).lowercased()
    }
}

/// The fingerprint of a summary a source already stores: enough to tell that summarizing the
/// item again would give the same answer.
public struct StoredSummary: Sendable, Hashable, Codable {
    /// SHA-256 of the article text the stored summary was made from (a record's `content_hash`).
    public var contentHash: String
    /// The prompt version it was made with (a record's `prompt_version`).
    public var promptVersion: String

    /// A fingerprint of a stored summary.
    public init(contentHash: String, promptVersion: String) {
        self.contentHash = contentHash
        self.promptVersion = promptVersion
    }
}
