import SummarizerCore

extension HTTPFetcher {
    /// The `http` fetcher plugin.
    public static let plugin = Plugin(
        type: "http",
        summary: "Fetches pages over HTTP(S) (AsyncHTTPClient): pooled, bounded, charset-aware, SSRF-guarded, blocked-page aware.",
        keys: PluginOptions.configKeys,
        .fetcher { config, environment in
            let options = try config.decode(PluginOptions.self)
            let fetcher = HTTPFetcher(configuration: options.configuration, policy: AddressPolicy(allowed: options.allowedAddresses))
            environment.services.add(fetcher)
            return fetcher
        }
    )

    /// What the plugin's config sets: the fetcher's configuration and the address policy's exceptions.
    struct PluginOptions: PluginSettings {
        var configuration = Configuration()
        var allowedAddresses: [CIDR] = []

        static let keys: [SettingKey<Self>] = [
            SettingKey("timeoutSeconds", \.configuration.timeout, minimum: 0.001, doc: "The whole fetch, redirects and body included."),
            SettingKey("connectTimeoutSeconds", \.configuration.connectTimeout, minimum: 0.001, doc: "Establishing a connection."),
            SettingKey("readTimeoutSeconds", \.configuration.readTimeout, minimum: 0.001, doc: "The longest silence while reading."),
            SettingKey("idleTimeoutSeconds", \.configuration.idleTimeout, minimum: 0.001, doc: "How long a pooled connection may idle."),
            SettingKey(
                "maxConnections",
                \.configuration.maxConnections,
                minimum: 1,
                environment: ["CONNECTION_POOL_SIZE"],
                doc: "Requests in flight across all hosts."
            ),
            SettingKey(
                "maxConnectionsPerHost",
                \.configuration.maxConnectionsPerHost,
                minimum: 1,
                environment: ["CONNECTION_POOL_MAX"],
                doc: "Connections the client's pool keeps per host."
            ),
            SettingKey("maxConcurrentPerHost", \.configuration.maxConcurrentPerHost, minimum: 1, doc: "Politeness: requests in flight per host."),
            SettingKey(
                "maxRedirects",
                \.configuration.maxRedirects,
                minimum: 0,
                doc: "Redirects followed; each hop is checked by the address policy."
            ),
            SettingKey(
                "maxBodyBytes",
                \.configuration.maxBodyBytes,
                minimum: 1,
                doc: "Larger bodies are aborted while streaming and fail with invalidContent; never truncated."
            ),
            SettingKey(
                "maxDecompressionRatio",
                \.configuration.maxDecompressionRatio,
                minimum: 1,
                doc: "A gzip/deflate body may expand at most this many times (decompression-bomb guard)."
            ),
            SettingKey("userAgent", \.configuration.userAgent, doc: "The User-Agent header."),
            SettingKey(
                "browserHeadersFallback",
                \.configuration.browserHeadersFallback,
                doc: "After a 401/403 or a blocked page, try once more with browser-like headers (fetch_method browserHeaders)."
            ),
            SettingKey(
                "respectRobotsTxt",
                \.configuration.respectRobotsTxt,
                doc:
                    "Honour robots.txt; a disallowed URL fails as blocked (robots). One that cannot be fetched (network, timeout, 5xx) fails the item as transient (robots-unreachable), retried like any fetch."
            ),
            SettingKey(
                "robotsCacheSeconds",
                \.configuration.robotsCacheDuration,
                minimum: 0,
                doc: "How long a host's robots.txt rules (or a 4xx, meaning none) are kept."
            ),
            SettingKey(
                "robotsErrorCacheSeconds",
                \.configuration.robotsErrorCacheDuration,
                minimum: 0,
                doc:
                    "How long an unreachable robots.txt fails the host's other items without asking again (at most 60); the failing item's own retry asks again."
            ),
            SettingKey(
                "detectBlockedPages",
                \.configuration.detectBlockedPages,
                doc: "Report bot challenges, consent, login and paywalls as blocked instead of summarizing them."
            ),
            SettingKey(
                ConfigKey(
                    "allowAddresses",
                    .stringArray,
                    default: .array([]),
                    doc: "CIDR ranges the address policy lets through (e.g. 127.0.0.1/32 for local tests or 10.0.0.0/8 for an intranet)."
                ),
                apply: { settings, value, config throws(ConfigError) in
                    settings.allowedAddresses = []
                    for (index, element) in (value.arrayValue ?? []).enumerated() {
                        let text = element.stringValue ?? ""
                        guard let range = CIDR(text) else {
                            throw ConfigError(
                                config.pointer.appending("allowAddresses").appending(index),
                                "\"\(text)\" is not an address or CIDR range (e.g. 127.0.0.1/32, 10.0.0.0/8, fd00::/8)"
                            )
                        }
                        settings.allowedAddresses.append(range)
                    }
                }
            ),
        ]
    }
}
