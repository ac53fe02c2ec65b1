import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A program of Debian's the watch tests run against (Prometheus, its Pushgateway, promtool,
/// tmux). A test needing one runs when it is installed, and always under `CI=true`, where a
/// missing one fails the test instead of skipping it.
enum ExternalTool {
    static func path(_ name: String) -> String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func usable(_ names: String...) -> Bool {
        ProcessInfo.processInfo.environment["CI"] == "true" || names.allSatisfy { path($0) != nil }
    }

    /// Starts `name` with `arguments`, its output in files under `folder`.
    static func start(_ name: String, _ arguments: [String], in folder: URL) throws -> Process {
        guard let path = path(name) else {
            throw ToolMissing(name: name)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let log = folder.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `name` to its end and returns its status and output.
    static func run(_ name: String, _ arguments: [String], in folder: URL) async throws -> (status: Int32, output: String) {
        let process = try start(name, arguments, in: folder)
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        let output = try String(contentsOf: folder.appendingPathComponent("\(name).log"), encoding: .utf8)
        return (process.terminationStatus, output)
    }

    struct ToolMissing: Error, CustomStringConvertible {
        var name: String
        var description: String { "\(name) is not installed; Scripts/test.sh installs it (Debian's package)" }
    }
}

/// A free TCP port on loopback (bound, then released for the program that needs it).
func freeLoopbackPort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
        }
    }
    guard bound else { throw CocoaError(.fileWriteUnknown) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// GETs `url` and returns the body, or `nil` when it cannot be reached.
func fetch(_ url: String) async -> (status: Int, body: String)? {
    do {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(buffer: body))
    } catch {
        return nil
    }
}

