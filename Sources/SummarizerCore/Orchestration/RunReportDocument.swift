import Foundation

/// What identifies a run in its reports and metrics: versions and the effective config.
public struct RunIdentity: Sendable, Hashable, Codable {
    /// The program's version.
    public var version: String
    /// The first 16 hex digits of the SHA-256 of the effective pipeline as `summarize explain`
    /// prints it (secrets redacted): equal for runs of the same settings.
    public var configHash: String
    /// The summarizer's prompt version.
    public var promptVersion: String
    /// The effective pipeline, as `summarize explain` prints it.
    public var pipeline: String

    /// An identity; ``configHash`` is computed from `hashed` (default: `pipeline`), which
    /// should leave out what does not change the run, such as the config file's path.
    public init(version: String, promptVersion: String, pipeline: String, hashed: String? = nil) {
        self.version = version
        self.promptVersion = promptVersion
        self.pipeline = pipeline
        self.configHash = String(SHA256.hex(of: SHA256.digest(Array((hashed ?? pipeline).utf8))).prefix(16))
    }
}

/// The run report as one JSON document (`--report-json`); its schema is in `docs/watching.md`.
public struct RunReportDocument: Sendable, Codable, Hashable {
    /// The version of this document's layout; raised when a field changes meaning or goes.
    public var schemaVersion = 1
    /// What ran.
    public var run: RunIdentity
    /// When the run started and ended (RFC 3339, UTC).
    public var startedAt: String
    /// When the run ended.
    public var finishedAt: String
    /// Wall time in seconds.
    public var durationSeconds: Double
    /// Whether it was a dry run (nothing written).
    public var dryRun: Bool
    /// The exit code the CLI gives.
    public var exitCode: Int32
    /// Why the run stopped early; `null` when it ran to the end of its source.
    public var stopReason: StopReasonEntry?
    /// Items by outcome.
    public var counts: Counts
    /// Failures by stage and kind, most frequent first, each with up to 5 example URLs.
    public var failures: [FailureGroup]
    /// LLM calls, tokens and estimated cost, in all and by model.
    public var llm: LLMUsage
    /// Seconds of stage calls, by stage (`fetch`, `extract`, `summarize`, `sink`).
    public var latency: [String: LatencySummary]
    /// Items finished per bucket of `bucketSeconds` since the start.
    public var throughput: Throughput
    /// The original module's nine metric keys and the named counters (retries, breaker changes...).
    public var metrics: [String: Double]

    /// Why the run stopped.
    public struct StopReasonEntry: Sendable, Codable, Hashable {
        /// A stable name: stop_on_error, service_error, source_failed, dead_letter_failed,
        /// budget_reached, sink_unavailable, signal, deadline, shutdown.
        public var kind: String
        /// The sentence the text report prints.
        public var message: String
    }

    /// Items by outcome.
    public struct Counts: Sendable, Codable, Hashable {
        /// Taken from the source and started.
        public var read: Int
        /// Written to every sink (summarized, in a dry run).
        public var written: Int
        /// Dead-lettered.
        public var failed: Int
        /// Not processed: held, exhausted, duplicate or unchanged.
        public var skipped: Int
        /// Skipped because every sink holds their records.
        public var held: Int
        /// Skipped after failing in `run.maxItemAttempts` runs.
        public var exhausted: Int
        /// Started but left for the next run.
        public var unfinished: Int
    }

    /// Failures of one stage and kind.
    public struct FailureGroup: Sendable, Codable, Hashable {
        /// The stage that failed.
        public var stage: String
        /// The error kind.
        public var kind: String
        /// How many items.
        public var count: Int
        /// Up to 5 of their URLs.
        public var examples: [String]
    }

    /// Tokens by kind.
    public struct Tokens: Sendable, Codable, Hashable {
        /// Prompt tokens, cached included.
        public var prompt: Int
        /// The cached part of the prompt.
        public var cached: Int
        /// Output tokens.
        public var output: Int
        /// Thinking tokens.
        public var thoughts: Int
        /// Tool-use tokens.
        public var toolUse: Int
        /// All of them.
        public var total: Int

        init(_ usage: TokenUsage) {
            (prompt, cached, output, thoughts, toolUse, total) =
                (usage.prompt, usage.cached, usage.output, usage.thoughts, usage.toolUse, usage.total)
        }
    }

    /// One model's calls.
    public struct ModelEntry: Sendable, Codable, Hashable {
        /// The model.
        public var model: String
        /// Calls that reported usage.
        public var calls: Int
        /// Their tokens.
        public var tokens: Tokens
        /// Their estimated cost in USD.
        public var costUSD: Double
        /// Calls of this model without a price.
        public var unpricedCalls: Int
    }

    /// LLM usage.
    public struct LLMUsage: Sendable, Codable, Hashable {
        /// Calls that reported usage.
        public var calls: Int
        /// Their tokens.
        public var tokens: Tokens
        /// Their estimated cost in USD.
        public var costUSD: Double
        /// Calls without a price (not in the cost).
        public var unpricedCalls: Int
        /// By model, most expensive first.
        public var byModel: [ModelEntry]
    }

    /// The throughput timeline.
    public struct Throughput: Sendable, Codable, Hashable {
        /// The width of a bucket.
        public var bucketSeconds: Double
        /// Items finished (any outcome) in each bucket.
        public var itemsFinished: [Int]
    }

    /// The document of `report`, for a run of `identity`.
    public init(report: RunReport, identity: RunIdentity) {
        let metrics = report.metrics
        run = identity
        startedAt = ISO8601.string(from: metrics.startedAt)
        finishedAt = ISO8601.string(from: metrics.startedAt.addingTimeInterval(report.durationSeconds))
        durationSeconds = report.durationSeconds
        dryRun = report.dryRun
        exitCode = report.exitCode
        stopReason = report.stopReason.map { StopReasonEntry(kind: $0.kind, message: $0.description) }
        counts = Counts(
            read: report.itemsRead,
            written: report.written,
            failed: report.failed,
            skipped: report.skipped,
            held: report.held,
            exhausted: report.exhausted,
            unfinished: report.unfinished
        )
        failures = report.failuresByStageAndKind.map { key, count in
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            return FailureGroup(
                stage: parts.first ?? key,
                kind: parts.count > 1 ? parts[1] : "",
                count: count,
                examples: report.failureExamples[key] ?? []
            )
        }
        .sorted { ($0.count, $1.stage, $1.kind) > ($1.count, $0.stage, $0.kind) }
        llm = LLMUsage(
            calls: metrics.llmCalls,
            tokens: Tokens(metrics.llmTokens),
            costUSD: metrics.llmCostUSD,
            unpricedCalls: metrics.unpricedCalls,
            byModel: metrics.llmByModel.map { model, usage in
                ModelEntry(model: model, calls: usage.calls, tokens: Tokens(usage.tokens), costUSD: usage.costUSD, unpricedCalls: usage.unpricedCalls)
            }
            .sorted { ($0.costUSD, $1.model) > ($1.costUSD, $0.model) }
        )
        latency = metrics.stageLatency.mapValues(\.summary)
        throughput = Throughput(bucketSeconds: RunMetrics.Snapshot.timelineBucketSeconds, itemsFinished: metrics.timeline)
        var values = Dictionary(metrics.originalValues, uniquingKeysWith: { first, _ in first })
        for (name, count) in metrics.counters { values[name] = Double(count) }
        self.metrics = values
    }

    /// The document as pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
