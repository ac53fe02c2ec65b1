import ArgumentParser
import Builtins
import Foundation
import Logging
import SummarizerCore
import Telemetry

/// `summarize run`: runs the pipeline.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline described by the config (the default subcommand).",
        discussion: """
            Reads items from the source, then fetches, extracts and summarizes at most run.concurrency at once, \
            and writes records to every sink in batches of run.batchSize. Failed items go to the dead-letter sink \
            (default out/failed.jsonl) with their stage and error kind. The report is printed on standard error. \
            SIGINT or SIGTERM (or run.maxDurationSeconds) stops the run gracefully: no new items, those started \
            finish within run.shutdownGraceSeconds, sinks are flushed (exit 130, 143, or 2); a second signal exits \
            at once. Run the same command again to finish: a jsonl sink skips the records it already holds.
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @OptionGroup(title: "Watching the run") var watchOptions: WatchOptions

    @Flag(help: "Read, fetch, extract and summarize, but write nothing (no sink, no dead letter); print the records instead.")
    var dryRun = false

    @Option(help: ArgumentHelp("Process at most this many items.", valueName: "n"))
    var limit: Int?

    @Flag(name: .shortAndLong, help: "Log at debug level (overrides run.logLevel and LOG_LEVEL).")
    var verbose = false

    @Flag(help: "Stop taking items at the first failure; exit 2.")
    var stopOnError = false

    @Option(help: ArgumentHelp("Only items of this publisher (sources that support it).", valueName: "name"))
    var publisher: String?

    @Option(help: ArgumentHelp("Only these item ids, comma-separated (sources that support it).", valueName: "a,b,c"))
    var urlIds: String?

    @Option(help: ArgumentHelp("Use this model (summarizers that support it).", valueName: "name"))
    var model: String?

    @Flag(help: "Ground answers with a search tool (summarizers that support it).")
    var enableGrounding = false

    @Flag(help: "Read every item, summarized or not (sources that support it: postgres's mode all, which skips unchanged items).")
    var resummarize = false

    func validate() throws {
        if let limit, limit < 1 {
            throw ValidationError("--limit must be at least 1, got \(limit)")
        }
        if let urlIds, parsedIDs(urlIds).isEmpty {
            throw ValidationError("--url-ids needs at least one id, e.g. --url-ids 3f2a...,9b1c...")
        }
    }

    func parsedIDs(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    var options: RunOptions {
        RunOptions(
            limit: limit,
            dryRun: dryRun,
            stopOnError: stopOnError,
            publisher: publisher,
            urlIDs: urlIds.map(parsedIDs),
            model: model,
            enableGrounding: enableGrounding,
            resummarize: resummarize
        )
    }

    func run() async throws {
        let registry = Summarize.registry()
        let config = try configOptions.load(registry: registry, forRun: true)
        try await Self.execute(
            config: config,
            registry: registry,
            options: options,
            watchOptions: watchOptions,
            verbose: verbose,
            configPath: configOptions.config
        )
    }

    /// Runs the pipeline of `config` to its end with the run's watch, then prints the report
    /// and exits with its code; `summarize worker` runs the same way.
    static func execute(
        config: PipelineConfig,
        registry: PluginRegistry,
        options: RunOptions,
        watchOptions: WatchOptions,
        verbose: Bool,
        configPath: String
    ) async throws {
        let dryRun = options.dryRun
        let unsupported = PipelineBuilder(registry: registry).unsupportedOptions(options, in: config)
        guard unsupported.isEmpty else {
            StandardError.print(unsupported.joined(separator: "\n"))
            throw ExitCodes.usage
        }

        let logger = try watchOptions.logger(label: "summarize", level: verbose ? .debug : config.run.logLevel)
        var watch = RunWatch(options: watchOptions, settings: config.run, logger: logger)
        let metrics = watch.metrics
        let control = RunControl()
        let environment = runEnvironment(config, logger: logger, options: options, metrics: metrics, control: control)
        let pipeline = try buildPipeline(config, registry: registry, environment: environment)

        let previewFormat = config.sinks.first { $0.type == "stdout" }?.config.string("format").flatMap(StdoutSink.Format.init)
        let orchestrator = Orchestrator(
            pipeline: pipeline,
            settings: config.run,
            options: options,
            logger: logger,
            metrics: metrics,
            preview: dryRun ? StdoutSink(format: previewFormat ?? .text) : nil
        )
        logger.info(
            "starting",
            metadata: [
                "config": "\(configPath)", "source": "\(pipeline.source.type)",
                "summarizer": "\(pipeline.summarizer.type)", "sinks": "\(pipeline.sinks.map(\.type).joined(separator: ","))",
                "concurrency": "\(config.run.concurrency)", "dryRun": "\(dryRun)",
            ]
        )
        let identity = RunIdentity(
            version: Summarize.version,
            promptVersion: pipeline.summarizer.component.promptVersion,
            pipeline: ExplainCommand.render(config: config, pipeline: pipeline, path: configPath),
            hashed: ExplainCommand.render(config: config, pipeline: pipeline, path: "")
        )
        do {
            try await watch.start(identity: identity)
        } catch {
            StandardError.print("error: \(error)")
            throw ExitCodes.usage
        }
        let source = pipeline.source.component
        let countContext = StageContext(logger: logger, metrics: metrics)
        let count: @Sendable () async throws -> Int? = { [options] in
            let total = try await source.count(options.query, context: countContext)
            return total.map { count in options.limit.map { min($0, count) } ?? count }
        }
        let report = try await watch.around(count: count) {
            try await orchestrator.runUntilSignalled(control: control, logger: logger)
        }
        await watch.finish(report: report, identity: identity)
        watch.printReport(report)
        if report.exitCode != 0 {
            throw ExitCode(report.exitCode)
        }
    }
}
