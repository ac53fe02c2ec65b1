import Logging

/// The `run` section of the config: how the orchestrator runs the pipeline.
public struct RunSettings: Sendable, Hashable {
    /// Items processed at once.
    public var concurrency: Int = 8
    /// Records per sink write.
    public var batchSize: Int = 100
    /// Keep going when an item fails (the default); `false` stops at the first failure.
    public var continueOnError: Bool = true
    /// The log level; `--verbose` means `debug`.
    public var logLevel: Logger.Level = .info
    /// A partial batch is written once its oldest record has waited this long, so a slow run
    /// does not hold finished summaries in memory until a whole batch fills.
    public var flushInterval: Duration = .seconds(5)
    /// The most the run may spend on LLM calls, in USD; `nil` means no limit.
    public var maxCostUSD: Double?
    /// After a stop (a signal, the deadline), how long in-flight items may take to finish
    /// before they are cancelled and left for the next run.
    public var shutdownGrace: Duration = .seconds(30)
    /// The longest a run may take; it then stops as on SIGTERM (exit 2). `nil`: no limit.
    public var maxDuration: Duration?
    /// An item that failed in this many runs (as its dead-letter record counts them) is skipped
    /// from then on, until `summarize replay --include-exhausted` runs it.
    public var maxItemAttempts: Int = 5
    /// A secret given as a literal in the file (not `${VAR}`) stops the run instead of a warning.
    public var strictSecrets: Bool = false
    /// No item finished for this long with items in flight: the run logs what they wait on
    /// and sets `summarize_stalled`.
    public var stall: Duration = .seconds(300)
    /// How often `--metrics-file` is written.
    public var metricsInterval: Duration = .seconds(15)

    /// The defaults.
    public init() {}

    /// The defaults with the given values in place of theirs; `nil` keeps a default.
    public init(
        concurrency: Int? = nil,
        batchSize: Int? = nil,
        flushInterval: Duration? = nil,
        shutdownGrace: Duration? = nil,
        maxDuration: Duration? = nil
    ) {
        if let concurrency { self.concurrency = concurrency }
        if let batchSize { self.batchSize = batchSize }
        if let flushInterval { self.flushInterval = flushInterval }
        if let shutdownGrace { self.shutdownGrace = shutdownGrace }
        self.maxDuration = maxDuration
    }

    /// The keys of the `run` section, for validation, `explain` and the docs.
    public static let spec = PluginSpec(
        type: "run",
        role: .source,
        summary: "How the orchestrator runs the pipeline.",
        keys: configKeys
    )
}

extension RunSettings: PluginSettings {
    public static let keys: [SettingKey<Self>] = [
        SettingKey("concurrency", \.concurrency, minimum: 1, doc: "Items processed at once."),
        SettingKey(
            "batchSize",
            \.batchSize,
            minimum: 1,
            environment: ["BATCH_SIZE"],
            doc: "Records per sink write; a record counts as written once its batch is acknowledged."
        ),
        SettingKey(
            "flushIntervalSeconds",
            \.flushInterval,
            minimum: 0,
            doc: "A partial batch is written once its oldest record has waited this long (checked as results arrive)."
        ),
        SettingKey(
            "continueOnError",
            \.continueOnError,
            doc: "Keep going when an item fails; false stops taking items at the first failure (exit 2)."
        ),
        SettingKey(
            "maxCostUSD",
            \.maxCostUSD,
            minimum: 0,
            doc:
                "Stop the run (exit 2) before its LLM calls could cost more than this many USD; each call reserves its worst case before it is sent. Unset: no limit."
        ),
        SettingKey(
            "shutdownGraceSeconds",
            \.shutdownGrace,
            minimum: 0,
            doc:
                "On SIGINT, SIGTERM or the deadline: how long in-flight items may take to finish before they are cancelled (left for the next run, not failed)."
        ),
        SettingKey(
            "maxDurationSeconds",
            \.maxDuration,
            minimum: 0,
            doc:
                "End the run gracefully after this many seconds, as SIGTERM would (exit 2); what is unfinished is left for the next run. Unset: no limit."
        ),
        SettingKey(
            "maxItemAttempts",
            \.maxItemAttempts,
            minimum: 1,
            doc:
                "An item that failed in this many runs (counted in its dead-letter record) is skipped, with a report line; summarize replay --include-exhausted runs it."
        ),
        SettingKey(
            "strictSecrets",
            \.strictSecrets,
            doc: "A secret key whose value is written in the file instead of ${VAR} stops the run (exit 78) instead of a warning."
        ),
        SettingKey(
            "stallSeconds",
            \.stall,
            minimum: 1,
            doc:
                "No item finished for this many seconds while items are in flight: log one warning naming what they wait on and set summarize_stalled to 1."
        ),
        SettingKey(
            "metricsIntervalSeconds",
            \.metricsInterval,
            minimum: 1,
            doc: "How often --metrics-file is rewritten (also once at the end of the run)."
        ),
        SettingKey("logLevel", \.logLevel, environment: ["LOG_LEVEL"], doc: "Log level of standard error; --verbose means debug."),
    ]
}

/// The log level is configured by its name (`info`, `debug`...).
extension Logger.Level: ConfigValueConvertible {}