@Suite("watching a run")
struct WatchCLITests {
    /// A config whose nine pages take `latency` each to summarize, one at a time.
    func slowConfig(in folder: URL, latencyMs: Int) throws -> String {
        let config = try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
            .replacingOccurrences(of: #""type": "mock","#, with: #""type": "mock", "latencyMilliseconds": \#(latencyMs),"#)
            .replacingOccurrences(of: #""concurrency": 4"#, with: #""concurrency": 1"#)
        try config.write(to: folder.appendingPathComponent("slow.json"), atomically: true, encoding: .utf8)
        return "slow.json"
    }

    @Test func theJSONAndHTMLReportsDescribeTheRun() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLIRunner.run(
            ["run", "--report-json", "out/report.json", "--report-html", "out/report.html", "--progress", "never"],
            in: folder
        )
        #expect(result.status == 1, "\(result.stderr)")
        let data = try Data(contentsOf: folder.appendingPathComponent("out/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(report["schemaVersion"] as? Int == 1)
        #expect(report["exitCode"] as? Int == 1)
        let counts = try #require(report["counts"] as? [String: Int])
        #expect(counts["read"] == 9 && counts["written"] == 8 && counts["failed"] == 1)
        let failures = try #require(report["failures"] as? [[String: Any]])
        #expect(failures.count == 1)
        #expect(failures.first?["stage"] as? String == "extract")
        #expect(failures.first?["kind"] as? String == "invalidContent")
        #expect((failures.first?["examples"] as? [String])?.first?.hasSuffix("section-index-no-article.html") == true)
        let latency = try #require(report["latency"] as? [String: [String: Double]])
        #expect(Set(latency.keys) == ["fetch", "extract", "summarize", "sink"])
        #expect(latency["extract"]?["count"] == 9)
        for (stage, figures) in latency {
            let (p50, p99, max) = (figures["p50"] ?? -1, figures["p99"] ?? -1, figures["max"] ?? -1)
            #expect(0 <= p50 && p50 <= p99 && p99 <= max, "\(stage): \(figures)")
        }
        let throughput = try #require(report["throughput"] as? [String: Any])
        #expect((throughput["itemsFinished"] as? [Int])?.reduce(0, +) == 9)
        let llm = try #require(report["llm"] as? [String: Any])
        #expect(llm["calls"] as? Int == 8)
        #expect(((llm["byModel"] as? [[String: Any]])?.first?["model"]) as? String == "mock-extractive-1")
        let run = try #require(report["run"] as? [String: String])
        #expect(run["configHash"]?.count == 16)
        #expect(run["pipeline"]?.contains("summarizer: mock") == true)

        let html = try String(contentsOf: folder.appendingPathComponent("out/report.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        #expect(html.contains("section-index-no-article.html"))
        // Self-contained: nothing is loaded from elsewhere.
        for external in ["<script", "src=", "href=", "@import", "url("] {
            #expect(!html.contains(external), "the page refers to something outside it: \(external)")
        }

        // The same settings from another folder hash the same.
        let again = try await CLIRunner.run(["run", "--report-json", "out/again.json", "--progress", "never"], in: folder)
        #expect(again.status == 1, "the failing page fails again")
        let second = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("out/again.json"))) as? [String: Any]
        #expect((second?["run"] as? [String: String])?["configHash"] == run["configHash"])
    }

    @Test func jsonLogsAreOneObjectPerLineReportIncluded() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLIRunner.run(["run", "--progress", "never"], in: folder, environment: ["LOG_FORMAT": "json"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count >= 10)
        var levels: Set<String> = []
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["timestamp"] is String && object?["message"] is String, "not a JSON log line: \(line)")
            if let level = object?["level"] as? String { levels.insert(level) }
        }
        #expect(levels.isSuperset(of: ["info", "error", "notice"]))
        let finished = lines.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(finished?["message"] as? String == "run finished")
        #expect(finished?["written"] as? String == "8")
        #expect((finished?["report"] as? String)?.contains("Failures by stage/kind:") == true)

        let refused = try await CLIRunner.run(["run", "--log-format", "xml"], in: folder)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--log-format must be text or json"))
    }

    @Test func plainProgressEndsWithTheTotalsForALogFile() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLIRunner.run(["run", "--progress", "plain"], in: folder)
        #expect(result.status == 1)
        // Standard error is a file here: plain mode still writes its last line, with the total
        // the URL list counted (8 written and 1 failed of 9).
        let progress = result.stderr.split(separator: "\n").filter { $0.hasPrefix("progress: ") }
        #expect(progress.last?.hasPrefix("progress: 9/9 done") == true, "\(progress)")
        #expect(progress.last?.contains("| 1 failed |") == true)
        #expect(!result.stderr.contains("\u{1B}["), "no terminal control sequences in a log file")
        let never = try await CLIRunner.run(["run", "--progress", "never"], in: folder)
        #expect(!never.stderr.contains("progress: "))
    }

