import ArgumentParser
import Foundation
import Logging
import SummarizerCore
import Telemetry

/// The options that let an operator watch a run: metrics, progress, reports, log format.
struct WatchOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://HOST:PORT/metrics while the run lasts.",
            valueName: "host:port"
        )
    )
    var metricsListen: String?

    @Option(
        help: ArgumentHelp(
            "Write the metrics to this file every run.metricsIntervalSeconds and at the end (node_exporter's textfile collector).",
            valueName: "path"
        )
    )
    var metricsFile: String?

    @Option(help: ArgumentHelp("Push the metrics to this Prometheus Pushgateway at the end of the run (job summarize).", valueName: "url"))
    var pushGateway: String?

    @Option(help: ArgumentHelp("The instance label of the push (default: the host name).", valueName: "name"))
    var pushInstance: String?

    @Option(
        help: ArgumentHelp(
            "Progress on standard error: auto (a line redrawn in place when it is a terminal), plain (a line every 10 s), never.",
            valueName: "mode"
        )
    )
    var progress: String = ProgressMode.auto.rawValue

    @Option(help: ArgumentHelp("Write the run report as JSON to this file (schema in docs/watching.md).", valueName: "path"))
    var reportJson: String?

    @Option(help: ArgumentHelp("Write the run report as one self-contained HTML page to this file.", valueName: "path"))
    var reportHtml: String?

    @Option(help: ArgumentHelp("Log lines as text (the default) or json, one object per line; LOG_FORMAT sets it too.", valueName: "format"))
    var logFormat: String?

    func validate() throws {
        if let metricsListen, MetricsEndpoint.parseAddress(metricsListen) == nil {
            throw ValidationError("--metrics-listen must be HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464; got \"\(metricsListen)\"")
        }
        if ProgressMode(rawValue: progress) == nil {
            throw ValidationError("--progress must be one of auto, plain, never; got \"\(progress)\"")
        }
        if let pushGateway {
            do {
                _ = try PushGateway(url: pushGateway, instance: "check")
            } catch {
                throw ValidationError("\(error)")
            }
        }
        _ = try resolvedLogFormat(environment: ProcessInfo.processInfo.environment)
    }

    /// `--log-format`, else `LOG_FORMAT`, else text.
    func resolvedLogFormat(environment: [String: String]) throws -> ConsoleLogHandler.Format {
        let (value, origin) = logFormat.map { ($0, "--log-format") } ?? environment["LOG_FORMAT"].map { ($0, "LOG_FORMAT") } ?? ("text", "")
        guard let format = ConsoleLogHandler.Format(rawValue: value.lowercased()) else {
            throw ValidationError("\(origin) must be text or json; got \"\(value)\"")
        }
        return format
    }

    /// Whether any metrics output was asked for (the exporter is made only then).
    var exportsMetrics: Bool { metricsListen != nil || metricsFile != nil || pushGateway != nil }

    /// The run's logger, writing to the shared console in the chosen format.
    func logger(label: String, level: Logger.Level) throws -> Logger {
        let format = try resolvedLogFormat(environment: ProcessInfo.processInfo.environment)
        var logger = Logger(label: label) { ConsoleLogHandler(label: $0, format: format) }
        logger.logLevel = level
        return logger
    }
}
