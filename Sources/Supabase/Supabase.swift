import JSONHTTP
import Postgres
import SummarizerCore

/// The keys that say which Supabase project to talk to, shared by the source and the sink.
enum SupabaseKeys {
    static let all: [ConfigKey] = [
        ConfigKey(
            "url", .string, required: true, environment: ["SUPABASE_URL"],
            doc: "The project URL, e.g. https://abcd.supabase.co (the REST API is under /rest/v1); SUPABASE_URL when not given."),
        ConfigKey(
            "apiKey", .string, required: true, secret: true, environment: ["SUPABASE_SERVICE_KEY", "SUPABASE_KEY"],
            doc: "The service-role key, sent only in the apikey and Authorization headers; SUPABASE_SERVICE_KEY or SUPABASE_KEY when not given."),
    ]

    /// The project URL and key in `config`.
    static func project(_ config: PluginConfig) throws(ConfigError) -> (url: String, apiKey: String) {
        let url = try checkedBaseURL(config.string("url")!, config: config, key: "url")
        let apiKey = config.string("apiKey")!
        guard !apiKey.isEmpty else { throw config.problem("apiKey", "is empty") }
        return (url, apiKey)
    }
}

extension SupabaseSource {
    /// The `supabase` source plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "supabase", role: .source,
            summary: "news_urls from Supabase over PostgREST: unsummarized rows (embedded anti-join), leased claims via /rpc/, or all rows; keyset paging.",
            keys: SupabaseKeys.all + Settings.configKeys,
            runOptions: [.publisher, .urlIDs, .resummarize]),
        .source { config, environment in
            let project = try SupabaseKeys.project(config)
            let source = SupabaseSource(projectURL: project.url, apiKey: project.apiKey, settings: try Settings(config: config))
            environment.services.add(source)
            return source
        }
    )
}

extension SupabaseSink {
    /// The `supabase` sink plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "supabase", role: .sink,
            summary: "Upserts records into Supabase over PostgREST on news_url_id, one request per batch; bad rows are isolated and dead-lettered.",
            keys: SupabaseKeys.all + [
                ConfigKey("table", .string, default: .string("context_summaries"), doc: "The table to upsert into."),
                ConfigKey("timeoutSeconds", .number, default: .number(30), minimum: 1, doc: "The longest one request (or the start-up check) may take."),
                SummaryColumns.configKey,
            ]),
        .sink { config, environment in
            let project = try SupabaseKeys.project(config)
            let sink = SupabaseSink(
                projectURL: project.url, apiKey: project.apiKey, table: config.string("table")!, columns: try SummaryColumns(config: config),
                timeout: .milliseconds(Int64(config.double("timeoutSeconds")! * 1000)))
            environment.services.add(sink)
            return sink
        }
    )
}

/// Registers the Supabase plugins.
public func register(in registry: inout PluginRegistry) {
    registry.register(SupabaseSource.plugin)
    registry.register(SupabaseSink.plugin)
}
