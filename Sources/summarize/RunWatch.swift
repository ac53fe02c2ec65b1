import Foundation
import Logging
import SummarizerCore
import Synchronization
import Telemetry

/// What watches one run: the exporter and its outputs, the progress line, the reports.
/// Started before the first item, finished after the report.
struct RunWatch {
    let options: WatchOptions
    let settings: RunSettings
    let exporter: PrometheusExporter?
    let metrics: RunMetrics
    let logger: Logger
    var endpoint: MetricsEndpoint?

    init(options: WatchOptions, settings: RunSettings, logger: Logger) {
        self.options = options
        self.settings = settings
        self.logger = logger
        exporter = options.exportsMetrics ? PrometheusExporter() : nil
        metrics = RunMetrics(factory: exporter?.factory)
    }

    /// Opens the metrics listener; a port that cannot be bound stops the run before it starts.
    mutating func start(identity: RunIdentity) async throws {
        metrics.recordRunInfo(version: identity.version, configHash: identity.configHash, promptVersion: identity.promptVersion)
        guard let exporter, let address = options.metricsListen.flatMap(MetricsEndpoint.parseAddress) else { return }
        do {
            endpoint = try await MetricsEndpoint.start(host: address.host, port: address.port) { exporter.exposition() }
        } catch {
            throw WatchError("could not listen on \(options.metricsListen ?? "") for --metrics-listen: \(error)")
        }
        let host = address.host.contains(":") ? "[\(address.host)]" : address.host
        logger.info("serving metrics", metadata: ["url": "http://\(host):\(endpoint?.port ?? address.port)/metrics"])
    }

    /// Runs `body` (the run) with the progress line and the periodic metrics file beside it.
    /// `count` asks the source how many items it holds; it runs beside the first items, and
    /// only when a progress line is shown.
    func around<T: Sendable>(count: @escaping @Sendable () async throws -> Int?, _ body: @Sendable () async throws -> T) async throws -> T {
        let progress = ProgressReporter(
            metrics: metrics,
            console: .standardError,
            mode: ProgressMode(rawValue: options.progress) ?? .auto
        )
        let file = options.metricsFile.map(MetricsFile.init(path:))
        let (exporter, interval, logger) = (exporter, settings.metricsInterval, logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await progress.run()
                return nil
            }
            if progress.isActive {
                group.addTask {
                    do {
                        progress.total.set(try await count())
                    } catch {
                        logger.debug("the source could not count its items; progress shows no total", metadata: ["error": "\(error)"])
                    }
                    return nil
                }
            }
            if let file, let exporter {
                group.addTask {
                    let reported = ErrorOnce()
                    await file.run(every: interval, render: { exporter.exposition() }) { error in
                        if reported.first() { logger.error("\(error)") }
                    }
                    return nil
                }
            }
            let result = try await body()
            group.cancelAll()
            while try await group.next() != nil {}
            return result
        }
    }

    /// After the run: the last metrics file, the push, the reports; then closes the listener.
    func finish(report: RunReport, identity: RunIdentity) async {
        if let exporter, let path = options.metricsFile {
            do {
                try MetricsFile(path: path).write(exporter.exposition())
            } catch {
                logger.error("\(error)")
            }
        }
        if let exporter, let url = options.pushGateway {
            do {
                let instance = options.pushInstance ?? ProcessInfo.processInfo.hostName
                try await PushGateway(url: url, instance: instance).push(exporter.exposition())
                logger.info("pushed the metrics", metadata: ["instance": "\(instance)"])
            } catch {
                logger.error("could not push the metrics: \(error)")
            }
        }
        let document = RunReportDocument(report: report, identity: identity)
        if let path = options.reportJson {
            write(path, what: "JSON report") { try document.json() }
        }
        if let path = options.reportHtml {
            write(path, what: "HTML report") { Data(HTMLReport.render(document).utf8) }
        }
        await endpoint?.close()
    }

    /// Prints the report on standard error: as text, or with JSON logs as one log line whose
    /// fields hold the counts and the text, so every line a collector reads is JSON.
    func printReport(_ report: RunReport) {
        guard (try? options.resolvedLogFormat(environment: ProcessInfo.processInfo.environment)) == .json else {
            Console.standardError.writeLine(report.render())
            return
        }
        var metadata: Logger.Metadata = [
            "read": "\(report.itemsRead)", "written": "\(report.written)", "failed": "\(report.failed)",
            "skipped": "\(report.skipped)", "unfinished": "\(report.unfinished)", "exitCode": "\(report.exitCode)",
            "durationSeconds": "\(report.durationSeconds)", "report": "\(report.render())",
        ]
        if let stop = report.stopReason { metadata["stopReason"] = "\(stop.kind)" }
        logger.notice("run finished", metadata: metadata)
    }

    private func write(_ path: String, what: String, _ contents: () throws -> Data) {
        do {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents().write(to: url, options: .atomic)
        } catch {
            logger.error("could not write the \(what) to \(path): \(error)")
        }
    }
}

/// Watching could not start.
struct WatchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// True the first time only: an error repeated every interval is logged once.
final class ErrorOnce: Sendable {
    private let seen = Mutex(false)
    func first() -> Bool {
        seen.withLock { seen in
            defer { seen = true }
            return !seen
        }
    }
}
