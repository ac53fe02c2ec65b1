/// The metrics a run exports, one documented set: names in Prometheus style with the
/// `summarize_` prefix, and label sets bounded by the config (never a URL, an id or a domain).
///
/// The core reports through swift-metrics; an exporter adds each metric's ``help`` as the
/// `# HELP` line, and `docs/watching.md` lists them from here.
public enum MetricCatalogue {
    /// What kind of series a metric is.
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// One metric: its name, kind, labels and meaning.
    public struct Entry: Sendable, Hashable {
        /// The metric name.
        public var name: String
        /// Its kind.
        public var kind: Kind
        /// Its label names; their values are bounded.
        public var labels: [String]
        /// What it measures.
        public var help: String
    }

    static func entry(_ name: String, _ kind: Kind, _ labels: [String], _ help: String) -> Entry {
        Entry(name: name, kind: kind, labels: labels, help: help)
    }

    static func entry(_ name: String, _ kind: Kind, _ help: String) -> Entry {
        Entry(name: name, kind: kind, labels: [], help: help)
    }

    // Names, kept together so the code and the docs cannot drift.
    static let items = "summarize_items_total"
    static let itemsStarted = "summarize_items_started_total"
    static let failures = "summarize_item_failures_total"
    static let inFlight = "summarize_items_in_flight"
    static let stageDuration = "summarize_stage_duration_seconds"
    static let stageInFlight = "summarize_stage_calls_in_flight"
    static let llmCalls = "summarize_llm_calls_total"
    static let llmTokens = "summarize_llm_tokens_total"
    static let llmCost = "summarize_llm_cost_usd_total"
    static let llmRepairs = "summarize_llm_repairs_total"
    static let retries = "summarize_retries_total"
    static let rateLimitWaits = "summarize_rate_limit_waits_total"
    static let rateLimitWaitSeconds = "summarize_rate_limit_wait_seconds_total"
    static let rateLimitWaiting = "summarize_rate_limit_waiting"
    static let breakerTransitions = "summarize_breaker_transitions_total"
    static let breakerOpenKeys = "summarize_breaker_open_keys"
    static let sinkBatches = "summarize_sink_batches_total"
    static let sinkRows = "summarize_sink_rows_total"
    static let runStart = "summarize_run_start_time_seconds"
    static let lastProgress = "summarize_last_progress_time_seconds"
    static let runInfo = "summarize_run_info"
    static let stalled = "summarize_stalled"

    /// The original module's nine metric keys, as gauges under the same meaning.
    static let originalGauges: [(key: String, name: String, help: String)] = [
        ("total_requests", "summarize_total_requests", "Items finished, written or failed (the original's total_requests)."),
        ("successful_requests", "summarize_successful_requests", "Items written (the original's successful_requests)."),
        ("failed_requests", "summarize_failed_requests", "Items failed (the original's failed_requests)."),
        ("fallback_requests", "summarize_fallback_requests", "Items summarized after the URL-context fallback (fallback_requests)."),
        ("total_tokens", "summarize_total_tokens", "Tokens of successful items (the original's total_tokens)."),
        (
            "total_processing_time", "summarize_total_processing_time_seconds",
            "Seconds spent on successful items (the original's total_processing_time)."
        ),
        ("success_rate_percent", "summarize_success_rate_percent", "Written items as a percentage of finished ones (success_rate_percent)."),
        ("average_tokens", "summarize_average_tokens", "Tokens per successful item (the original's average_tokens)."),
        ("average_time_seconds", "summarize_average_time_seconds", "Seconds per successful item (the original's average_time_seconds)."),
    ]

    /// Every metric a run may export.
    public static let all: [Entry] =
        [
            entry(
                items,
                .counter,
                ["outcome"],
                "Items by outcome: written (summarized in a dry run), failed, held, exhausted, duplicate, unchanged, unfinished."
            ),
            entry(itemsStarted, .counter, "Items taken from the source and started."),
            entry(failures, .counter, ["stage", "kind"], "Failed items by the stage that failed and the error kind."),
            entry(inFlight, .gauge, "Items started whose stages (fetch, extract, summarize) are not done yet."),
            entry(
                stageDuration,
                .histogram,
                ["stage", "result"],
                "Seconds of each stage call (fetch, extract, summarize, sink write), retries included; result is ok or failed."
            ),
            entry(stageInFlight, .gauge, ["stage"], "Stage calls in progress, by stage."),
            entry(llmCalls, .counter, ["model"], "LLM calls that reported usage, repair attempts and failed calls included."),
            entry(llmTokens, .counter, ["model", "kind"], "LLM tokens by kind: prompt (cached included), cached, output, thoughts, tool_use."),
            entry(llmCost, .counter, ["model"], "Estimated cost of the LLM calls in USD (models without a price add nothing)."),
            entry(llmRepairs, .counter, ["result"], "Replies that did not match the schema and were asked again: attempted, succeeded."),
            entry(retries, .counter, ["stage"], "Attempts retried after a retryable failure."),
            entry(rateLimitWaits, .counter, ["limiter"], "Calls that waited for a rate limiter's token."),
            entry(rateLimitWaitSeconds, .counter, ["limiter"], "Seconds calls waited for a rate limiter."),
            entry(rateLimitWaiting, .gauge, ["limiter"], "Calls waiting for a rate limiter's token now."),
            entry(breakerTransitions, .counter, ["breaker", "state"], "Circuit breaker transitions by the state entered: open, half_open, closed."),
            entry(breakerOpenKeys, .gauge, ["breaker"], "Keys (domains, backends) whose breaker is open or half-open."),
            entry(sinkBatches, .counter, ["sink", "result"], "Batches written to each sink: ok, partial (some rows rejected), failed."),
            entry(sinkRows, .counter, ["sink", "result"], "Rows offered to each sink: stored or rejected."),
            entry(runStart, .gauge, "Unix time the run started."),
            entry(lastProgress, .gauge, "Unix time an item last finished (any outcome)."),
            entry(runInfo, .gauge, ["version", "config_hash", "prompt_version"], "Always 1; its labels say what runs."),
            entry(stalled, .gauge, "1 while no item finished for run.stallSeconds with items in flight or waiting; 0 otherwise."),
        ] + originalGauges.map { entry($0.name, .gauge, $0.help) }

    /// The entry named `name`, if it is one of ours.
    public static func entry(named name: String) -> Entry? {
        byName[name]
    }

    private static let byName = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
}
