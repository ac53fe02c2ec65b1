import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Resilience
import ServiceLifecycle
import SummarizerCore
import Telemetry
import UnixSignals

/// `summarize serve`: the pipeline as a long-running HTTP service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the pipeline over HTTP: start runs, summarize single URLs, health, readiness and metrics.",
        discussion: """
            Endpoints (JSON; the OpenAPI 3.1 document is served at /openapi.json and is docs/openapi.json): \
            POST /v1/runs starts a run of the configured pipeline ({limit, urlIds, publisher, dryRun, model, \
            resummarize}, as the run flags); GET /v1/runs and GET /v1/runs/{id} show runs, live counts and, once \
            ended, the JSON report and exit code; DELETE /v1/runs/{id} stops one gracefully; POST /v1/summarize takes \
            {url} or {url, html} through fetch, extract and summarize and answers the record (422 with the failure \
            record when it fails), written to the sinks only with "write": true; GET /healthz, /readyz (sinks pass \
            their start-up check, the summarizer's breaker is closed, its daily quota not spent), /metrics. \
            With SUMMARIZE_API_TOKENS (comma-separated) every endpoint but serve.openEndpoints needs \
            Authorization: Bearer <token>. The serve section of the config sets the limits. SIGTERM or SIGINT stops \
            taking connections, lets requests in flight finish, stops runs as SIGTERM stops summarize run, then \
            exits 143 or 130.
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: ArgumentHelp("The address to listen on (port 0: any free port, printed at start).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("Log lines as text or json (LOG_FORMAT).", valueName: "text|json"))
    var logFormat: String?

    @Flag(name: .shortAndLong, help: "Log at debug level (overrides run.logLevel and LOG_LEVEL).")
    var verbose = false

    @Flag(help: "Print the OpenAPI document and exit.")
    var openapi = false

    func validate() throws {
        guard MetricsEndpoint.parseAddress(listen) != nil else {
            throw ValidationError("--listen needs host:port, e.g. 127.0.0.1:8080 or [::1]:8080, got \(listen)")
        }
    }

    func run() async throws {
        if openapi {
            print(OpenAPIDocument.text)
            return
        }
        let registry = Summarize.registry()
        let config = try configOptions.load(registry: registry, forRun: true)
        let known = ["healthz", "readyz", "metrics"]
        for (index, name) in config.serve.openEndpoints.enumerated() where !known.contains(name) {
            StandardError.print(
                "\(configOptions.config): /serve/openEndpoints/\(index): unknown endpoint \"\(name)\"; expected one of \(known.joined(separator: ", "))"
            )
            throw ExitCodes.configuration
        }
        var watch = WatchOptions()
        watch.logFormat = logFormat
        let logger = try watch.logger(label: "summarize", level: verbose ? .debug : config.run.logLevel)
        let auth = BearerAuth(environment: ProcessInfo.processInfo.environment["SUMMARIZE_API_TOKENS"])
        let exporter = PrometheusExporter()

        let singleMetrics = RunMetrics(factory: exporter.factory)
        let environment = runEnvironment(config, logger: logger, metrics: singleMetrics)
        let pipeline = try buildPipeline(config, registry: registry, environment: environment)
        singleMetrics.recordRunInfo(
            version: Summarize.version,
            configHash: RunIdentity(
                version: Summarize.version,
                promptVersion: pipeline.summarizer.component.promptVersion,
                pipeline: ExplainCommand.render(config: config, pipeline: pipeline, path: "")
            ).configHash,
            promptVersion: pipeline.summarizer.component.promptVersion
        )
        let runs = RunManager(settings: config.serve, logger: logger)
        let single = SingleItemService(
            pipeline: pipeline,
            settings: config.serve,
            runSettings: config.run,
            metrics: singleMetrics,
            runs: runs,
            logger: logger
        )
        runs.onRunEnded { report in
            if case .serviceError(let failure) = report.stopReason { single.note(failure) }
        }
        let api = ServeAPI(
            config: config,
            registry: registry,
            settings: config.serve,
            runs: runs,
            single: single,
            exporter: exporter,
            auth: auth,
            logger: logger,
            configPath: configOptions.config
        )
        guard let address = MetricsEndpoint.parseAddress(listen) else { throw ExitCodes.usage }
        var serverLogger = logger
        if serverLogger.logLevel > .debug { serverLogger.logLevel = .warning }
        let app = Application(
            router: api.router(),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                let host = address.host.contains(":") ? "[\(address.host)]" : address.host
                logger.notice(
                    "serving",
                    metadata: [
                        "url": "http://\(host):\(port)", "config": "\(configOptions.config)",
                        "auth": "\(auth.isEnabled ? "bearer (\(auth.count) token\(auth.count == 1 ? "" : "s"))" : "off")",
                    ]
                )
                if !auth.isEnabled {
                    logger.warning("SUMMARIZE_API_TOKENS is not set: anyone who can reach this address can start runs")
                }
            },
            logger: serverLogger
        )
        // The server is listed last so a shutdown stops it first: no new requests, those in flight
        // answered; then the runs stop as on SIGTERM; then the single-item pipeline's pools.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: single, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: runs, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                logger: serverLogger
            )
        )
        let signals = await UnixSignalsSequence(trapping: StopSignals.trapped)
        let received: StopRequest? = try await withThrowingTaskGroup(of: StopRequest?.self) { tasks -> StopRequest? in
            tasks.addTask {
                var first: StopRequest?
                for await signal in signals {
                    let request = StopSignals.request(for: signal)
                    guard first == nil else {
                        StandardError.print("\(request): a second signal, exiting at once")
                        if case .signal(_, let code) = request { OutputGate.exitNow(code) }
                        continue
                    }
                    first = request
                    logger.notice(
                        "stopping: no new connections, requests in flight answered, runs stopped gracefully",
                        metadata: ["signal": "\(request)"]
                    )
                    await group.triggerGracefulShutdown()
                }
                return first
            }
            do {
                try await group.run()
            } catch {
                StandardError.print("error: \(error)")
                throw ExitCodes.usage
            }
            tasks.cancelAll()
            for try await value in tasks {
                if let value { return value }
            }
            return nil
        }
        logger.notice("stopped")
        if case .signal(_, let code)? = received { throw ExitCode(code) }
    }
}
