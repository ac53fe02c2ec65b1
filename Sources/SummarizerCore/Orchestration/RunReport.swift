import Foundation

/// What happened in a run: counts, why it stopped, metrics. Printed at the end, on standard error.
public struct RunReport: Sendable {
    /// Why a run ended before its source was exhausted.
    public enum StopReason: Sendable, Hashable, CustomStringConvertible {
        /// An item failed and the run was told to stop on errors.
        case stopOnError(FailureRecord)
        /// A configured service failed in a way every further item would too (bad key, quota...).
        case serviceError(FailureRecord)
        /// The source itself failed.
        case sourceFailed(PipelineError)
        /// The dead-letter sink could not store failures; they were printed to standard error instead.
        case deadLetterFailed(PipelineError)
        /// The run's cost budget (`run.maxCostUSD`) could not cover another LLM call.
        case budgetReached(String)
        /// A sink's start-up check failed; no item was taken.
        case sinkUnavailable(sink: String, PipelineError)
        /// A signal or the deadline asked the run to stop (``RunControl``).
        case requested(StopRequest)

        /// A short, stable name of the reason, for the JSON report and alerts.
        public var kind: String {
            switch self {
            case .stopOnError: "stop_on_error"
            case .serviceError: "service_error"
            case .sourceFailed: "source_failed"
            case .deadLetterFailed: "dead_letter_failed"
            case .budgetReached: "budget_reached"
            case .sinkUnavailable: "sink_unavailable"
            case .requested(.signal): "signal"
            case .requested(.deadline): "deadline"
            case .requested(.shutdown): "shutdown"
            case .requested(.serviceUnavailable): "service_error"
            }
        }

        public var description: String {
            switch self {
            case .stopOnError(let failure):
                "stopped at the first failure (--stop-on-error or run.continueOnError false): \(failure.url) failed at \(failure.stage): \(failure.errorKind): \(failure.message)"
            case .serviceError(let failure):
                "stopped early: \(failure.errorKind) at the \(failure.stage) stage: \(failure.message)"
                    + (failure.hint.map { " (hint: \($0))" } ?? "")
            case .sourceFailed(let error):
                "stopped early: the source failed: \(error)"
            case .deadLetterFailed(let error):
                "stopped early: the dead-letter sink failed (the failures were printed to standard error): \(error)"
            case .budgetReached(let message):
                "stopped early: \(message); the items not done are left for the next run"
            case .sinkUnavailable(let sink, let error):
                "stopped before the first item: the \(sink) sink cannot store records: \(error)"
            case .requested(let request):
                "stopped early: \(request); the items not done are left for the next run"
            }
        }
    }

    /// Items taken from the source (rejected entries not included).
    public var itemsRead = 0
    /// Items whose records every sink acknowledged.
    public var written = 0
    /// Items not processed: ``held``, ``exhausted``, duplicates and unchanged ones.
    public var skipped = 0
    /// Skipped because every sink already holds their records.
    public var held = 0
    /// Skipped because they failed in ``maxItemAttempts`` runs already.
    public var exhausted = 0
    /// `run.maxItemAttempts` of the run, for the report line on exhausted items.
    public var maxItemAttempts = 5
    /// Items dead-lettered.
    public var failed = 0
    /// Items started but not finished (shutdown, or the cost budget refused their LLM call):
    /// neither written nor dead-lettered, so the next run takes them again.
    public var unfinished = 0
    /// Failures counted by `stage/kind`.
    public var failuresByStageAndKind: [String: Int] = [:]
    /// Up to ``examplesPerFailureKind`` URLs of failed items, by `stage/kind`.
    public var failureExamples: [String: [String]] = [:]
    /// How many example URLs the report keeps of each `stage/kind`.
    public static let examplesPerFailureKind = 5
    /// Why the run stopped before the end of its source; `nil` when it did not.
    public var stopReason: StopReason?
    /// Whether it was a dry run (nothing written).
    public var dryRun = false
    /// Wall time of the run.
    public var durationSeconds = 0.0
    /// The run's metrics at its end.
    public var metrics = RunMetrics.Snapshot()

    /// An empty report.
    public init() {}

    /// 0 when nothing failed (an empty run included), 1 when some items failed, 2 when the run
    /// stopped early, 130 after SIGINT and 143 after SIGTERM.
    public var exitCode: Int32 {
        if case .requested(.signal(_, let code)) = stopReason { return code }
        if stopReason != nil { return 2 }
        return failed > 0 ? 1 : 0
    }

    /// The report as printed at the end of a run.
    public func render() -> String {
        var lines: [String] = []
        let mode = dryRun ? " (dry run: nothing was written)" : ""
        lines.append(
            "Run finished in \(RunMetrics.Snapshot.format(durationSeconds)) s\(mode): \(itemsRead) read, "
                + "\(written) \(dryRun ? "summarized" : "written"), \(failed) failed, \(skipped) skipped"
                + (unfinished > 0 ? ", \(unfinished) left for the next run." : ".")
        )
        if held > 0 {
            lines.append("\(held) \(held == 1 ? "item" : "items") skipped: every sink already holds \(held == 1 ? "its record" : "their records").")
        }
        if exhausted > 0 {
            lines.append(
                "\(exhausted) \(exhausted == 1 ? "item" : "items") skipped after \(maxItemAttempts) failed attempts; "
                    + "`summarize replay --include-exhausted` runs them."
            )
        }
        if let stopReason {
            lines.append("Stopped: \(stopReason)")
        } else if itemsRead == 0 && skipped == 0 {
            lines.append("Nothing to do: the source had no items (everything is summarized, or nothing matched the filters).")
        }
        if !failuresByStageAndKind.isEmpty {
            lines.append("Failures by stage/kind:")
            for (key, count) in failuresByStageAndKind.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(key): \(count)")
            }
        }
        if metrics.llmCalls > 0 {
            let tokens = metrics.llmTokens
            lines.append(
                "LLM: \(metrics.llmCalls) calls; tokens: prompt \(tokens.prompt) (cached \(tokens.cached)), output \(tokens.output), "
                    + "tool use \(tokens.toolUse), thoughts \(tokens.thoughts), total \(tokens.total); estimated cost "
                    + "$\(String(format: "%.4f", metrics.llmCostUSD))"
                    + (metrics.unpricedCalls > 0 ? " (\(metrics.unpricedCalls) calls of models without a price not included)" : "")
            )
        }
        lines.append("Metrics:")
        for (key, value) in metrics.originalKeys {
            lines.append("  \(key): \(value)")
        }
        for (key, value) in metrics.counters.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(key): \(value)")
        }
        return lines.joined(separator: "\n")
    }
}