    @Test func badWatchOptionsAreRefusedBeforeTheRun() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (arguments, message) in [
            (["--metrics-listen", "9464"], "--metrics-listen must be HOST:PORT"),
            (["--progress", "sometimes"], "--progress must be one of auto, plain, never"),
            (["--push-gateway", "localhost:9091"], "--push-gateway must be an http(s) URL"),
        ] {
            let result = try await CLIRunner.run(["run"] + arguments, in: folder)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/summaries.jsonl").path))
        }
        // A port already taken stops the run before it takes an item.
        let port = try freeLoopbackPort()
        let holder = try ExternalToolListener(port: port)
        defer { holder.close() }
        let taken = try await CLIRunner.run(["run", "--metrics-listen", "127.0.0.1:\(port)"], in: folder)
        #expect(taken.status == 64, "\(taken.stderr)")
        #expect(taken.stderr.contains("could not listen on 127.0.0.1:\(port) for --metrics-listen"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/summaries.jsonl").path))
    }

    @Test func theMetricsFileHoldsTheRunAndPassesPromtool() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CLIRunner.run(["run", "--metrics-file", "out/summarize.prom"], in: folder)
        #expect(result.status == 1)
        let text = try String(contentsOf: folder.appendingPathComponent("out/summarize.prom"), encoding: .utf8)
        #expect(text.contains(#"summarize_items_total{outcome="written"} 8"#))
        #expect(text.contains(#"summarize_item_failures_total{stage="extract",kind="invalidContent"} 1"#))
        #expect(text.contains("summarize_success_rate_percent 88.8"))
        #expect(text.contains(#"summarize_run_info{version="#))
        guard ExternalTool.usable("promtool") else { return }
        let lint = try await ExternalTool.run("promtool", ["check", "metrics"], inputFile: folder.appendingPathComponent("out/summarize.prom"))
        #expect(lint.status == 0, "promtool check metrics: \(lint.output)")
    }

    @Test(.enabled(if: ExternalTool.usable("promtool")))
    func theAlertingRulesLoadAndFireAsTheirTestsSay() async throws {
        let folder = CLIRunner.repositoryRoot.appendingPathComponent("Examples/prometheus")
        let check = try await ExternalTool.run("promtool", ["check", "rules", "summarize-alerts.yml"], in: folder)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS: 6 rules found"))
        let test = try await ExternalTool.run("promtool", ["test", "rules", "summarize-alerts.test.yml"], in: folder)
        #expect(test.status == 0, "\(test.output)")
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("promtool.log"))
    }

    @Test(.enabled(if: ExternalTool.usable("prometheus")), .timeLimit(.minutes(2)))
    func prometheusScrapesTheListenerWhileTheRunLasts() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try slowConfig(in: folder, latencyMs: 1500)
        let metricsPort = try freeLoopbackPort()
        let run = try CLIRunner.start(
            ["run", "--config", config, "--metrics-listen", "127.0.0.1:\(metricsPort)", "--progress", "never"],
            in: folder
        )
        let prometheusPort = try freeLoopbackPort()
        try """
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: summarize
            static_configs:
              - targets: ["127.0.0.1:\(metricsPort)"]
        """.write(to: folder.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let prometheus = try ExternalTool.start(
            "prometheus",
            [
                "--config.file=prometheus.yml", "--storage.tsdb.path=tsdb", "--web.listen-address=127.0.0.1:\(prometheusPort)",
            ],
            in: folder
        )
        defer { prometheus.terminate() }
        // Prometheus's own query API must return our series while the run is still going.
        var found: String?
        let deadline = ContinuousClock.now + .seconds(60)
        while found == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            let query = "http://127.0.0.1:\(prometheusPort)/api/v1/query?query=summarize_items_started_total"
            if let answer = await fetch(query), answer.status == 200, answer.body.contains(#""job":"summarize""#) {
                found = answer.body
            }
        }
        let body = try #require(found, "Prometheus never returned summarize_items_started_total")
        #expect(body.contains(#""__name__":"summarize_items_started_total""#))
        #expect(run.isRunning, "the run ended before the scrape: the test proves nothing")
        let info = await fetch("http://127.0.0.1:\(prometheusPort)/api/v1/query?query=summarize_run_info")
        #expect(info?.body.contains(#""prompt_version""#) == true)
        let result = try await run.wait()
        #expect(result.status == 1)
    }

    @Test(.enabled(if: ExternalTool.usable("prometheus-pushgateway")), .timeLimit(.minutes(2)))
    func theEndOfARunIsPushedToThePushgateway() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try freeLoopbackPort()
        let gateway = try ExternalTool.start("prometheus-pushgateway", ["--web.listen-address=127.0.0.1:\(port)"], in: folder)
        defer { gateway.terminate() }
        var up = false
        for _ in 0..<100 where !up {
            try await Task.sleep(for: .milliseconds(100))
            up = await fetch("http://127.0.0.1:\(port)/-/ready")?.status == 200
        }
        #expect(up, "the pushgateway did not start")
        let result = try await CLIRunner.run(
            ["run", "--push-gateway", "http://127.0.0.1:\(port)", "--push-instance", "nightly-1", "--progress", "never"],
            in: folder
        )
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("pushed the metrics"))
        let metrics = try #require(await fetch("http://127.0.0.1:\(port)/metrics"))
        #expect(
            metrics.body.contains(#"summarize_items_total{instance="nightly-1",job="summarize",outcome="written"} 8"#),
            "\(metrics.body.prefix(3000))"
        )
        #expect(metrics.body.contains(#"push_time_seconds{instance="nightly-1",job="summarize"}"#))

        // An unreachable gateway is an error in the log, not a lost run.
        let unreachable = try await CLIRunner.run(
            ["run", "--push-gateway", "http://127.0.0.1:1", "--progress", "never"],
            in: folder
        )
        #expect(unreachable.status == 1, "the run's own status, as without a push")
        #expect(unreachable.stderr.contains("could not push the metrics"))
    }

    @Test(.enabled(if: ExternalTool.usable("script")), .timeLimit(.minutes(2)))
    func onATerminalTheProgressLineStaysBelowWholeLogLines() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try slowConfig(in: folder, latencyMs: 300)
        // util-linux's script runs the command on a pseudo-terminal and copies what it writes.
        let command = "'\(CLIRunner.executable.path)' run --config \(config) > /dev/null"
        let script = try ExternalTool.start("script", ["-qfec", command, "/dev/null"], in: folder)
        let log = folder.appendingPathComponent("script.log")

        // While items are summarized, the line at the bottom of the screen is the progress line.
        var during = TerminalScreen()
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            during = TerminalScreen(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self))
            if during.lines.last?.contains("in flight") == true, during.lines.count >= 2 { break }
        }
        #expect(during.lines.last?.hasPrefix("progress: 0/9 done") == true, "\(during.lines)")
        while script.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(script.terminationStatus == 1)

        let raw = try String(contentsOf: log, encoding: .utf8)
        #expect(raw.contains("\u{1B}[2K"), "the line was never redrawn in place")
        let screen = TerminalScreen(raw)
        // At the end the progress line is gone, and every log line above the report is whole.
        #expect(!screen.lines.contains { $0.contains("progress: ") }, "\(screen.lines)")
        let logs = screen.lines.prefix { !$0.hasPrefix("Run finished") }
        #expect(logs.count == 10, "\(screen.lines)")
        for line in logs {
            #expect(
                line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (info|error) summarize :"#, options: .regularExpression) != nil,
                "garbled: \(line)"
            )
        }
        #expect(screen.lines.contains { $0.hasPrefix("Run finished") })
    }
}

