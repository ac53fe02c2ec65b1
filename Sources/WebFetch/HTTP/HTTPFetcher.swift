import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import Resilience
import SummarizerCore
import Synchronization

/// Fetches pages over HTTP(S) with AsyncHTTPClient (`http`): pooled, bounded, charset-correct,
/// aware of blocked pages, and guarded by an ``AddressPolicy``.
///
/// One client serves the whole run; it is made on first use and shut down when the run ends
/// (the fetcher is a ``PipelineService``). Redirects are followed here rather than by the
/// client, so the address policy checks every hop before it is requested.
public final class HTTPFetcher: Fetcher, PipelineService {
    /// The fetcher's settings; the config keys of the `http` plugin.
    public struct Configuration: Sendable {
        /// The whole fetch, redirects and body included.
        public var timeout: Duration = .seconds(10)
        /// Establishing a connection.
        public var connectTimeout: Duration = .seconds(5)
        /// The longest silence while waiting for bytes.
        public var readTimeout: Duration = .seconds(10)
        /// How long a pooled connection may stay idle.
        public var idleTimeout: Duration = .seconds(60)
        /// Requests in flight across all hosts.
        public var maxConnections = 100
        /// The client's pool: connections kept per host.
        public var maxConnectionsPerHost = 20
        /// Politeness: requests in flight per host.
        public var maxConcurrentPerHost = 4
        /// Redirects followed; each hop is checked by the address policy.
        public var maxRedirects = 5
        /// Bodies larger than this fail the item; they are never truncated silently.
        public var maxBodyBytes = 5_000_000
        /// A compressed body may expand at most this many times.
        public var maxDecompressionRatio = 100
        /// The User-Agent header.
        public var userAgent = HTTPFetcher.defaultUserAgent
        /// After a 401/403 or a blocked page, try once more with browser-like headers.
        public var browserHeadersFallback = false
        /// Honour robots.txt.
        public var respectRobotsTxt = false
        /// How long robots.txt rules (or a 4xx meaning none) are kept per host.
        public var robotsCacheDuration: Duration = .seconds(86_400)
        /// How long a robots.txt that could not be fetched makes the host's other items fail
        /// without asking again (at most 60 seconds); the failing item's own retry asks again.
        public var robotsErrorCacheDuration: Duration = .seconds(30)
        /// Report bot challenges and walls as `blocked` rather than as pages to summarize.
        public var detectBlockedPages = true

        /// The defaults.
        public init() {}
    }

    /// The honest default user agent: it names the product.
    public static let defaultUserAgent = "summarize/0.1 (news summarization pipeline; +robots.txt aware)"

    static let browserUserAgent =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"

    /// The fetcher's settings.
    public let configuration: Configuration
    /// Which addresses may be fetched.
    public let policy: AddressPolicy
    private let clientState = Mutex<HTTPClient?>(nil)
    private let hostLimits = SemaphoreTable()
    private let totalLimit: AsyncSemaphore
    /// What robots.txt said, per origin, and until when it is kept.
    struct RobotsEntry {
        var answer: Result<RobotsRules, PipelineError>
        var expires: ContinuousClock.Instant
        /// The item whose fetch met the error: its retry asks again.
        var item: String?
    }

    let robots = Mutex<[String: RobotsEntry]>([:])

    /// A fetcher; its client is made on first use.
    public init(configuration: Configuration = Configuration(), policy: AddressPolicy = AddressPolicy()) {
        self.configuration = configuration
        self.policy = policy
        self.totalLimit = AsyncSemaphore(permits: configuration.maxConnections)
    }

    // MARK: - Lifecycle

