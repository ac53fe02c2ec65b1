import Foundation
import Logging

/// Runs a ``Pipeline``: streams items from the source, processes at most `concurrency` at once,
/// batches records to every sink and failures to the dead-letter sink.
///
/// Every item gets exactly one outcome. Delivery is tracked per sink: before a window of items
/// starts, every sink is asked which of them it holds; an item every sink holds is skipped, one
/// that some lack is written to exactly those, and its record counts as written only once each
/// of them acknowledged it. A failure is never written as a summary. Memory stays bounded by the
/// concurrency, the window and the batch size, apart from the set of ids seen (to drop
/// duplicates), which is kept only for sources that may yield an id twice.
public struct Orchestrator: Sendable {
    /// The stages to run.
    public var pipeline: Pipeline
    /// The `run` section: concurrency, batching, grace, limits.
    public var settings: RunSettings
    /// The command line's options: limit, filters, dry run.
    public var options: RunOptions
    /// The run's logger; items add their id and URL to it.
    public var logger: Logger
    /// The clock every wait of the run uses; tests pass a manual one.
    public var clock: any Clock<Duration>
    /// Where the run counts items, tokens, retries and breaker changes.
    public var metrics: RunMetrics
    /// Where a dry run shows its records instead of writing them.
    public var preview: (any Sink)?
    /// Earlier failures a caller already read, by item id (`summarize replay`); used like the
    /// dead-letter sink's ``DeadLetterSink/earlierFailures(of:context:)``: an item with a stored
    /// record goes straight to the sinks that lack it, without a fetch or an LLM call.
    public var prepared: [String: EarlierFailure] = [:]
    /// Where the outcome of every item is recorded, when a caller needs them one by one.
    public var outcomes: OutcomeLog?

    /// An orchestrator for `pipeline`; ``run(control:)`` runs it.
    public init(
        pipeline: Pipeline,
        settings: RunSettings,
        options: RunOptions = RunOptions(),
        logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(),
        metrics: RunMetrics = RunMetrics(),
        preview: (any Sink)? = nil
    ) {
        self.pipeline = pipeline
        self.settings = settings
        self.options = options
        self.logger = logger
        self.clock = clock
        self.metrics = metrics
        self.preview = preview
    }

    /// What one item's processing produced.
    enum ItemResult: Sendable {
        case summarized(SummaryRecord)
        case failed(FailureRecord)
        /// Not summarized again: the stored summary was made from the same text and prompt.
        case unchanged(WorkItem)
        /// Cancelled by a stop before it finished: not done, not failed.
        case unfinished(WorkItem, PipelineError)
    }

    /// Where one item's record goes: the sinks that lack it, and a record made earlier if any.
    struct Delivery: Sendable {
        /// Indices into the pipeline's sinks to write the record to.
        var targets: Set<Int>
        /// Indices of the sinks that said they already hold it.
        var holders: Set<Int>
        /// A record made earlier (a failure at the sink stage): written without an LLM call.
        var stored: SummaryRecord?
    }

    /// A record waiting for its batch, with the sinks it goes to.
    struct PendingRecord: Sendable {
        var record: SummaryRecord
        var delivery: Delivery
    }

    /// Runs the pipeline to the end of its source, a limit, or a reason to stop; `control`
    /// asks it to stop gracefully from outside (signals, a service group shutting down).
    public func run(control: RunControl = RunControl()) async -> RunReport {
        guard !pipeline.services.isEmpty else { return await runItems(control: control) }
        return await withTaskGroup(of: RunReport?.self) { group in
            for service in pipeline.services {
                group.addTask {
                    await service.run()
                    return nil
                }
            }
            group.addTask { await runItems(control: control) }
            var report = RunReport()
            while let result = await group.next() {
                if let result {
                    report = result
                    // The items are done: the services have nothing left to serve.
                    group.cancelAll()
                }
            }
            return report
        }
    }

    func runItems(control: RunControl) async -> RunReport {
        var run = OrchestratorRun(orchestrator: self)
        return await run.execute(control: control)
    }

    func context(logger: Logger) -> StageContext {
        StageContext(logger: logger, clock: clock, metrics: metrics, attempts: AttemptLog())
    }
}
