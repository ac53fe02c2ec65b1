import Foundation

/// A page as a fetcher retrieved it: bytes, the decoded text and how it was obtained.
public struct FetchedPage: Sendable {
    /// How a page was obtained; recorded as `fetch_method`.
    public struct Method: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case direct, browserHeaders, file, urlContext, provided
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A plain request with the product's own user agent.
        public static let direct = Method(.direct)
        /// The opt-in second attempt with browser-like headers.
        public static let browserHeaders = Method(.browserHeaders)
        /// Read from the local file system.
        public static let file = Method(.file)
        /// Not fetched by us: the LLM backend read the page itself.
        public static let urlContext = Method(.urlContext)
        /// Not fetched: the caller sent the page with its request (`summarize serve`).
        public static let provided = Method(.provided)

        public var description: String { base.rawValue }
    }

    /// The URL the content finally came from, after redirects.
    public var finalURL: String
    /// The HTTP status, or 200 for local files.
    public var status: Int
    /// Response headers, names lowercased.
    public var headers: [String: String]
    /// The raw body.
    public var body: [UInt8]
    /// The body decoded to text with the detected charset.
    public var text: String
    /// The media type without parameters, e.g. `text/html`.
    public var contentType: String
    /// The charset the text was decoded from, e.g. `utf-8`, `windows-1252`.
    public var charset: String
    /// How the page was obtained.
    public var method: Method
    /// Seconds spent fetching.
    public var fetchSeconds: Double

    /// A fetched page; `text` is the body decoded with `charset`.
    public init(
        finalURL: String,
        status: Int = 200,
        headers: [String: String] = [:],
        body: [UInt8],
        text: String,
        contentType: String = "text/html",
        charset: String = "utf-8",
        method: Method,
        fetchSeconds: Double = 0
    ) {
        self.finalURL = finalURL
        self.status = status
        self.headers = headers
        self.body = body
        self.text = text
        self.contentType = contentType
        self.charset = charset
        self.method = method
        self.fetchSeconds = fetchSeconds
    }
}
