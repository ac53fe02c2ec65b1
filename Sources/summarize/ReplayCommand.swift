import ArgumentParser
import Builtins
import Foundation
import Logging
import SummarizerCore

/// `summarize replay`: runs the dead-lettered items through the pipeline again.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the items of a dead-letter file through the pipeline again.",
        discussion: """
            Each failed item is processed again by the config's fetcher, extractor, summarizer and sinks. A \
            failure at the sink stage is written from the record stored with it, without a second LLM call. \
            Items that succeed leave the file; those that fail again stay, with the new attempts added to their \
            history; the file is rewritten atomically. Entries the source rejected (junk lines) cannot be \
            replayed and stay as they are: fix the list instead. Exit codes as for run.
            """
    )

    @Argument(help: ArgumentHelp("The dead-letter file (default: the config's deadLetter path).", valueName: "file"))
    var file: String?

    @OptionGroup var configOptions: ConfigOptions

    @Flag(name: .shortAndLong, help: "Log at debug level.")
    var verbose = false

    func run() async throws {
        let registry = Summarize.registry()
        let config = try configOptions.load(registry: registry)
        guard let path = file ?? (config.deadLetter.type == "jsonl" ? config.deadLetter.config.string("path") : nil) else {
            StandardError.print("replay needs a dead-letter file: give its path, or configure a jsonl deadLetter")
            throw ExitCodes.usage
        }
        guard FileManager.default.fileExists(atPath: path) else {
            StandardError.print("\(path): no such dead-letter file")
            throw ExitCodes.usage
        }

        var logger = Logger(label: "summarize") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : config.run.logLevel

        let lines: [DeadLetterFile.Line]
        do {
            lines = try DeadLetterFile.read(path: path)
        } catch {
            StandardError.print("cannot read \(path): \(error)")
            throw ExitCode(1)
        }
        let plan = ReplayPlan(lines)
        if plan.unreadable > 0 {
            logger.warning("lines that are not failure records are kept as they are", metadata: ["path": "\(path)", "lines": "\(plan.unreadable)"])
        }
        guard !plan.items.isEmpty else {
            StandardError.print(
                "Nothing to replay in \(path): \(plan.sourceEntries) rejected source entries, \(plan.unreadable) unreadable lines.")
            return
        }

        let metrics = RunMetrics()
        let environment = PluginEnvironment(
            logger: logger, baseDirectory: config.baseDirectory, runOptions: RunOptions(), metrics: metrics,
            costBudget: config.run.maxCostUSD.map(CostBudget.init(limitUSD:)))
        var pipeline = try buildPipeline(config, registry: registry, environment: environment)
        pipeline.source = PipelineStage(type: "replay", component: ListSource(items: plan.items))
        // New failures are merged into the file below, not appended to it.
        pipeline.deadLetter = PipelineStage(type: "replay", component: DeferredDeadLetterSink())

        var orchestrator = Orchestrator(pipeline: pipeline, settings: config.run, logger: logger, metrics: metrics)
        orchestrator.prepared = plan.prepared
        let outcomes = OutcomeLog()
        orchestrator.outcomes = outcomes
        logger.info(
            "replaying", metadata: ["path": "\(path)", "items": "\(plan.items.count)", "fromStoredRecords": "\(plan.prepared.count)"])
        let report = try await orchestrator.runUntilSignalled(logger: logger)

        let results = outcomes.all
        var succeeded = 0
        var stillFailing = 0
        do {
            try DeadLetterFile.rewrite(path: path) { current in
                let merged = plan.merge(current, outcomes: results)
                succeeded = merged.succeeded
                stillFailing = merged.stillFailing
                return merged.lines
            }
        } catch {
            // The old file is untouched; the sinks hold what succeeded, so a second replay skips
            // nothing it should not: a record stored twice is absorbed by the sinks' keys.
            StandardError.print("cannot rewrite \(path): \(error); it is left as it was")
            StandardError.print(report.render())
            throw ExitCode(1)
        }
        StandardError.print(report.render())
        StandardError.print(
            "Replay of \(path): \(plan.items.count) items, \(succeeded) succeeded and left the file, \(stillFailing) failed again "
                + "(history grown), \(plan.items.count - succeeded - stillFailing) not finished; \(plan.sourceEntries) rejected source "
                + "entries kept.")
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

/// What a replay does with the lines of a dead-letter file.
struct ReplayPlan {
    /// The items to process again, one per id, in file order.
    var items: [WorkItem] = []
    /// Records of failures at the sink stage, written without an LLM call.
    var prepared: [String: SummaryRecord] = [:]
    /// The earlier history of each replayed id, every line of it in file order.
    var history: [String: [FailureRecord.Attempt]] = [:]
    /// The lines read, by text, so lines appended by another run meanwhile are kept untouched.
    var replayedLines: [String: Int] = [:]
    var sourceEntries = 0
    var unreadable = 0

    init(_ lines: [DeadLetterFile.Line]) {
        for line in lines {
            guard let failure = line.failure else {
                unreadable += 1
                continue
            }
            guard failure.stage != .source else {
                sourceEntries += 1
                continue
            }
            replayedLines[line.text, default: 0] += 1
            if history[failure.newsURLID] == nil {
                items.append(WorkItem(id: failure.newsURLID, url: failure.url, title: failure.record?.title))
            }
            history[failure.newsURLID, default: []] += failure.history
            if failure.stage == .sink, let record = failure.record {
                prepared[failure.newsURLID] = record
            }
        }
    }

    /// The file's new lines: replayed items that succeeded are gone, those that failed again are
    /// one line each with the whole history; everything else stays as it was.
    func merge(_ current: [DeadLetterFile.Line], outcomes: [String: OutcomeLog.Entry]) -> (
        lines: [String], succeeded: Int, stillFailing: Int
    ) {
        var remaining = replayedLines
        var emitted: Set<String> = []
        var lines: [String] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for line in current {
            guard let failure = line.failure, let count = remaining[line.text], count > 0 else {
                lines.append(line.text)
                continue
            }
            remaining[line.text] = count - 1
            switch outcomes[failure.newsURLID] {
            case .written?, .skipped?:
                continue
            case .failed(var again)?:
                guard emitted.insert(failure.newsURLID).inserted else { continue }
                again.history = (history[failure.newsURLID] ?? []) + again.history
                again.attempts = again.history.count
                if let encoded = try? encoder.encode(again) {
                    lines.append(String(decoding: encoded, as: UTF8.self))
                } else {
                    lines.append(line.text)
                }
            case .unfinished?, nil:
                lines.append(line.text)
            }
        }
        let succeeded = items.filter { [.written, .skipped].contains(outcomes[$0.id]) }.count
        let stillFailing = items.filter { if case .failed? = outcomes[$0.id] { true } else { false } }.count
        return (lines, succeeded, stillFailing)
    }
}

/// The items of a replay, as a source.
struct ListSource: ItemSource {
    let items: [WorkItem]

    func items(_ query: ItemQuery, context: StageContext) -> AsyncThrowingStream<SourceElement, any Error> {
        let items = items
        return AsyncThrowingStream { continuation in
            for item in items { continuation.yield(.item(item)) }
            continuation.finish()
        }
    }
}

/// Acknowledges a replay's new failures without writing them: they reach the file through
/// the outcome log, merged with the history of the line they replace.
struct DeferredDeadLetterSink: DeadLetterSink {
    func write(_ failures: [FailureRecord], context: StageContext) async throws {}
    func finish() async throws {}
}
