/// The `serve` section of the config: how `summarize serve` answers HTTP requests.
public struct ServeSettings: Sendable, Hashable {
    /// Runs (`POST /v1/runs`) at once; one more is refused with 429.
    public var maxConcurrentRuns = 1
    /// Finished runs kept for `GET /v1/runs`.
    public var historySize = 20
    /// The longest `POST /v1/summarize` may take before it answers 504.
    public var requestTimeout: Duration = .seconds(120)
    /// Request bodies larger than this get 413.
    public var maxBodyBytes = 1_048_576
    /// Endpoints answered without a token when tokens are configured.
    public var openEndpoints: [String] = ["healthz", "readyz", "metrics"]

    /// The defaults.
    public init() {}

    /// The keys of the `serve` section, for validation, `explain` and the docs.
    public static let spec = PluginSpec(
        type: "serve",
        role: .source,
        summary: "How summarize serve answers HTTP requests.",
        keys: configKeys
    )
}

extension ServeSettings: PluginSettings {
    public static let keys: [SettingKey<Self>] = [
        SettingKey(
            "maxConcurrentRuns",
            \.maxConcurrentRuns,
            minimum: 1,
            doc: "Runs started by POST /v1/runs at once; one more answers 429 with Retry-After."
        ),
        SettingKey("historySize", \.historySize, minimum: 1, doc: "Finished runs GET /v1/runs keeps (the oldest are forgotten)."),
        SettingKey(
            "requestTimeoutSeconds",
            \.requestTimeout,
            minimum: 1,
            doc: "The longest POST /v1/summarize may take (fetch, extract, summarize, and the write); then it answers 504."
        ),
        SettingKey("maxBodyBytes", \.maxBodyBytes, minimum: 1, doc: "Request bodies larger than this answer 413."),
        SettingKey(
            "openEndpoints",
            \.openEndpoints,
            doc: "Of healthz, readyz and metrics: those answered without a bearer token when SUMMARIZE_API_TOKENS is set."
        ),
    ]
}
