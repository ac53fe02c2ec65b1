import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SummarizerCore
import SummarizerTesting
import Synchronization
import Testing

@testable import Telemetry

@Suite("Prometheus export")
struct PrometheusExporterTests {
    /// Metrics with one of each event recorded, through a fresh exporter.
    func recorded() -> (PrometheusExporter, RunMetrics) {
        let exporter = PrometheusExporter()
        let metrics = RunMetrics(factory: exporter.factory)
        metrics.itemStarted()
        metrics.stageStarted("fetch")
        metrics.stageFinished("fetch", seconds: 0.02, failed: false)
        metrics.recordLLMCall(Spend(tokens: TokenUsage(prompt: 100, output: 20, thoughts: 5, cached: 40), costUSD: 0.0125), model: "gemini-x")
        metrics.recordItem(succeeded: true, fallback: false, tokens: 125, seconds: 1.5)
        metrics.itemReturned()
        metrics.recordOutcome("written")
        metrics.recordFailure(stage: .fetch, kind: .notFound)
        metrics.recordOutcome("failed")
        metrics.recordRetry(stage: "summarize")
        metrics.rateLimitWaitStarted(limiter: "gemini")
        metrics.rateLimitWaitFinished(limiter: "gemini", seconds: 0.5)
        metrics.recordBreakerTransition(breaker: "domain", to: "open", openKeys: 1)
        metrics.recordSinkBatch(sink: "jsonl", stored: 3, rejected: 1, failed: false)
        metrics.recordRunInfo(version: "1.2.3", configHash: "abc", promptVersion: "v1")
        return (exporter, metrics)
    }

    @Test func everyEventIsASeriesWithHelpAndType() {
        let (exporter, _) = recorded()
        let text = exporter.exposition()
        for expected in [
            #"summarize_items_total{outcome="written"} 1"#,
            #"summarize_items_total{outcome="failed"} 1"#,
            #"summarize_item_failures_total{stage="fetch",kind="notFound"} 1"#,
            #"summarize_llm_tokens_total{model="gemini-x",kind="prompt"} 100"#,
            #"summarize_llm_tokens_total{model="gemini-x",kind="cached"} 40"#,
            #"summarize_llm_tokens_total{model="gemini-x",kind="thoughts"} 5"#,
            #"summarize_llm_cost_usd_total{model="gemini-x"} 0.0125"#,
            #"summarize_retries_total{stage="summarize"} 1"#,
            #"summarize_rate_limit_wait_seconds_total{limiter="gemini"} 0.5"#,
            #"summarize_breaker_transitions_total{breaker="domain",state="open"} 1"#,
            #"summarize_breaker_open_keys{breaker="domain"} 1"#,
            #"summarize_sink_rows_total{sink="jsonl",result="rejected"} 1"#,
            #"summarize_sink_batches_total{sink="jsonl",result="partial"} 1"#,
            #"summarize_run_info{version="1.2.3",config_hash="abc",prompt_version="v1"} 1"#,
            "summarize_successful_requests 1",
            "summarize_average_tokens 125",
            "summarize_items_in_flight 0",
            #"summarize_stage_duration_seconds_count{stage="fetch",result="ok"} 1"#,
            "# HELP summarize_items_total Items by outcome",
            "# TYPE summarize_items_total counter",
            "# TYPE summarize_stage_duration_seconds histogram",
        ] {
            #expect(text.contains(expected), "missing \(expected) in\n\(text)")
        }
        // Every metric family has exactly one HELP line, right before its TYPE line.
        let lines = text.split(separator: "\n")
        for (index, line) in lines.enumerated() where line.hasPrefix("# TYPE ") {
            let name = line.split(separator: " ")[2]
            #expect(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) "), "no HELP before \(line)")
        }
    }

