import Foundation
import SummarizerCore

/// Which `news_urls` rows a table source reads.
public enum NewsURLsMode: String, Sendable, CaseIterable, ConfigValueConvertible {
    /// Rows without a summary (an anti-join), leaving out rows given up on or not due yet.
    case unsummarized
    /// Leased batches from `claim_news_urls`, so many workers can share the table.
    case claim
    /// Every row, for summarizing again.
    case all
}

/// The settings of a `news_urls` source: the `postgres` and `supabase` sources read the same
/// rows the same way, one over SQL, one over PostgREST.
public struct NewsURLsSettings: PluginSettings {
    /// Which rows are read.
    public var mode = NewsURLsMode.unsummarized
    /// The name recorded on claims; host and process id by default.
    public var worker = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    /// How long a claim is held before another worker may take the row; a claiming source renews
    /// the leases of the rows it still works on every third of it, so it can be short.
    public var leaseSeconds = 120
    /// Rows per claim.
    public var claimBatchSize = 25
    /// In claim mode: wait this long after an empty claim and claim again; `nil` ends the source.
    public var pollSeconds: Double?
    /// Only rows of this publisher.
    public var publisher: String?
    /// Only rows published at or after this time.
    public var since: Date?
    /// Rows that failed this often are not read again.
    public var maxItemAttempts = 5
    /// In `all` mode: pass the stored summary's content hash and prompt version along, so an
    /// item whose text and prompt are unchanged is skipped before the LLM call.
    public var skipUnchanged = true
    /// Rows per page.
    public var pageSize = 1000
    /// The longest one statement may take, connecting included.
    public var timeout: Duration = .seconds(30)

    /// The defaults.
    public init() {}
}

extension NewsURLsSettings {
    /// The keys of a news_urls source, shared by the `postgres` and `supabase` sources.
    public static let keys: [SettingKey<Self>] = [
        SettingKey(
            "mode",
            \.mode,
            doc: "unsummarized: rows without a summary; claim: leased batches from claim_news_urls (many workers); all: every row."
        ),
        SettingKey("publisher", \.publisher, doc: "Only rows of this publisher (--publisher overrides)."),
        SettingKey(
            ConfigKey("since", .string, doc: "Only rows published at or after this ISO 8601 time."),
            apply: { settings, value, config throws(ConfigError) in
                let text = value.stringValue ?? ""
                guard let date = ISO8601.date(from: text) else {
                    throw config.problem("since", "\"\(text)\" is not an ISO 8601 time such as 2025-09-01T00:00:00Z")
                }
                settings.since = date
            }
        ),
        // No default listed: the default names this host and process, worked out at run time.
        SettingKey(
            ConfigKey("worker", .string, doc: "The worker name recorded on claims; default host-pid."),
            apply: { settings, value, _ throws(ConfigError) in
                if let name = value.stringValue { settings.worker = name }
            }
        ),
        SettingKey(
            "leaseSeconds",
            \.leaseSeconds,
            minimum: 1,
            doc:
                "How long a claim is held before another worker may take the row; renewed every third of it while the worker lives, so a dead worker's rows come back this soon."
        ),
        SettingKey("claimBatchSize", \.claimBatchSize, minimum: 1, doc: "Rows per claim."),
        SettingKey(
            "pollSeconds",
            \.pollSeconds,
            minimum: 0,
            doc:
                "In claim mode: when a claim comes back empty, wait this long and claim again instead of ending (a postgres worker is woken sooner by NOTIFY on new rows)."
        ),
        SettingKey("maxItemAttempts", \.maxItemAttempts, minimum: 1, doc: "Rows that failed this often are not read again."),
        SettingKey(
            "timeoutSeconds",
            \.timeout,
            minimum: 1,
            doc: "The longest one page or claim may take, connecting included; then the source fails (exit 2)."
        ),
        SettingKey(
            "skipUnchanged",
            \.skipUnchanged,
            doc: "In all mode: skip, before the LLM call, items whose extracted text and prompt version equal the stored summary's."
        ),
    ]
}

extension NewsURLsSettings {
    /// The settings of a validated source config, refusing filters claim mode cannot apply:
    /// `claim_news_urls` hands every worker the next rows in claim order, so a publisher or
    /// date filter would be silently ignored.
    public static func decode(_ config: PluginConfig) throws(ConfigError) -> NewsURLsSettings {
        let settings = try config.decode(Self.self)
        guard settings.mode == .claim else { return settings }
        let filters: [(key: String, set: Bool)] = [("publisher", settings.publisher != nil), ("since", settings.since != nil)]
        for (key, set) in filters where set {
            throw config.problem(
                key,
                "mode claim hands out rows in claim order to every worker alike and cannot filter by \(key); drop \(key), or use mode unsummarized"
            )
        }
        return settings
    }

    /// The `--url-ids` that are news_urls ids (UUIDs); the rest as rejections for the dead-letter sink.
    public static func parseIDs(_ wanted: [String]) -> (ids: [UUID], rejections: [SourceElement]) {
        var ids: [UUID] = []
        var rejections: [SourceElement] = []
        for text in wanted {
            if let id = UUID(uuidString: text) {
                ids.append(id)
            } else {
                rejections.append(
                    .rejected(
                        SourceRejection(
                            location: "--url-ids",
                            entry: text,
                            error: PipelineError(.invalidContent, "\"\(text)\" is not a news_urls id (a UUID)", reason: "bad-id")
                        )
                    )
                )
            }
        }
        return (ids, rejections)
    }
}
