import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Testing

@testable import summarize

/// Every plugin, registered as the command line registers them.
let registry = Summarize.registry()

let articlePage: String = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/pages/week9-recap.html")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
}()

/// What one run did to its items, counted from the report and from what the sinks really hold.
struct FaultRun {
    var report: RunReport
    var outcomes: [String: OutcomeLog.Entry]
    /// Ids the output holds after the run (all runs of the folder so far).
    var stored: [String]
    /// What the dead-letter file holds after the run.
    var deadLettered: [FailureRecord]

    var written: Int { report.written }
    var failed: Int { report.failed }
    var retried: Int { report.metrics.counters["retries"] ?? 0 }
    /// Items read but neither written nor dead-lettered, and not knowingly left for the next run.
    var lost: Int {
        outcomes.filter { id, entry in
            entry != .unfinished && !stored.contains(id) && !deadLettered.contains { $0.newsURLID == id }
        }.count
    }

    /// Of `expected`, the ids in neither the output nor the dead-letter file.
    func missing(_ expected: [String]) -> Set<String> {
        Set(expected).subtracting(stored).subtracting(deadLettered.map(\.newsURLID))
    }

    func failure(_ id: String) -> FailureRecord? {
        deadLettered.last { $0.newsURLID == id }
    }
}

/// A folder with a URL list, a JSON-lines output and dead-letter file, and runs of a config in it.
struct FaultBench {
    let folder: URL
    let logs = RecordingLogHandlerStore()

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fault-matrix-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: folder)
    }

    func writeURLs(_ urls: [String]) throws {
        try (urls.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
    }

    /// A config over `urls.txt`, `out/summaries.jsonl` and `out/failed.jsonl`; each part is JSON text.
    static func config(
        source: String = #"{"type": "urlFile", "path": "urls.txt"}"#,
        fetcher: String = #"{"type": "http", "allowAddresses": ["127.0.0.1/32"], "middleware": ["retry"]}"#,
        summarizer: String = #"{"type": "mock", "middleware": []}"#,
        sinks: String = #"[{"type": "jsonl", "path": "out/summaries.jsonl"}]"#,
        retry: String = #"{"type": "retry", "maxAttempts": 3, "baseDelaySeconds": 0.01}"#,
        pacePerSecond: Int? = nil,
        run: String = #"{"concurrency": 4, "batchSize": 10}"#
    ) -> String {
        // "pace": a rate limit a summarizer can name, so a run lasts long enough to be cut.
        let pace = pacePerSecond.map { #", "pace": {"type": "rateLimit", "requestsPerMinute": \#($0 * 60), "burst": 1}"# } ?? ""
        return """
            {"source": \(source), "fetcher": \(fetcher), "extractor": {"type": "readability"}, "summarizer": \(summarizer),
             "sinks": \(sinks), "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"},
             "middleware": {"retry": \(retry)\(pace)}, "run": \(run)}
            """
    }

    /// Builds the pipeline from `config` as `summarize run` does and runs it to its end.
    func run(_ config: String, replacingSource source: (any ItemSource & PipelineService)? = nil) async throws -> FaultRun {
        let loaded = try ConfigLoader(registry: registry, environment: [:]).load(data: Data(config.utf8), baseDirectory: folder.path)
        let metrics = RunMetrics()
        let logger = logs.logger(level: .debug)
        let environment = PluginEnvironment(logger: logger, baseDirectory: folder.path, runOptions: RunOptions(), metrics: metrics)
        var pipeline = try PipelineBuilder(registry: registry).build(loaded, environment: environment)
        if let source {
            pipeline.source = PipelineStage(type: "postgres", component: source)
            pipeline.services.append(source)
        }
        var orchestrator = Orchestrator(pipeline: pipeline, settings: loaded.run, logger: logger, metrics: metrics)
        let outcomes = OutcomeLog()
        orchestrator.outcomes = outcomes
        let report = await orchestrator.run()
        return FaultRun(report: report, outcomes: outcomes.all, stored: try storedIDs(), deadLettered: try deadLetters())
    }

    /// Replays the dead-letter file with `config`, as `summarize replay` does; the closing line,
    /// or `nil` when there was nothing to replay.
    func replay(_ config: String) async throws -> String? {
        let loaded = try ConfigLoader(registry: registry, environment: [:]).load(data: Data(config.utf8), baseDirectory: folder.path)
        let replay = Replay(
            config: loaded,
            registry: registry,
            path: folder.appendingPathComponent("out/failed.jsonl").path,
            logger: logs.logger(level: .debug)
        )
        switch try await replay.run({ await $0.run() }) {
        case .nothingToReplay: return nil
        case .replayed(_, let summary): return summary
        }
    }

    func storedIDs() throws -> [String] {
        try lines("out/summaries.jsonl").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object?["news_url_id"] as? String)
        }
    }

    func deadLetters() throws -> [FailureRecord] {
        try lines("out/failed.jsonl").map { try JSONDecoder().decode(FailureRecord.self, from: Data($0.utf8)) }
    }

    private func lines(_ path: String) throws -> [Substring] {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(path).path) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        if !text.isEmpty { #expect(text.hasSuffix("\n"), "\(path) ends in the middle of a line") }
        return text.split(separator: "\n")
    }
}