    @Test func everyExportedNameIsInTheCatalogue() {
        let (exporter, _) = recorded()
        let names = exporter.exposition().split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) }
        #expect(!names.isEmpty)
        for name in names {
            #expect(MetricCatalogue.entry(named: name) != nil, "\(name) is exported but not documented")
            #expect(name.hasPrefix("summarize_"))
        }
    }

    @Test func withoutAFactoryNothingIsExportedButTheSnapshotCounts() {
        let metrics = RunMetrics()
        #expect(!metrics.exports)
        metrics.itemStarted()
        metrics.itemReturned()
        metrics.recordOutcome("written")
        metrics.stageStarted("fetch")
        metrics.stageFinished("fetch", seconds: 0.1, failed: false)
        let snapshot = metrics.snapshot
        #expect(snapshot.itemsFinished == 1)
        #expect(snapshot.inFlight == 0)
        #expect(snapshot.stageLatency["fetch"]?.count == 1)
        #expect(snapshot.timeline.reduce(0, +) == 1)
    }

    @Test func theEndpointServesMetricsAndNothingElse() async throws {
        let (exporter, _) = recorded()
        let endpoint = try await MetricsEndpoint.start(host: "127.0.0.1", port: 0) { exporter.exposition() }
        defer { Task { await endpoint.close() } }
        let base = "http://127.0.0.1:\(endpoint.port)"

        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/metrics"), timeout: .seconds(10))
        #expect(response.status.code == 200)
        #expect(response.headers.first(name: "content-type") == PrometheusExporter.contentType)
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        #expect(body.contains(#"summarize_items_total{outcome="written"} 1"#))

        let missing = try await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/other"), timeout: .seconds(10))
        #expect(missing.status.code == 404)
        var post = HTTPClientRequest(url: base + "/metrics")
        post.method = .POST
        let refused = try await HTTPClient.shared.execute(post, timeout: .seconds(10))
        #expect(refused.status.code == 405)
    }

    @Test func addressesParse() {
        #expect(MetricsEndpoint.parseAddress("127.0.0.1:9464")! == ("127.0.0.1", 9464))
        #expect(MetricsEndpoint.parseAddress("[::1]:80")! == ("::1", 80))
        #expect(MetricsEndpoint.parseAddress("localhost") == nil)
        #expect(MetricsEndpoint.parseAddress(":9464") == nil)
        #expect(MetricsEndpoint.parseAddress("host:99999") == nil)
    }

    @Test func theMetricsFileIsReplacedWhole() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = MetricsFile(path: directory.appendingPathComponent("summarize.prom").path)
        try file.write("a 1\n")
        try file.write("b 2\n")
        #expect(try String(contentsOfFile: file.path, encoding: .utf8) == "b 2\n")
        // No temporary file is left beside it for the collector to trip on.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["summarize.prom"])

        let unwritable = MetricsFile(path: directory.appendingPathComponent("missing/summarize.prom").path)
        #expect(throws: MetricsFileError.self) { try unwritable.write("a 1\n") }
    }

    @Test func pushesPutTheGroupWithCredentialsAsAHeader() async throws {
        let requests = RequestLog()
        let server = try await LocalHTTPServer.start { request in
            requests.append(request)
            return LocalHTTPServer.Response(status: 200)
        }
        let gateway = try PushGateway(url: "http://user:s3cret@127.0.0.1:\(server.port)/", instance: "worker 1/a")
        #expect(!gateway.baseURL.contains("s3cret"))
        try await gateway.push("summarize_items_total 1\n")
        let request = try #require(requests.all.first)
        #expect(request.method == "PUT")
        #expect(request.path == "/metrics/job/summarize/instance@base64/d29ya2VyIDEvYQ==")
        #expect(request.headers["authorization"] == "Basic " + Data("user:s3cret".utf8).base64EncodedString())
        #expect(String(decoding: request.body, as: UTF8.self) == "summarize_items_total 1\n")

        let plain = try PushGateway(url: "http://127.0.0.1:\(server.port)", instance: "host-1.example:9")
        #expect(plain.groupPath == "/metrics/job/summarize/instance/host-1.example:9")
        #expect(throws: PushGatewayError.self) { try PushGateway(url: "ftp://x", instance: "a") }
        try await server.shutdown()
    }

    @Test func aRefusedPushSaysWhatTheGatewaySaid() async throws {
        let server = try await LocalHTTPServer.start { _ in LocalHTTPServer.Response(status: 400, body: Data("bad metric".utf8)) }
        let gateway = try PushGateway(url: "http://u:topsecret@127.0.0.1:\(server.port)", instance: "a")
        do {
            try await gateway.push("x 1\n")
            Issue.record("the push should have failed")
        } catch let error as PushGatewayError {
            #expect(error.description.contains("400: bad metric"))
            #expect(!error.description.contains("topsecret"))
        }
        try await server.shutdown()
    }
}

final class RequestLog: Sendable {
    private let requests = Mutex<[LocalHTTPServer.Request]>([])
    func append(_ request: LocalHTTPServer.Request) { requests.withLock { $0.append(request) } }
    var all: [LocalHTTPServer.Request] { requests.withLock { $0 } }
}

@Suite("Metrics docs")
struct MetricsDocsTests {
    @Test func theWatchingPageListsEveryMetricWithItsMeaning() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let page = try String(contentsOf: root.appendingPathComponent("docs/watching.md"), encoding: .utf8)
        for entry in MetricCatalogue.all {
            let row = "| `\(entry.name)` | \(entry.kind.rawValue) | \(entry.labels.joined(separator: ", ")) | \(entry.help) |"
            #expect(page.contains(row), "docs/watching.md lacks the row: \(row)")
        }
    }
}