/// What a terminal shows after `text`: carriage returns move to the start of the line, line
/// feeds to the next one, `ESC [2K` erases the line; other characters overwrite.
struct TerminalScreen {
    var lines: [String] = []

    init() {}

    init(_ text: String) {
        var rows: [[Character]] = [[]]
        var column = 0
        var rest = Substring(text)
        while let character = rest.first {
            if rest.hasPrefix("\u{1B}[2K") {
                rows[rows.count - 1] = []
                rest = rest.dropFirst(4)
                continue
            }
            rest = rest.dropFirst()
            switch character {
            case "\r": column = 0
            case "\n", "\r\n":
                rows.append([])
                column = 0
            default:
                var row = rows[rows.count - 1]
                if column < row.count { row[column] = character } else { row.append(character) }
                rows[rows.count - 1] = row
                column += 1
            }
        }
        lines = rows.map { String($0) }.filter { !$0.isEmpty }
    }
}

/// A socket listening on a loopback port, to make the port busy.
struct ExternalToolListener {
    let socket: Int32

    init(port: Int) throws {
        socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard bound, listen(socket, 1) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    func close() { _ = Foundation.close(socket) }
}

extension ExternalTool {
    /// Runs `name` with `file` as its standard input.
    static func run(_ name: String, _ arguments: [String], inputFile file: URL) async throws -> (status: Int32, output: String) {
        guard let path = path(name) else { throw ToolMissing(name: name) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let log = file.deletingLastPathComponent().appendingPathComponent("\(name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardInput = try FileHandle(forReadingFrom: file)
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }
}