    /// The run's client, made on first use.
    var client: HTTPClient {
        clientState.withLock { state in
            if let client = state { return client }
            var settings = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .init(configuration.connectTimeout), read: .init(configuration.readTimeout)),
                connectionPool: .init(
                    idleTimeout: .init(configuration.idleTimeout),
                    concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnectionsPerHost
                ),
                decompression: .enabled(limit: .ratio(configuration.maxDecompressionRatio))
            )
            settings.httpVersion = .automatic
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
            state = client
            return client
        }
    }

    /// Waits for the end of the run, then shuts the client down.
    public func run() async {
        await waitUntilCancelled()
        await shutdown()
    }

    /// Shuts the client down, if one was made; a later fetch would make a new one.
    public func shutdown() async {
        let client = clientState.withLock { state -> HTTPClient? in
            defer { state = nil }
            return state
        }
        try? await client?.shutdown()
    }

    // MARK: - Fetching

    public func fetch(_ item: WorkItem, context: StageContext) async throws -> FetchedPage {
        guard let url = URL(string: item.url) else {
            throw PipelineError(.invalidContent, "not a valid URL: \(item.url)", reason: "bad-url")
        }
        let deadline = NIODeadline.now() + .init(configuration.timeout)
        do {
            return try await fetch(url, item: item.id, browserHeaders: false, deadline: deadline, context: context)
        } catch let error as PipelineError
            where configuration.browserHeadersFallback && error.kind == .blocked && error.reason != "address-policy"
            && error.reason != "robots"
        {
            context.logger.info(
                "blocked; trying once more with browser-like headers",
                metadata: ["reason": "\(error.reason ?? "")"]
            )
            return try await fetch(url, item: item.id, browserHeaders: true, deadline: deadline, context: context)
        }
    }

    private func fetch(_ start: URL, item: String, browserHeaders: Bool, deadline: NIODeadline, context: StageContext) async throws -> FetchedPage {
        let stopwatch = Stopwatch(context.clock)
        var url = start
        var visited: Set<String> = []
        for _ in 0...configuration.maxRedirects {
            guard visited.insert(url.absoluteString).inserted else {
                throw PipelineError(.invalidContent, "redirect loop at \(url.absoluteString)", reason: "redirect-loop")
            }
            if configuration.respectRobotsTxt {
                try await checkRobots(url, item: item, deadline: deadline, context: context)
            }
            let addresses = try await policy.check(url)
            switch try await request(url, addresses: addresses, browserHeaders: browserHeaders, deadline: deadline, context: context) {
            case .redirect(let location):
                context.logger.debug("following a redirect", metadata: ["from": "\(url)", "to": "\(location)"])
                url = location
            case .page(var page):
                page.fetchSeconds = stopwatch.elapsedSeconds
                page.method = browserHeaders ? .browserHeaders : .direct
                return page
            }
        }
        throw PipelineError(
            .invalidContent,
            "more than \(configuration.maxRedirects) redirects from \(start.absoluteString)",
            reason: "too-many-redirects"
        )
    }

    enum Answer {
        case redirect(URL)
        case page(FetchedPage)
    }

    /// One hop: the request, the status mapping, and the body for a 2xx answer.
    private func request(
        _ url: URL,
        addresses: [IPAddress],
        browserHeaders: Bool,
        deadline: NIODeadline,
        context: StageContext
    ) async throws -> Answer {
        let host = url.host?.lowercased() ?? ""
        let hostLimit = hostLimits.semaphore(for: host, permits: configuration.maxConcurrentPerHost)
        try await hostLimit.acquire()
        defer { hostLimit.release() }
        try await totalLimit.acquire()
        defer { totalLimit.release() }

        var request = Self.request(url, checkedAddresses: addresses)
        request.headers.add(name: "Accept-Encoding", value: "gzip, deflate")
        if browserHeaders {
            request.headers.add(name: "User-Agent", value: Self.browserUserAgent)
            request.headers.add(name: "Accept", value: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
            request.headers.add(name: "Accept-Language", value: "en-US,en;q=0.9")
        } else {
            request.headers.add(name: "User-Agent", value: configuration.userAgent)
            request.headers.add(name: "Accept", value: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
        }

        let client = client
        let logger = context.logger
        let prepared = request
        do {
            // The client's deadline covers the response head only; the body is read under the
            // same deadline here, so a server that stalls mid-body cannot hold an item forever.
            return try await Self.withDeadline(deadline, url: url, timeout: configuration.timeout) {
                let response = try await client.execute(prepared, deadline: deadline, logger: logger)
                return try await self.answer(response, url: url, deadline: deadline)
            }
        } catch let error as PipelineError {
            throw error
        } catch {
            throw Self.map(error, url: url, timeout: configuration.timeout)
        }
    }

    private func answer(_ response: HTTPClientResponse, url: URL, deadline: NIODeadline) async throws -> Answer {
        let status = Int(response.status.code)
        switch status {
        case 300...399 where response.headers.first(name: "location") != nil:
            let location = response.headers.first(name: "location")!
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard let next = URL(string: location, relativeTo: url)?.absoluteURL else {
                throw PipelineError(.invalidContent, "a redirect to an unusable location: \(location)", reason: "bad-redirect")
            }
            return .redirect(next)
        case 200...299:
            break
        default:
            throw Self.error(forStatus: status, headers: response.headers, url: url)
        }

        let contentTypeHeader = response.headers.first(name: "content-type") ?? ""
        let mediaType = contentTypeHeader.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if !mediaType.isEmpty, !Self.htmlTypes.contains(mediaType) {
            throw PipelineError(
                .invalidContent,
                "\(url.absoluteString) is \(mediaType), not HTML",
                reason: "not-html",
                code: mediaType
            )
        }
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > configuration.maxBodyBytes {
            throw PipelineError(
                .invalidContent,
                "the body is \(length) bytes, over maxBodyBytes \(configuration.maxBodyBytes)",
                reason: "too-large"
            )
        }

        var body: [UInt8] = []
        for try await chunk in response.body {
            guard body.count + chunk.readableBytes <= configuration.maxBodyBytes else {
                throw PipelineError(
                    .invalidContent,
                    "the body is larger than maxBodyBytes \(configuration.maxBodyBytes); not read further",
                    reason: "too-large"
                )
            }
            body += chunk.readableBytesView
        }
        if mediaType.isEmpty, !FileFetcher.looksLikeHTML(body) {
            throw PipelineError(.invalidContent, "\(url.absoluteString) has no content type and does not look like HTML", reason: "not-html")
        }

        let decoded = CharsetDecoder.decode(body, headerCharset: CharsetDecoder.charset(fromContentType: contentTypeHeader))
        if configuration.detectBlockedPages, let reason = BlockedPageDetector.detect(decoded.text) {
            throw PipelineError(.blocked, "\(url.absoluteString) answered with a \(reason) page instead of the article", reason: reason)
        }
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return .page(
            FetchedPage(
                finalURL: url.absoluteString,
                status: status,
                headers: headers,
                body: body,
                text: decoded.text,
                contentType: mediaType.isEmpty ? "text/html" : mediaType,
                charset: decoded.charset,
                method: .direct
            )
        )
    }

    static let htmlTypes: Set<String> = ["text/html", "application/xhtml+xml"]
}
