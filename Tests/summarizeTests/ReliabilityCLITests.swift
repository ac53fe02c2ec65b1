import Foundation
import SummarizerTesting
import Testing

/// A run of `summarize` against pages served on 127.0.0.1, for the tests that stop or kill it.
struct PageRun {
    let folder: URL
    let server: LocalPageServer
    let urls: [String]

    /// `count` distinct pages, a config with the http fetcher, the mock summarizer held to
    /// `perSecond` calls a second (so a run lasts long enough to be interrupted), jsonl sinks.
    static func start(
        count: Int,
        perSecond: Int,
        concurrency: Int = 8,
        batchSize: Int = 5,
        graceSeconds: Double = 30
    ) async throws
        -> PageRun
    {
        let page = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/week9-recap.html"), encoding: .utf8)
        var routes: [String: LocalPageServer.Behaviour] = [:]
        for index in 1...count { routes["/news/\(index).html"] = .page(page) }
        let server = try await LocalPageServer.start(routes: routes)
        let folder = try CLIRunner.sandbox()
        let urls = (1...count).map { server.url("/news/\($0).html") }
        try (urls.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
        let config = """
            {
              "source": {"type": "urlFile", "path": "urls.txt"},
              "fetcher": {"type": "http", "allowAddresses": ["127.0.0.1/32"], "middleware": []},
              "extractor": {"type": "readability"},
              "summarizer": {"type": "mock", "middleware": ["pace"]},
              "sinks": [{"type": "jsonl", "path": "out/summaries.jsonl"}],
              "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"},
              "middleware": {"pace": {"type": "rateLimit", "requestsPerMinute": \(perSecond * 60), "burst": 1}},
              "run": {"concurrency": \(concurrency), "batchSize": \(batchSize), "flushIntervalSeconds": 0.2, "shutdownGraceSeconds": \(graceSeconds)}
            }
            """
        try config.write(to: folder.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
        return PageRun(folder: folder, server: server, urls: urls)
    }

    /// Changes the summarizer's pace in run.json (a later run need not be slow).
    func setPace(perSecond: Int) throws {
        let path = folder.appendingPathComponent("run.json")
        let text = try String(contentsOf: path, encoding: .utf8)
        guard let range = text.range(of: #""requestsPerMinute": \d+"#, options: .regularExpression) else { throw CancellationError() }
        try text.replacingCharacters(in: range, with: "\"requestsPerMinute\": \(perSecond * 60)").write(to: path, atomically: true, encoding: .utf8)
    }

    var output: URL { folder.appendingPathComponent("out/summaries.jsonl") }

    /// The ids of the output's lines; fails the test on a line that is not a JSON object. With
    /// `completeLinesOnly`, an unfinished last line is left out: one a run is writing now, or one
    /// SIGKILL cut part way through a batch's write, which the next run's start repairs (the
    /// final read of each test, without it, checks that the file ends whole).
    func outputIDs(completeLinesOnly: Bool = false) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: output.path) else { return [] }
        var text = String(decoding: data, as: UTF8.self)
        if completeLinesOnly, let lastNewline = text.lastIndex(of: "\n") {
            text = String(text[...lastNewline])
        } else if completeLinesOnly {
            text = ""
        }
        if !text.isEmpty { #expect(text.hasSuffix("\n"), "the output ends in the middle of a line") }
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try #require(object?["news_url_id"] as? String)
        }
    }

    func start() throws -> CLIRunner.Running {
        try CLIRunner.start(["run", "--config", "run.json"], in: folder)
    }

    /// Waits until the output holds at least `lines` records.
    func waitForOutput(_ lines: Int, timeout: Duration = .seconds(60)) async throws {
        let start = ContinuousClock.now
        while (try? outputIDs(completeLinesOnly: true).count) ?? 0 < lines {
            guard ContinuousClock.now - start < timeout else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func stop() async throws {
        try await server.shutdown()
        try? FileManager.default.removeItem(at: folder)
    }
}

// Serialized: the runs are timed against each other's load as little as possible, and start many processes.
@Suite("summarize under signals and kill -9", .serialized)
struct ReliabilityCLITests {
    @Test(arguments: [(SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM")])
    func aSignalStopsGracefullyAndTheNextRunFinishesTheRest(signal: Int32, code: Int32, name: String) async throws {
        // Slow enough (12 s) that the signal lands mid-run however busy the machine is.
        let run = try await PageRun.start(count: 120, perSecond: 10)
        let first = try run.start()
        try await run.waitForOutput(5)
        first.send(signal)
        let stopped = try await first.wait()
        #expect(stopped.status == code, "stderr: \(stopped.stderr)")
        #expect(stopped.stderr.contains("Stopped: stopped early: \(name) received; the items not done are left for the next run"))
        let written = try run.outputIDs()
        #expect(written.count < 120)
        // The report counts exactly what the file holds: nothing acknowledged was lost.
        #expect(stopped.stderr.contains("\(written.count) written, 0 failed"))

        try run.setPace(perSecond: 1000)
        let second = try await CLIRunner.run(["run", "--config", "run.json"], in: run.folder)
        #expect(second.status == 0, "stderr: \(second.stderr)")
        #expect(second.stderr.contains("\(120 - written.count) written, 0 failed, \(written.count) skipped"))
        let all = try run.outputIDs()
        #expect(all.count == 120 && Set(all).count == 120)
        try await run.stop()
    }

    @Test func aSecondSIGINTExitsAtOnceAndLeavesWholeLines() async throws {
        // Slow enough that the in-flight items would take seconds to finish after the first signal.
        let run = try await PageRun.start(count: 60, perSecond: 1, concurrency: 8, batchSize: 1)
        let process = try run.start()
        try await run.waitForOutput(1)
        process.send(SIGINT)
        try await Task.sleep(for: .milliseconds(200))
        let second = ContinuousClock.now
        process.send(SIGINT)
        let result = try await process.wait()
        // The items in flight would need about 7 s more (one token a second).
        #expect(ContinuousClock.now - second < .seconds(4))
        #expect(result.status == 130)
        #expect(result.stderr.contains("a second signal, exiting at once"))
        let written = try run.outputIDs()
        #expect(written.count >= 1 && Set(written).count == written.count)
        try await run.stop()
    }

    @Test func theDeadlineEndsTheRunWithExit2AndTheNextRunFinishes() async throws {
        let run = try await PageRun.start(count: 60, perSecond: 10)
        let path = run.folder.appendingPathComponent("run.json")
        try String(contentsOf: path, encoding: .utf8)
            .replacingOccurrences(of: #""shutdownGraceSeconds""#, with: #""maxDurationSeconds": 1, "shutdownGraceSeconds""#)
            .write(to: path, atomically: true, encoding: .utf8)
        let first = try await CLIRunner.run(["run", "--config", "run.json"], in: run.folder)
        #expect(first.status == 2, "stderr: \(first.stderr)")
        #expect(first.stderr.contains("Stopped: stopped early: the run reached run.maxDurationSeconds (1.0 s)"))
        let written = try run.outputIDs()
        #expect(written.count > 0 && written.count < 60)

        try run.setPace(perSecond: 1000)
        // The next run has time enough, however busy the machine.
        try String(contentsOf: path, encoding: .utf8)
            .replacingOccurrences(of: #""maxDurationSeconds": 1,"#, with: #""maxDurationSeconds": 600,"#)
            .write(to: path, atomically: true, encoding: .utf8)
        let second = try await CLIRunner.run(["run", "--config", "run.json"], in: run.folder)
        #expect(second.status == 0, "stderr: \(second.stderr)")
        #expect(second.stderr.contains("\(60 - written.count) written, 0 failed, \(written.count) skipped"))
        try await run.stop()
    }

    @Test func aSecondRunOnTheSameOutputIsRefusedWhileTheFirstRuns() async throws {
        let run = try await PageRun.start(count: 60, perSecond: 10)
        let first = try run.start()
        try await run.waitForOutput(1)
        let second = try await CLIRunner.run(["run", "--config", "run.json"], in: run.folder)
        #expect(second.status == 2)
        #expect(second.stderr.contains("out/summaries.jsonl is being written by another run"), "stderr: \(second.stderr)")
        first.send(SIGTERM)
        #expect(try await first.wait().status == 143)
        // The refused run wrote nothing: every line is the first run's, once.
        let written = try run.outputIDs()
        #expect(Set(written).count == written.count)
        try await run.stop()
    }

    @Test func aSignalEndsARunWaitingOnStandardInputAtOnce() async throws {
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        try String(contentsOf: folder.appendingPathComponent("config.json"), encoding: .utf8)
            .replacingOccurrences(of: #"{ "type": "urlFile", "path": "Examples/urls.txt" }"#, with: #"{ "type": "stdin" }"#)
            // A batch of one: a partial batch is flushed only when a later result arrives.
            .replacingOccurrences(of: #""batchSize": 100"#, with: #""batchSize": 1"#)
            .write(to: folder.appendingPathComponent("stdin.json"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = CLIRunner.executable
        process.arguments = ["run", "--config", "stdin.json"]
        process.currentDirectoryURL = folder
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        let errURL = folder.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        // One URL, then the pipe stays open: the source waits for a line that never comes.
        input.fileHandleForWriting.write(Data("Examples/pages/week9-recap.html\n".utf8))
        let output = folder.appendingPathComponent("out/summaries.jsonl")
        let start = ContinuousClock.now
        while (FileManager.default.contents(atPath: output.path)?.count ?? 0) == 0 {
            guard ContinuousClock.now - start < .seconds(60) else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(process.processIdentifier, SIGTERM)
        let signalled = ContinuousClock.now
        while process.isRunning {
            guard ContinuousClock.now - signalled < .seconds(20) else {
                kill(process.processIdentifier, SIGKILL)
                Issue.record("the run kept waiting for standard input after SIGTERM")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        try input.fileHandleForWriting.close()
        let stderr = try String(contentsOf: errURL, encoding: .utf8)
        #expect(process.terminationStatus == 143, "stderr: \(stderr)")
        #expect(stderr.contains("1 read, 1 written, 0 failed"), "stderr: \(stderr)")
    }

    @Test func killedTwentyTimesAtRandomTheRunStillFinishesWithEveryItemOnce() async throws {
        let count = 500
        let run = try await PageRun.start(count: count, perSecond: 80)
        var generator = SystemRandomNumberGenerator()
        var killedWhileRunning = 0
        var progress: [Int] = []
        for _ in 0..<20 {
            let process = try run.start()
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...400, using: &generator)))
            if process.isRunning {
                process.send(SIGKILL)
                killedWhileRunning += 1
            }
            _ = try await process.wait()
            progress.append(try run.outputIDs(completeLinesOnly: true).count)
        }
        #expect(killedWhileRunning == 20, "records after each kill: \(progress)")
        #expect(progress.last ?? 0 < count, "every item was done before the last kill: \(progress)")

        let final = try await CLIRunner.run(["run", "--config", "run.json"], in: run.folder)
        #expect(final.status == 0, "stderr: \(final.stderr)")
        let ids = try run.outputIDs()
        #expect(ids.count == count, "records after each kill: \(progress)")
        #expect(Set(ids).count == count)
        #expect(!FileManager.default.fileExists(atPath: run.folder.appendingPathComponent("out/failed.jsonl").path))
        try await run.stop()
    }
}

@Suite("summarize replay")
struct ReplayCLITests {
    func lines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func replayWritesWhatNowSucceedsUsesStoredRecordsAndKeepsTheRestWithTheirHistory() async throws {
        let page = try String(contentsOf: CLIRunner.repositoryRoot.appendingPathComponent("Examples/pages/week9-recap.html"), encoding: .utf8)
        let server = try await LocalPageServer.start(routes: ["/a.html": .page(page), "/b.html": .status(503), "/c.html": .status(404)])
        let folder = try CLIRunner.sandbox()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "\(server.url("/a.html"))\n\(server.url("/b.html"))\nftp://files.example/x\n\(server.url("/c.html"))\n"
            .write(to: folder.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
        try """
        {
          "source": {"type": "urlFile", "path": "urls.txt"},
          "fetcher": {"type": "http", "allowAddresses": ["127.0.0.1/32"], "middleware": []},
          "extractor": {"type": "readability"},
          "summarizer": {"type": "mock", "middleware": []},
          "sinks": [{"type": "jsonl", "path": "out/summaries.jsonl"}],
          "deadLetter": {"type": "jsonl", "path": "out/failed.jsonl"}
        }
        """.write(to: folder.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
        let first = try await CLIRunner.run(["run", "--config", "run.json"], in: folder)
        #expect(first.status == 1, "stderr: \(first.stderr)")
        let output = folder.appendingPathComponent("out/summaries.jsonl")
        let failed = folder.appendingPathComponent("out/failed.jsonl")
        #expect(try lines(failed).count == 3)

        // Make a's record a failure at the sink stage, as a sink outage would have left it.
        let recordLine = try String(contentsOf: output, encoding: .utf8).trimmingCharacters(in: .newlines)
        var record = try #require(try JSONSerialization.jsonObject(with: Data(recordLine.utf8)) as? [String: Any])
        record["llm_model"] = "stored-before-the-outage"
        let sinkFailure: [String: Any] = [
            "news_url_id": record["news_url_id"]!, "url": record["url"]!, "stage": "sink", "error_kind": "transient",
            "message": "the postgres sink did not store the record: connection refused", "attempts": 3,
            "history": [], "failed_at": "2026-11-30T00:00:00Z", "record": record,
        ]
        let sinkLine = String(decoding: try JSONSerialization.data(withJSONObject: sinkFailure, options: [.sortedKeys]), as: UTF8.self)
        try "".write(to: output, atomically: true, encoding: .utf8)
        let handle = try FileHandle(forWritingTo: failed)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((sinkLine + "\nnot json at all\n").utf8))
        try handle.close()

        server.route("/b.html", .page(page))
        let hitsBefore = server.hits("/a.html")
        let replay = try await CLIRunner.run(["replay", "--config", "run.json"], in: folder)
        #expect(replay.status == 1, "stderr: \(replay.stderr)")
        #expect(
            replay.stderr.contains(
                "3 items, 2 delivered to the sinks that lacked them (left the file), 1 failed again (history grown), 0 not finished (kept); 1 rejected source entries kept"
            ),
            "stderr: \(replay.stderr)"
        )
        // a came from its stored record: no fetch, no LLM call; only b was summarized.
        #expect(server.hits("/a.html") == hitsBefore)
        #expect(replay.stderr.contains("LLM: 1 calls"))

        let written = try lines(output)
        #expect(written.count == 2)
        #expect(written.contains { $0["llm_model"] as? String == "stored-before-the-outage" })
        #expect(written.contains { $0["url"] as? String == server.url("/b.html") })

        let remaining = try String(contentsOf: failed, encoding: .utf8).split(separator: "\n")
        #expect(remaining.count == 3)
        #expect(remaining.contains("not json at all"))
        let objects = remaining.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let c = try #require(objects.first { $0["url"] as? String == server.url("/c.html") })
        #expect(c["attempts"] as? Int == 2)
        #expect((c["history"] as? [Any])?.count == 2)
        #expect(objects.contains { $0["stage"] as? String == "source" && $0["url"] as? String == "ftp://files.example/x" })

        // Nothing left that could succeed: a second replay changes nothing but c's history.
        let again = try await CLIRunner.run(["replay", "--config", "run.json"], in: folder)
        #expect(again.status == 1)
        #expect(
            again.stderr.contains("1 items, 0 delivered to the sinks that lacked them (left the file), 1 failed again"),
            "stderr: \(again.stderr)"
        )
        try await server.shutdown()
    }
}
