import JSONHTTP
import SummarizerCore

/// Which Supabase project to talk to: the keys the source and the sink share.
struct SupabaseProject: PluginSettings {
    var url = ""
    var apiKey = ""

    static let keys: [SettingKey<Self>] = [
        SettingKey(
            "url",
            \.url,
            required: true,
            environment: ["SUPABASE_URL"],
            doc: "The project URL, e.g. https://abcd.supabase.co (the REST API is under /rest/v1); SUPABASE_URL when not given."
        ),
        SettingKey(
            "apiKey",
            \.apiKey,
            required: true,
            secret: true,
            environment: ["SUPABASE_SERVICE_KEY", "SUPABASE_KEY"],
            doc: "The service-role key, sent only in the apikey and Authorization headers; SUPABASE_SERVICE_KEY or SUPABASE_KEY when not given."
        ),
    ]

    /// The project in `config`, its URL checked and trimmed.
    init(config: PluginConfig) throws(ConfigError) {
        self = try config.decode(Self.self)
        url = try checkedBaseURL(url, config: config, key: "url")
        guard !apiKey.isEmpty else { throw config.problem("apiKey", "is empty") }
    }

    init() {}
}

/// What the `supabase` sink's config sets besides the project and the columns.
struct SupabaseSinkSettings: PluginSettings {
    var table = "context_summaries"
    var timeout: Duration = .seconds(30)

    static let keys: [SettingKey<Self>] = [
        SettingKey("table", \.table, doc: "The table to upsert into."),
        SettingKey("timeoutSeconds", \.timeout, minimum: 1, doc: "The longest one request (or the start-up check) may take."),
    ]
}
