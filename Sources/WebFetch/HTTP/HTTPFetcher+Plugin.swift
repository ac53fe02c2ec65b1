import SummarizerCore

extension HTTPFetcher {
    /// The `http` fetcher plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "http", role: .fetcher,
            summary: "Fetches pages over HTTP(S) (AsyncHTTPClient): pooled, bounded, charset-aware, SSRF-guarded, blocked-page aware.",
            keys: [
                ConfigKey("timeoutSeconds", .number, default: .number(10), minimum: 0.001, doc: "The whole fetch, redirects and body included."),
                ConfigKey("connectTimeoutSeconds", .number, default: .number(5), minimum: 0.001, doc: "Establishing a connection."),
                ConfigKey("readTimeoutSeconds", .number, default: .number(10), minimum: 0.001, doc: "The longest silence while reading."),
                ConfigKey("idleTimeoutSeconds", .number, default: .number(60), minimum: 0.001, doc: "How long a pooled connection may idle."),
                ConfigKey(
                    "maxConnections", .integer, default: .number(100), minimum: 1, environment: ["CONNECTION_POOL_SIZE"],
                    doc: "Requests in flight across all hosts."),
                ConfigKey(
                    "maxConnectionsPerHost", .integer, default: .number(20), minimum: 1, environment: ["CONNECTION_POOL_MAX"],
                    doc: "Connections the client's pool keeps per host."),
                ConfigKey("maxConcurrentPerHost", .integer, default: .number(4), minimum: 1, doc: "Politeness: requests in flight per host."),
                ConfigKey("maxRedirects", .integer, default: .number(5), minimum: 0, doc: "Redirects followed; each hop is checked by the address policy."),
                ConfigKey(
                    "maxBodyBytes", .integer, default: .number(5_000_000), minimum: 1,
                    doc: "Larger bodies are aborted while streaming and fail with invalidContent; never truncated."),
                ConfigKey(
                    "maxDecompressionRatio", .integer, default: .number(100), minimum: 1,
                    doc: "A gzip/deflate body may expand at most this many times (decompression-bomb guard)."),
                ConfigKey("userAgent", .string, default: .string(HTTPFetcher.defaultUserAgent), doc: "The User-Agent header."),
                ConfigKey(
                    "browserHeadersFallback", .boolean, default: .bool(false),
                    doc: "After a 401/403 or a blocked page, try once more with browser-like headers (fetch_method browserHeaders)."),
                ConfigKey(
                    "respectRobotsTxt", .boolean, default: .bool(false),
                    doc: "Honour robots.txt; a disallowed URL fails as blocked (robots). One that cannot be fetched (network, timeout, 5xx) fails the item as transient (robots-unreachable), retried like any fetch."),
                ConfigKey(
                    "robotsCacheSeconds", .number, default: .number(86_400), minimum: 0,
                    doc: "How long a host's robots.txt rules (or a 4xx, meaning none) are kept."),
                ConfigKey(
                    "robotsErrorCacheSeconds", .number, default: .number(30), minimum: 0,
                    doc: "How long an unreachable robots.txt fails the host's other items without asking again (at most 60); the failing item's own retry asks again."),
                ConfigKey(
                    "detectBlockedPages", .boolean, default: .bool(true),
                    doc: "Report bot challenges, consent, login and paywalls as blocked instead of summarizing them."),
                ConfigKey(
                    "allowAddresses", .stringArray, default: .array([]),
                    doc: "CIDR ranges the address policy lets through (e.g. 127.0.0.1/32 for local tests or 10.0.0.0/8 for an intranet)."),
            ]),
        .fetcher { config, environment in
            var settings = Configuration()
            settings.timeout = .milliseconds(Int64(config.double("timeoutSeconds")! * 1000))
            settings.connectTimeout = .milliseconds(Int64(config.double("connectTimeoutSeconds")! * 1000))
            settings.readTimeout = .milliseconds(Int64(config.double("readTimeoutSeconds")! * 1000))
            settings.idleTimeout = .milliseconds(Int64(config.double("idleTimeoutSeconds")! * 1000))
            settings.maxConnections = config.int("maxConnections")!
            settings.maxConnectionsPerHost = config.int("maxConnectionsPerHost")!
            settings.maxConcurrentPerHost = config.int("maxConcurrentPerHost")!
            settings.maxRedirects = config.int("maxRedirects")!
            settings.maxBodyBytes = config.int("maxBodyBytes")!
            settings.maxDecompressionRatio = config.int("maxDecompressionRatio")!
            settings.userAgent = config.string("userAgent")!
            settings.browserHeadersFallback = config.bool("browserHeadersFallback")!
            settings.respectRobotsTxt = config.bool("respectRobotsTxt")!
            settings.robotsCacheDuration = .milliseconds(Int64(config.double("robotsCacheSeconds")! * 1000))
            settings.robotsErrorCacheDuration = .milliseconds(Int64(config.double("robotsErrorCacheSeconds")! * 1000))
            settings.detectBlockedPages = config.bool("detectBlockedPages")!
            var allowed: [CIDR] = []
            for (index, text) in (config.strings("allowAddresses") ?? []).enumerated() {
                guard let range = CIDR(text) else {
                    throw ConfigError(
                        config.pointer.appending("allowAddresses").appending(index),
                        "\"\(text)\" is not an address or CIDR range (e.g. 127.0.0.1/32, 10.0.0.0/8, fd00::/8)")
                }
                allowed.append(range)
            }
            let fetcher = HTTPFetcher(configuration: settings, policy: AddressPolicy(allowed: allowed))
            environment.services.add(fetcher)
            return fetcher
        }
    )
}
