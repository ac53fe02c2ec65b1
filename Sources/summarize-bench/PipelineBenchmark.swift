import ArgumentParser
import Builtins
import Foundation
import HTMLExtraction
import Logging
import SummarizerCore
import SummarizerTesting

/// `summarize-bench pipeline`: whole runs of the `summarize` program against the bound a run
/// cannot beat, min(concurrency ÷ latency, rate limit, cores ÷ CPU per item).
struct PipelineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Whole runs of `summarize run` (release build) on generated pages, against their physical bound.",
        discussion: """
            Generates --items work items over --distinct-pages article pages of --page-bytes each into a scratch folder, \
            writes a config as a user would (urlFile source, the file or http fetcher, readability, the mock summarizer \
            with a latency, one jsonl sink) and runs the summarize program next to this one once per measurement, each \
            in a process of its own so that its CPU time and peak RSS are its own.

            First a latency-0 pass (--cpu-concurrency) measures CPU per item, the bound's CPU term; the mock's own cost \
            per call is measured in this process on the same pages. Then one run per --concurrency × --latency-ms \
            pair, or, with --rate-per-minute, per concurrency with the summarizer behind a rateLimit middleware, where \
            the busiest window of each length is checked against the limit. Every run must write every item. The last \
            line is one JSON object.

            A run's first and last latency are spent filling and draining its slots: give it enough items to last \
            many latencies (20,000 at concurrency 256 and 200 ms). Examples: `--concurrency 64,256 --latency-ms 200 \
            --items 20000`; `--fetcher http --concurrency 64`; `--rate-per-minute 1200 --concurrency 8 --items 1500`; \
            `--concurrency 8 --latency-ms 0 --items 100000` for memory at scale.
            """
    )

    enum FetcherKind: String, ExpressibleByArgument, CaseIterable {
        case file, http
    }

    @Option(help: "Work items per run.")
    var items = 5_000

    @Option(help: "Bytes per generated page.")
    var pageBytes = 5_000

    @Option(help: "Distinct pages the items cycle through.")
    var distinctPages = 1_000

    @Option(help: "The fetcher: file (pages on disk) or http (the test kit's page server on 127.0.0.1).")
    var fetcher: FetcherKind = .file

    @Option(help: "Concurrency of the measured runs, comma-separated.")
    var concurrency = "64"

    @Option(help: "The mock's latency in milliseconds, comma-separated (default: 200, or 0 with --rate-per-minute).")
    var latencyMs: String?

    @Option(help: "Rate-limit mode: the summarizer's requests per minute.")
    var ratePerMinute: Double?

    @Option(help: "The rate limit's burst.")
    var burst = 10

    @Option(help: "Concurrency of the latency-0 pass that measures CPU per item.")
    var cpuConcurrency = 8

    @Option(help: ArgumentHelp("The summarize program; by default the one built next to this one.", valueName: "path"))
    var summarize: String?

    @Flag(help: "Keep the scratch folder (its path is printed).")
    var keep = false

    @Option(
        help: ArgumentHelp(
            "Instead of the measured runs: this many pairs of latency-0 runs at --cpu-concurrency, metrics off and on (--metrics-listen and --metrics-file), alternated; prints both medians and the cost.",
            valueName: "pairs"
        )
    )
    var compareMetrics = 0

    struct Measurement {
        var label: String
        var concurrency: Int
        var latencyMs: Int
        var items: Int
        var seconds: Double
        var cpuSeconds: Double
        var peakRSS: Int
        var bound: Double?
        var windows: [Window] = []
        /// Rate mode: calls per second after the burst, from the records' times.
        var sustained: Double?
        var itemsPerSecond: Double { Double(items) / seconds }
        var cpuPerItemMs: Double { cpuSeconds / Double(items) * 1000 }
    }

    /// The busiest window of one length in a rate-limited run, against what the limit allows.
    struct Window {
        var seconds: Double
        var busiest: Int
        var allowed: Int
    }

    func run() async throws {
        let program = try summarizeProgram()
        let concurrencies = try numbers(concurrency, "--concurrency")
        let latencies = try numbers(latencyMs ?? (ratePerMinute == nil ? "200" : "0"), "--latency-ms", minimum: 0)
        guard items > 0, distinctPages > 0, pageBytes > 0 else {
            throw ValidationError("--items, --distinct-pages and --page-bytes must be positive")
        }

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("summarize-bench-pipeline-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer {
            if keep { print("scratch folder kept: \(scratch.path)") } else { try? FileManager.default.removeItem(at: scratch) }
        }
        let pages = (0..<min(distinctPages, items)).map { ArticlePages.page($0, bytes: pageBytes) }
        let server = fetcher == .http ? try await LocalPageServer.start() : nil
        do {
            try await measure(pages, program: program, scratch: scratch, server: server, concurrencies: concurrencies, latencies: latencies)
            try await server?.shutdown()
        } catch {
            try? await server?.shutdown()
            throw error
        }
    }

    /// Serves or writes `pages`, then runs the latency-0 pass and every measurement.
    func measure(
        _ pages: [String],
        program: String,
        scratch: URL,
        server: LocalPageServer?,
        concurrencies: [Int],
        latencies: [Int]
    ) async throws {
        let urls: [String]
        if let server {
            urls = pages.indices.map { index in
                server.route("/p\(index).html", .page(pages[index]))
                return server.url("/p\(index).html")
            }
        } else {
            let folder = scratch.appendingPathComponent("pages")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            urls = try pages.indices.map { index in
                let file = folder.appendingPathComponent("p\(index).html")
                try Data(pages[index].utf8).write(to: file)
                return file.absoluteString
            }
        }
        let list = scratch.appendingPathComponent("items.jsonl")
        try writeItems(urls: urls, to: list)
        let bytes = pages.reduce(0) { $0 + $1.utf8.count } / pages.count
        print("\(items) items over \(pages.count) pages of \(bytes) bytes, \(fetcher) fetcher, \(ProcessInfo.processInfo.activeProcessorCount) cores")

        let mockMs = try await mockCost(pages)
        print(String(format: "mock summarizer: %.3f ms CPU per call (in this process, same pages)", mockMs))

        var runner = Runner(program: program, scratch: scratch, list: list, fetcher: fetcher, items: items)
        let cpuPass = try await runner.measure(label: "cpu pass", concurrency: cpuConcurrency, latencyMs: 0, rate: nil, burst: burst)
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        let cpuBound = cores / (cpuPass.cpuSeconds / Double(items))
        print(line(cpuPass))
        print(
            String(
                format: "CPU per item %.3f ms (everything but the mock: %.3f ms); CPU bound %.0f items/s on %.0f cores",
                cpuPass.cpuPerItemMs,
                cpuPass.cpuPerItemMs - mockMs,
                cpuBound,
                cores
            )
        )

        if compareMetrics > 0 {
            try await compareMetricsCost(&runner)
            return
        }

        var results: [Measurement] = []
        for latency in latencies {
            for concurrency in concurrencies {
                var result = try await runner.measure(
                    label: ratePerMinute.map { "rate \(Int($0))/min" } ?? "latency-bound",
                    concurrency: concurrency,
                    latencyMs: latency,
                    rate: ratePerMinute,
                    burst: burst
                )
                var terms = [cpuBound]
                if latency > 0 { terms.append(Double(concurrency) / (Double(latency) / 1000)) }
                if let ratePerMinute { terms.append(ratePerMinute / 60) }
                result.bound = terms.min()
                report(result)
                results.append(result)
            }
        }
        printJSON(cpuPass: cpuPass, mockMs: mockMs, cpuBound: cpuBound, results: results)
    }

    /// Pairs of latency-0 runs, metrics off then on, each its own process; the medians of both
    /// and what the metrics cost in throughput.
    func compareMetricsCost(_ runner: inout Runner) async throws {
        var off: [Double] = []
        var on: [Double] = []
        var cpuOff: [Double] = []
        var cpuOn: [Double] = []
        for pair in 1...compareMetrics {
            let plain = try await runner.measure(label: "metrics off", concurrency: cpuConcurrency, latencyMs: 0, rate: nil, burst: burst)
            print(line(plain))
            let metricsFile = runner.scratch.appendingPathComponent("metrics-\(pair).prom").path
            let watched = try await runner.measure(
                label: "metrics on",
                concurrency: cpuConcurrency,
                latencyMs: 0,
                rate: nil,
                burst: burst,
                extraArguments: ["--metrics-listen", "127.0.0.1:0", "--metrics-file", metricsFile]
            )
            print(line(watched))
            guard let text = try? String(contentsOfFile: metricsFile, encoding: .utf8), text.contains("summarize_items_total") else {
                throw ChildProcess.Failure(description: "the metrics-on run wrote no metrics to \(metricsFile)")
            }
            off.append(plain.itemsPerSecond)
            on.append(watched.itemsPerSecond)
            cpuOff.append(plain.cpuPerItemMs)
            cpuOn.append(watched.cpuPerItemMs)
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        let (plain, watched) = (median(off), median(on))
        print(
            String(
                format: "metrics off: %.0f items/s, metrics on: %.0f items/s (medians of %d runs each): the metrics cost %.1f%% of throughput",
                plain,
                watched,
                compareMetrics,
                (plain - watched) / plain * 100
            )
        )
        // CPU per item is the steadier figure: throughput also moves with whatever else the
        // machine is doing.
        let (cpuPlain, cpuWatched) = (median(cpuOff), median(cpuOn))
        print(
            String(
                format: "CPU per item: metrics off %.3f ms, on %.3f ms (medians): the metrics cost %.1f%% of CPU",
                cpuPlain,
                cpuWatched,
                (cpuWatched - cpuPlain) / cpuPlain * 100
            )
        )
    }

    func report(_ result: Measurement) {
        print(line(result))
        if let sustained = result.sustained, let ratePerMinute {
            print(String(format: "  after the burst: %.2f calls/s, %.3f of the limit", sustained, sustained / (ratePerMinute / 60)))
        }
        for window in result.windows {
            print(
                "  busiest \(Int(window.seconds)) s window: \(window.busiest) calls, the limit allows \(window.allowed)"
                    + (window.busiest > window.allowed ? "  OVER THE LIMIT" : "")
            )
        }
    }

    func summarizeProgram() throws -> String {
        let path =
            summarize
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("summarize").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError("no summarize program at \(path): build it first (swift build -c release --product summarize) or pass --summarize")
        }
        return path
    }

    func numbers(_ text: String, _ option: String, minimum: Int = 1) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= minimum }) else {
            throw ValidationError("\(option) takes comma-separated whole numbers of at least \(minimum), not \(text)")
        }
        return values.map { $0! }
    }

    /// One JSON line per item, each with an id of its own (the pages repeat, the items do not).
    func writeItems(urls: [String], to file: URL) throws {
        try Data().write(to: file)
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var chunk = ""
        for index in 0..<items {
            let id = "00000000-0000-4000-8000-" + String(String(index).reversed()).padding(toLength: 12, withPad: "0", startingAt: 0)
            chunk += #"{"id":"\#(id)","url":"\#(urls[index % urls.count])"}"# + "\n"
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
    }

    /// CPU milliseconds per call of the mock summarizer on the extracted pages, in this process.
    func mockCost(_ pages: [String]) async throws -> Double {
        let extractor = ReadabilityExtractor()
        let context = StageContext(logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        var articles: [Article] = []
        for html in pages.prefix(200) {
            let page = FetchedPage(
                finalURL: "https://bench.test/",
                status: 200,
                headers: [:],
                body: Array(html.utf8),
                text: html,
                contentType: "text/html",
                charset: "utf-8",
                method: .file,
                fetchSeconds: 0
            )
            articles.append(try await extractor.extract(page, item: WorkItem(url: page.finalURL), context: context))
        }
        let mock = MockSummarizer()
        let requests = articles.map { SummaryRequest(item: WorkItem(url: "https://bench.test/"), input: .article($0)) }
        for request in requests { _ = try await mock.summarize(request, context: context) }
        let passes = 5
        let start = CPUTime.now()
        for _ in 0..<passes {
            for request in requests { _ = try await mock.summarize(request, context: context) }
        }
        return (CPUTime.now() - start) / Double(passes * requests.count) * 1000
    }

    func line(_ result: Measurement) -> String {
        var text = String(
            format: "%-14@ c=%-4d latency %4d ms  %7.1f items/s  CPU %.3f ms/item  peak RSS %.1f MB",
            result.label,
            result.concurrency,
            result.latencyMs,
            result.itemsPerSecond,
            result.cpuPerItemMs,
            Double(result.peakRSS) / 1_048_576
        )
        if let bound = result.bound {
            text += String(format: "  bound %.1f/s  ratio %.3f", bound, result.itemsPerSecond / bound)
        }
        return text
    }

    func printJSON(cpuPass: Measurement, mockMs: Double, cpuBound: Double, results: [Measurement]) {
        func round(_ value: Double, _ places: Double = 1000) -> Double { (value * places).rounded() / places }
        func object(_ result: Measurement) -> [String: Any] {
            var fields: [String: Any] = [
                "concurrency": result.concurrency, "latency_ms": result.latencyMs, "items": result.items,
                "items_per_second": round(result.itemsPerSecond, 10), "cpu_ms_per_item": round(result.cpuPerItemMs),
                "peak_rss_mb": round(Double(result.peakRSS) / 1_048_576, 10),
            ]
            if let bound = result.bound {
                fields["bound"] = round(bound, 10)
                fields["ratio"] = round(result.itemsPerSecond / bound)
            }
            if let sustained = result.sustained {
                fields["sustained_per_second"] = round(sustained)
            }
            if !result.windows.isEmpty {
                fields["windows"] = result.windows.map { ["seconds": $0.seconds, "busiest": $0.busiest, "allowed": $0.allowed] }
            }
            return fields
        }
        let json: [String: Any] = [
            "fetcher": fetcher.rawValue, "page_bytes": pageBytes, "items": items,
            "mock_cpu_ms_per_call": round(mockMs), "cpu_pass": object(cpuPass), "cpu_bound": round(cpuBound, 10),
            "cpu_ms_per_item_without_mock": round(cpuPass.cpuPerItemMs - mockMs), "rate_per_minute": ratePerMinute ?? NSNull(),
            "results": results.map(object),
        ]
        if let data = try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// Writes one run's config, runs `summarize run` on it and reads what it did.
struct Runner {
    var program: String
    var scratch: URL
    var list: URL
    var fetcher: PipelineBenchmark.FetcherKind
    var items: Int
    var runs = 0

    mutating func measure(
        label: String,
        concurrency: Int,
        latencyMs: Int,
        rate: Double?,
        burst: Int,
        extraArguments: [String] = []
    ) async throws
        -> PipelineBenchmark.Measurement
    {
        runs += 1
        let folder = scratch.appendingPathComponent("run\(runs)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("config.json")
        try Data(configText(concurrency: concurrency, latencyMs: latencyMs, rate: rate, burst: burst).utf8).write(to: config)
        let log = folder.appendingPathComponent("run.log").path
        let outcome = try await ChildProcess.run(
            program,
            ["run", "--config", config.path, "--progress", "never"] + extraArguments,
            stdout: folder.appendingPathComponent("stdout").path,
            stderr: log
        )
        let report = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let summary = report.components(separatedBy: "\n").last { $0.hasPrefix("Run finished in ") } ?? ""
        guard outcome.status == 0, let seconds = Self.number(after: "Run finished in ", in: summary),
            let written = Self.number(after: ", ", in: summary.components(separatedBy: " read").dropFirst().first ?? "")
        else {
            throw ChildProcess.Failure(description: "the run in \(folder.path) failed (exit \(outcome.status)); see \(log)")
        }
        let times = try generatedTimes(folder.appendingPathComponent("out.jsonl"))
        guard Int(written) == items, times.count == items else {
            throw ChildProcess.Failure(
                description: "the run in \(folder.path) wrote \(Int(written)) records and the sink holds \(times.count), not \(items)"
            )
        }
        var result = PipelineBenchmark.Measurement(
            label: label,
            concurrency: concurrency,
            latencyMs: latencyMs,
            items: items,
            seconds: seconds,
            cpuSeconds: outcome.cpuSeconds,
            peakRSS: outcome.peakRSS
        )
        if let rate {
            let sorted = times.sorted()
            result.windows = Self.windows(sorted, ratePerSecond: rate / 60, burst: burst)
            // The first `burst` calls go at once; the rest at the limit's pace.
            if sorted.count > burst + 1 {
                result.sustained = Double(sorted.count - burst - 1) / (sorted[sorted.count - 1] - sorted[burst])
            }
        }
        return result
    }

    func configText(concurrency: Int, latencyMs: Int, rate: Double?, burst: Int) -> String {
        let fetcherConfig =
            switch fetcher {
            case .file: #"{ "type": "file" }"#
            case .http:
                #"{ "type": "http", "allowAddresses": ["127.0.0.1/32"], "maxConnectionsPerHost": \#(concurrency), "maxConcurrentPerHost": \#(concurrency), "maxConnections": \#(concurrency) }"#
            }
        // The summarizer retries as every config's does; only rate mode limits it (the default
        // chain's 60 a minute would be the bound of every run otherwise).
        let chain = rate == nil ? #"["retry"]"# : #"["retry", "limit"]"#
        return """
            {
              "source": { "type": "urlFile", "path": "\(list.path)" },
              "fetcher": \(fetcherConfig),
              "extractor": { "type": "readability" },
              "summarizer": { "type": "mock", "latencyMilliseconds": \(latencyMs), "middleware": \(chain) },
              "sinks": [ { "type": "jsonl", "path": "out.jsonl" } ],
              "deadLetter": { "type": "jsonl", "path": "failed.jsonl" },
              "middleware": {
                "retry": { "type": "retry", "maxAttempts": 3, "baseDelaySeconds": 2 },
                "limit": { "type": "rateLimit", "requestsPerMinute": \(rate ?? 60), "burst": \(burst) }
              },
              "run": { "concurrency": \(concurrency), "batchSize": 100 }
            }
            """
    }

    static func number(after prefix: String, in text: String) -> Double? {
        guard let range = text.range(of: prefix) else { return nil }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    /// The `generated_at` time of every record in the JSON-lines file, in seconds.
    func generatedTimes(_ file: URL) throws -> [Double] {
        let text = try String(contentsOf: file, encoding: .utf8)
        let key = #""generated_at":""#
        return text.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: key) else { return nil }
            let value = line[range.upperBound...].prefix { $0 != "\"" }
            return ISO8601.date(from: String(value))?.timeIntervalSince1970
        }
    }

    /// For windows of 1, 10 and 60 seconds (those shorter than the run), the most records made
    /// in any one, against what a token bucket of `burst` filled at `ratePerSecond` allows.
    static func windows(_ times: [Double], ratePerSecond: Double, burst: Int) -> [PipelineBenchmark.Window] {
        guard let first = times.first, let last = times.last else { return [] }
        return [1.0, 10, 60].filter { $0 <= last - first }.map { length in
            var busiest = 0
            var start = 0
            for end in times.indices {
                while times[end] - times[start] >= length { start += 1 }
                busiest = max(busiest, end - start + 1)
            }
            return PipelineBenchmark.Window(
                seconds: length,
                busiest: busiest,
                allowed: burst + Int((ratePerSecond * length).rounded(.down))
            )
        }
    }
}

/// The process's CPU time (user and system), in seconds.
enum CPUTime {
    static func now() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_utime.seconds + usage.ru_stime.seconds
    }
}
