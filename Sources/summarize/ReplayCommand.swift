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
            Each failed item is processed again by the config's fetcher, extractor, summarizer and sinks. Every \
            sink is first asked whether it holds the item: an item is written only to the sinks that lack it, and \
            one every sink holds leaves the file without a write. A failure at the sink stage is written from the \
            record stored with it, without a second LLM call, to the sinks that lack it (a sink that cannot say what \
            it holds, like stdout, only if the failure names it). An item leaves the file only when every sink it \
            was missing from acknowledged it; those that fail again stay, one line each, with the new attempts \
            added to their history; the file is rewritten atomically. Items that failed in run.maxItemAttempts runs \
            are kept and not run unless --include-exhausted is given. Entries the source rejected (junk lines) \
            cannot be replayed and stay as they are: fix the list instead. Exit codes as for run.
            """
    )

    @Argument(help: ArgumentHelp("The dead-letter file (default: the config's deadLetter path).", valueName: "file"))
    var file: String?

    @OptionGroup var configOptions: ConfigOptions

    @Flag(help: "Also run the items that failed in run.maxItemAttempts runs already.")
    var includeExhausted = false

    @Flag(name: .shortAndLong, help: "Log at debug level.")
    var verbose = false

    func run() async throws {
        let registry = Summarize.registry()
        let config = try configOptions.load(registry: registry, forRun: true)
        guard let path = file ?? (config.deadLetter.type == "jsonl" ? config.deadLetter.config.string("path") : nil) else {
            StandardError.print("replay needs a dead-letter file: give its path, or configure a jsonl deadLetter")
            throw ExitCodes.usage
        }
        guard FileManager.default.fileExists(atPath: path) else {
            StandardError.print("\(path): no such dead-letter file")
            throw ExitCodes.usage
        }

        let logger = Summarize.logger(label: "summarize", level: verbose ? .debug : config.run.logLevel)

        let replay = Replay(config: config, registry: registry, path: path, includeExhausted: includeExhausted, logger: logger)
        let outcome: Replay.Outcome
        do {
            outcome = try await replay.run { orchestrator in try await orchestrator.runUntilSignalled(logger: logger) }
        } catch let error as Replay.Failure {
            StandardError.print(error.message)
            if let report = error.report { StandardError.print(report.render()) }
            throw ExitCode(1)
        }
        switch outcome {
        case .nothingToReplay(let plan):
            StandardError.print(
                "Nothing to replay in \(path): \(plan.sourceEntries) rejected source entries, \(plan.unreadable) unreadable lines."
            )
        case .replayed(let report, let summary):
            StandardError.print(report.render())
            StandardError.print("Replay of \(path): \(summary)")
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}

/// One replay of a dead-letter file: reads it, runs its items through the config's pipeline,
/// and rewrites it. `summarize replay` runs it under its signal handling; tests run it directly.
struct Replay {
    var config: PipelineConfig
    var registry: PluginRegistry
    var path: String
    var includeExhausted = false
    var logger: Logger

    enum Outcome {
        /// The file holds no item that can be run again.
        case nothingToReplay(ReplayPlan)
        /// The report of the run and the replay's closing line.
        case replayed(RunReport, String)
    }

    /// Why a replay could not finish; the file is left as it was.
    struct Failure: Error {
        var message: String
        var report: RunReport?
    }

    /// Runs the replay; `execute` runs the orchestrator it builds (under signal handling in the CLI).
    func run(_ execute: (Orchestrator) async throws -> RunReport) async throws -> Outcome {
        let lines: [DeadLetterFile.Line]
        do {
            lines = try DeadLetterFile.read(path: path)
        } catch {
            throw Failure(message: "cannot read \(path): \(error)")
        }
        let plan = ReplayPlan(lines)
        if plan.unreadable > 0 {
            logger.warning("lines that are not failure records are kept as they are", metadata: ["path": "\(path)", "lines": "\(plan.unreadable)"])
        }
        guard !plan.items.isEmpty else { return .nothingToReplay(plan) }

        let metrics = RunMetrics()
        let environment = PluginEnvironment(
            logger: logger,
            baseDirectory: config.baseDirectory,
            runOptions: RunOptions(),
            metrics: metrics,
            costBudget: CostBudget.run(config.run)
        )
        var pipeline = try buildPipeline(config, registry: registry, environment: environment)
        pipeline.source = PipelineStage(type: "replay", component: ListSource(items: plan.items))
        // New failures are merged into the file below, not appended to it.
        pipeline.deadLetter = PipelineStage(type: "replay", component: DeferredDeadLetterSink())

        var orchestrator = Orchestrator(
            pipeline: pipeline,
            settings: config.run,
            options: RunOptions(includeExhausted: includeExhausted),
            logger: logger,
            metrics: metrics
        )
        orchestrator.prepared = plan.prepared
        let outcomes = OutcomeLog()
        orchestrator.outcomes = outcomes
        logger.info(
            "replaying",
            metadata: ["path": "\(path)", "items": "\(plan.items.count)", "fromStoredRecords": "\(plan.prepared.count)"]
        )
        let report = try await execute(orchestrator)

        let results = outcomes.all
        let counts = ReplayPlan.Counts(plan.items, outcomes: results)
        do {
            try DeadLetterFile.rewrite(path: path) { current in plan.merge(current, outcomes: results) }
        } catch {
            // The old file is untouched; the sinks hold what succeeded, so a second replay skips
            // nothing it should not: a record stored twice is absorbed by the sinks' keys.
            throw Failure(message: "cannot rewrite \(path): \(error); it is left as it was", report: report)
        }
        return .replayed(report, counts.render(sourceEntries: plan.sourceEntries))
    }
}

/// What a replay does with the lines of a dead-letter file.
struct ReplayPlan {
    /// The items to process again, one per id, in file order.
    var items: [WorkItem] = []
    /// Every failure of each replayed id, in file order.
    var failures: [String: [FailureRecord]] = [:]
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
            if failures[failure.newsURLID] == nil {
                items.append(WorkItem(id: failure.newsURLID, url: failure.url, title: failure.record?.title))
            }
            failures[failure.newsURLID, default: []].append(failure)
        }
    }

    /// What the orchestrator is told of each item: its failed runs and, for a failure at the sink
    /// stage (the newest line), the record and the sinks it is missing from.
    var prepared: [String: EarlierFailure] {
        failures.compactMapValues { lines in
            guard let newest = lines.last else { return nil }
            let runs = lines.reduce(0) { $0 + $1.failedRuns }
            guard newest.stage == .sink, let record = newest.record else { return EarlierFailure(failedRuns: runs) }
            return EarlierFailure(failedRuns: runs, record: record, failedIn: newest.failedIn)
        }
    }

    /// The file's new lines: replayed items now delivered to every sink are gone, those that
    /// failed again are one line each with the whole history; everything else stays as it was.
    func merge(_ current: [DeadLetterFile.Line], outcomes: [String: OutcomeLog.Entry]) -> [String] {
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
            case .written?, .held?:
                // Every sink acknowledged it, or said it holds it: delivered.
                continue
            case .failed(let again)?:
                guard emitted.insert(failure.newsURLID).inserted else { continue }
                if let merged = FailureRecord.merged((failures[failure.newsURLID] ?? []) + [again]),
                    let encoded = try? encoder.encode(merged)
                {
                    lines.append(String(decoding: encoded, as: UTF8.self))
                } else {
                    lines.append(line.text)
                }
            case .exhausted?, .skipped?, .unfinished?, nil:
                lines.append(line.text)
            }
        }
        return lines
    }

    /// What became of a replay's items, for its closing line.
    struct Counts {
        var items = 0
        var written = 0
        var held = 0
        var failed = 0
        var exhausted = 0
        var other = 0

        init(_ items: [WorkItem], outcomes: [String: OutcomeLog.Entry]) {
            self.items = items.count
            for item in items {
                switch outcomes[item.id] {
                case .written?: written += 1
                case .held?: held += 1
                case .failed?: failed += 1
                case .exhausted?: exhausted += 1
                case .skipped?, .unfinished?, nil: other += 1
                }
            }
        }

        func render(sourceEntries: Int) -> String {
            var parts = ["\(items) items", "\(written) delivered to the sinks that lacked them (left the file)"]
            if held > 0 { parts.append("\(held) already in every sink (left the file, nothing written)") }
            parts.append("\(failed) failed again (history grown)")
            if exhausted > 0 { parts.append("\(exhausted) kept after too many failed runs (--include-exhausted runs them)") }
            parts.append("\(other) not finished (kept)")
            return parts.joined(separator: ", ") + "; \(sourceEntries) rejected source entries kept."
        }
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
