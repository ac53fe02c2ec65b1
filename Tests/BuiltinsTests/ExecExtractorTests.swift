import Builtins
import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Testing

/// The `exec` extractor against real worker processes: a small Python program that speaks the
/// protocol, and misbehaves on request (crashes, hangs, answers out of turn).
@Suite("exec extractor with real worker processes")
struct ExecExtractorTests {
    static let silent = Logger(label: "exec-tests") { _ in SwiftLogNoOpLogHandler() }

    static let worker = """
        import json, os, re, sys, time
        sys.stderr.write("worker %d ready\\n" % os.getpid())
        sys.stderr.flush()
        for line in sys.stdin:
            request = json.loads(line)
            url, html = request["url"], request["html"]
            if "crash" in url:
                os._exit(3)
            if "hang" in url:
                time.sleep(60)
            if "refuse" in url:
                answer = {"id": request["id"], "error": {"kind": "invalidContent", "message": "no article here"}}
            elif "wrong-id" in url:
                answer = {"id": "someone-else", "text": "x"}
            else:
                title = re.search(r"<title>(.*?)</title>", html).group(1)
                text = re.sub(r"<[^>]+>", " ", html.split("<body>")[1])
                answer = {"id": request["id"], "title": title, "text": " ".join(text.split()),
                          "metadata": {"sitename": "Example", "pid": os.getpid()}}
            sys.stdout.write(json.dumps(answer) + "\\n")
            sys.stdout.flush()
        """

    /// An extractor running the test worker from a temporary file.
    static func extractor(workers: Int = 2, timeout: Duration = .seconds(10), logger: Logger = ExecExtractorTests.silent) throws -> ExecExtractor {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("worker.py")
        try worker.write(to: script, atomically: true, encoding: .utf8)
        var configuration = ExecExtractor.Configuration(command: "python3")
        configuration.arguments = [script.path]
        configuration.workers = workers
        configuration.timeout = timeout
        return ExecExtractor(configuration: configuration, logger: logger)
    }

    static func page(_ path: String, title: String = "Pioneers win", body: String = "<p>The Pioneers won in overtime.</p>") -> (FetchedPage, WorkItem)
    {
        let url = "https://example.test/\(path)"
        let html = "<html><head><title>\(title)</title></head><body>\(body)</body></html>"
        return (FetchedPage(finalURL: url, body: Array(html.utf8), text: html, method: .direct), WorkItem(id: path, url: url))
    }

    static func extract(_ extractor: ExecExtractor, _ path: String) async -> Result<Article, PipelineError> {
        let (page, item) = page(path)
        do {
            return .success(try await extractor.extract(page, item: item, context: StageContext(logger: Self.silent)))
        } catch {
            return .failure(PipelineError.from(error))
        }
    }

    @Test func articlesComeBackFromConcurrentWorkers() async throws {
        let extractor = try Self.extractor(workers: 2)
        let articles = try await withServices([extractor]) {
            try await withThrowingTaskGroup(of: Article.self) { group in
                for index in 0..<12 {
                    group.addTask { try await Self.extract(extractor, "story-\(index)").get() }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(articles.count == 12)
        #expect(articles.allSatisfy { $0.title == "Pioneers win" && $0.text == "The Pioneers won in overtime." })
        #expect(articles.allSatisfy { $0.extractor == "exec" && $0.siteName == "Example" })
    }

    @Test func aCrashingWorkerFailsItsRequestAndIsReplaced() async throws {
        let extractor = try Self.extractor(workers: 1)
        try await withServices([extractor]) { () async throws -> Void in
            let crashed = await Self.extract(extractor, "crash")
            guard case .failure(let error) = crashed else {
                Issue.record("a crashed worker produced an article")
                return
            }
            #expect(error.kind == .transient && error.reason == "worker-exited")
            #expect(error.message.contains("exited with status 3"))
            // The next request gets a fresh worker.
            #expect(try await Self.extract(extractor, "next-story").get().text == "The Pioneers won in overtime.")
        }
    }

    @Test func aHangingWorkerTimesOutIsKilledAndReplaced() async throws {
        // Long enough for a fresh python3 worker to start on a loaded machine.
        let extractor = try Self.extractor(workers: 1, timeout: .seconds(3))
        try await withServices([extractor]) { () async throws -> Void in
            let start = ContinuousClock.now
            guard case .failure(let error) = await Self.extract(extractor, "hang") else {
                Issue.record("a hanging worker produced an article")
                return
            }
            #expect(error.kind == .transient && error.reason == "timeout")
            #expect(ContinuousClock.now - start < .seconds(15))
            #expect(try await Self.extract(extractor, "next-story").get().title == "Pioneers win")
        }
    }

    @Test func workerErrorsAndProtocolViolationsBecomePipelineErrors() async throws {
        let extractor = try Self.extractor(workers: 1)
        try await withServices([extractor]) { () async throws -> Void in
            guard case .failure(let refused) = await Self.extract(extractor, "refuse") else {
                Issue.record("a refusal produced an article")
                return
            }
            #expect(refused.kind == .invalidContent && refused.message.contains("no article here"))
            guard case .failure(let confused) = await Self.extract(extractor, "wrong-id") else {
                Issue.record("an answer to another request was accepted")
                return
            }
            #expect(confused.reason == "worker-protocol")
            #expect(try await Self.extract(extractor, "fine").get().text == "The Pioneers won in overtime.")
        }
    }

    @Test func stderrGoesToTheLogAndAMissingCommandIsAClearError() async throws {
        let recorder = RecordingLogHandlerStore()
        let extractor = try Self.extractor(workers: 1, logger: recorder.logger())
        try await withServices([extractor]) { _ = try await Self.extract(extractor, "story").get() }
        #expect(recorder.messages.contains { $0.contains("exec worker: worker") && $0.contains("ready") })

        var configuration = ExecExtractor.Configuration(command: "no-such-extractor-command")
        configuration.workers = 1
        let missing = ExecExtractor(configuration: configuration, logger: Self.silent)
        let result = try await withServices([missing]) { await Self.extract(missing, "story") }
        guard case .failure(let error) = result else {
            Issue.record("a missing command produced an article")
            return
        }
        // env reports the missing program and exits 127.
        #expect(error.kind == .transient && error.message.contains("status 127"))
    }
}
