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

    public init(
        concurrency: Int = 8,
        batchSize: Int = 100,
        continueOnError: Bool = true,
        logLevel: Logger.Level = .info,
        flushInterval: Duration = .seconds(5),
        maxCostUSD: Double? = nil,
        shutdownGrace: Duration = .seconds(30),
        maxDuration: Duration? = nil,
        maxItemAttempts: Int = 5
    ) {
        self.concurrency = concurrency
        self.batchSize = batchSize
        self.continueOnError = continueOnError
        self.logLevel = logLevel
        self.flushInterval = flushInterval
        self.maxCostUSD = maxCostUSD
        self.shutdownGrace = shutdownGrace
        self.maxDuration = maxDuration
        self.maxItemAttempts = maxItemAttempts
    }

    /// The keys of the `run` section.
    public static let spec = PluginSpec(
        type: "run",
        role: .source,
        summary: "How the orchestrator runs the pipeline.",
        keys: [
            ConfigKey("concurrency", .integer, default: .number(8), minimum: 1, doc: "Items processed at once."),
            ConfigKey(
                "batchSize", .integer, default: .number(100), minimum: 1, environment: ["BATCH_SIZE"],
                doc: "Records per sink write; a record counts as written once its batch is acknowledged."),
            ConfigKey(
                "flushIntervalSeconds", .number, default: .number(5), minimum: 0,
                doc: "A partial batch is written once its oldest record has waited this long (checked as results arrive)."),
            ConfigKey(
                "continueOnError", .boolean, default: .bool(true),
                doc: "Keep going when an item fails; false stops taking items at the first failure (exit 2)."),
            ConfigKey(
                "maxCostUSD", .number, minimum: 0,
                doc: "Stop the run (exit 2) before its LLM calls could cost more than this many USD; each call reserves its worst case before it is sent. Unset: no limit."),
            ConfigKey(
                "shutdownGraceSeconds", .number, default: .number(30), minimum: 0,
                doc: "On SIGINT, SIGTERM or the deadline: how long in-flight items may take to finish before they are cancelled (left for the next run, not failed)."),
            ConfigKey(
                "maxDurationSeconds", .number, minimum: 0,
                doc: "End the run gracefully after this many seconds, as SIGTERM would (exit 2); what is unfinished is left for the next run. Unset: no limit."),
            ConfigKey(
                "maxItemAttempts", .integer, default: .number(5), minimum: 1,
                doc: "An item that failed in this many runs (counted in its dead-letter record) is skipped, with a report line; summarize replay --include-exhausted runs it."),
            ConfigKey(
                "strictSecrets", .boolean, default: .bool(false),
                doc: "A secret key whose value is written in the file instead of ${VAR} stops the run (exit 78) instead of a warning."),
            ConfigKey(
                "logLevel", .string, default: .string("info"),
                allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"],
                environment: ["LOG_LEVEL"], doc: "Log level of standard error; --verbose means debug."),
        ]
    )

    init(_ config: PluginConfig) {
        concurrency = config.int("concurrency") ?? 8
        batchSize = config.int("batchSize") ?? 100
        continueOnError = config.bool("continueOnError") ?? true
        logLevel = Logger.Level(rawValue: config.string("logLevel")?.lowercased() ?? "info") ?? .info
        flushInterval = .milliseconds(Int64((config.double("flushIntervalSeconds") ?? 5) * 1000))
        maxCostUSD = config.double("maxCostUSD")
        shutdownGrace = .seconds(fromSeconds: config.double("shutdownGraceSeconds") ?? 30)
        maxDuration = config.double("maxDurationSeconds").map { .seconds(fromSeconds: $0) }
        maxItemAttempts = config.int("maxItemAttempts") ?? 5
        strictSecrets = config.bool("strictSecrets") ?? false
    }
}

extension Duration {
    /// A duration of `seconds`, to the millisecond.
    static func seconds(fromSeconds seconds: Double) -> Duration {
        .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
