import Foundation
import SummarizerCore
import SummarizerTesting
import Testing

/// One fetch fault on one URL beside a healthy one: the healthy item is always written.
func fetchFault(
    _ behaviour: LocalPageServer.Behaviour,
    fetcher: String = #"{"type": "http", "allowAddresses": ["127.0.0.1/32"], "middleware": ["retry"]}"#,
    _ check: (FaultRun, _ faulty: String) throws -> Void
) async throws {
    let server = try await LocalPageServer.start(routes: ["/fault.html": behaviour, "/healthy.html": .page(articlePage)])
    let bench = try FaultBench()
    defer { bench.cleanUp() }
    let urls = [server.url("/fault.html"), server.url("/healthy.html")]
    try bench.writeURLs(urls)
    let run = try await bench.run(FaultBench.config(fetcher: fetcher))
    try await server.shutdown()
    #expect(run.stored.contains(WorkItem.derivedID(for: urls[1])), "the healthy item was not written")
    #expect(run.lost == 0)
    #expect(run.missing(urls.map(WorkItem.derivedID)).isEmpty)
    #expect(run.written == run.stored.count && run.failed == run.deadLettered.count)
    try check(run, WorkItem.derivedID(for: urls[0]))
}

@Suite("Fault matrix: fetch")
struct FetchFaultTests {
    @Test func tooManyRequestsWithRetryAfterIsWaitedOutThenWritten() async throws {
        try await fetchFault(.sequence([.status(429, headers: [("Retry-After", "1")]), .page(articlePage)])) { run, _ in
            #expect((run.written, run.failed, run.retried) == (2, 0, 1))
            // The server's hint (1 s), not the 10 ms backoff, set the wait.
            #expect(run.report.durationSeconds >= 0.9)
        }
    }

    @Test func serverErrorsThenSuccessAreRetried() async throws {
        try await fetchFault(.sequence([.status(500), .status(503), .page(articlePage)])) { run, _ in
            #expect((run.written, run.failed, run.retried) == (2, 0, 2))
        }
    }

    @Test func aTimeoutIsRetriedThenDeadLettered() async throws {
        let fetcher = #"{"type": "http", "allowAddresses": ["127.0.0.1/32"], "timeoutSeconds": 1, "middleware": ["retry"]}"#
        try await fetchFault(.stall(), fetcher: fetcher) { run, faulty in
            // The faulty item's two retries; on a loaded machine the healthy one may need one too.
            #expect((run.written, run.failed) == (1, 1) && run.retried >= 2)
            #expect(run.failure(faulty)?.reason == "timeout" && run.failure(faulty)?.attempts == 3)
        }
    }

    @Test func aConnectionResetIsRetried() async throws {
        try await fetchFault(.sequence([.reset, .page(articlePage)])) { run, _ in
            #expect((run.written, run.failed, run.retried) == (2, 0, 1))
        }
    }

    @Test func anOversizeBodyFailsWithoutRetries() async throws {
        let big = Array(articlePage.utf8) + Array(repeating: UInt8(ascii: " "), count: 200_000)
        let fetcher = #"{"type": "http", "allowAddresses": ["127.0.0.1/32"], "maxBodyBytes": 100000, "middleware": ["retry"]}"#
        try await fetchFault(.page(headers: [("Content-Type", "text/html")], body: big), fetcher: fetcher) { run, faulty in
            #expect((run.written, run.failed, run.retried) == (1, 1, 0))
            #expect(run.failure(faulty)?.reason == "too-large")
        }
    }

    @Test func aGzipBombFailsWithoutRetries() async throws {
        let bomb = try Data(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("WebFetchTests/Fixtures/bomb.html.gz")
        )
        try await fetchFault(.page(headers: [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], body: Array(bomb))) { run, faulty in
            #expect((run.written, run.failed, run.retried) == (1, 1, 0))
            #expect(run.failure(faulty)?.errorKind == .invalidContent)
        }
    }

    @Test func aWrongCharsetIsDecodedWithReplacementsAndWritten() async throws {
        // Declared UTF-8, sent in windows-1252.
        let latin = Array(
            articlePage.replacingOccurrences(of: "Pioneers", with: "Pe\u{F1}a Pioneers").unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        )
        try await fetchFault(.page(headers: [("Content-Type", "text/html; charset=utf-8")], body: latin)) { run, _ in
            #expect((run.written, run.failed, run.retried) == (2, 0, 0))
        }
    }

    @Test func binaryContentFailsAsNotHTML() async throws {
        try await fetchFault(.page(headers: [("Content-Type", "application/pdf")], body: Array("%PDF-1.7 binary".utf8))) { run, faulty in
            #expect((run.written, run.failed, run.retried) == (1, 1, 0))
            #expect(run.failure(faulty)?.reason == "not-html")
        }
    }

    @Test func aChallengePageIsBlockedNotSummarized() async throws {
        let challenge = "<html><head><title>Just a moment...</title></head><body>Checking your browser before accessing</body></html>"
        try await fetchFault(.page(status: 403, challenge)) { run, faulty in
            #expect((run.written, run.failed, run.retried) == (1, 1, 0))
            #expect(run.failure(faulty)?.errorKind == .blocked)
        }
    }

    @Test func aRedirectToAPrivateAddressIsRefused() async throws {
        try await fetchFault(.redirect(to: "http://169.254.169.254/latest/meta-data/")) { run, faulty in
            #expect((run.written, run.failed, run.retried) == (1, 1, 0))
            #expect(run.failure(faulty)?.reason == "address-policy")
        }
    }
}

/// Pages on disk and a Gemini summarizer against the fake.
struct LLMBench {
    let bench: FaultBench
    let fake: FakeGeminiServer
    let ids: [String]

    static func start(items: Int) async throws -> LLMBench {
        let bench = try FaultBench()
        var paths: [String] = []
        for index in 1...items {
            let path = bench.folder.appendingPathComponent("page-\(index).html").path
            try articlePage.replacingOccurrences(of: "Pioneers", with: "Pioneers \(index)").write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        try bench.writeURLs(paths)
        let ids = paths.map { WorkItem.derivedID(for: URL(fileURLWithPath: $0).absoluteString) }
        return LLMBench(bench: bench, fake: try await FakeGeminiServer.start(), ids: ids)
    }

    func config(key: String = "test-gemini-key", concurrency: Int = 1) -> String {
        FaultBench.config(
            fetcher: #"{"type": "file", "middleware": []}"#,
            summarizer: #"{"type": "gemini", "apiKey": "\#(key)", "baseURL": "\#(fake.baseURL)", "middleware": ["retry"]}"#,
            run: #"{"concurrency": \#(concurrency), "batchSize": 5}"#
        )
    }

    func stop() async throws {
        try await fake.shutdown()
        bench.cleanUp()
    }
}

@Suite("Fault matrix: LLM")
struct LLMFaultTests {
    @Test func aPerMinuteLimitIsWaitedOut() async throws {
        let llm = try await LLMBench.start(items: 3)
        llm.fake.enqueue(.rateLimitPerMinute(retryDelay: "0.3s"))
        let run = try await llm.bench.run(llm.config())
        try await llm.stop()
        #expect((run.written, run.failed, run.retried, run.lost) == (3, 0, 1, 0))
        #expect(run.missing(llm.ids).isEmpty)
    }

    @Test func aPerDayQuotaStopsTheRunAndTheRestIsDoneNextTime() async throws {
        let llm = try await LLMBench.start(items: 10)
        llm.fake.enqueue(.summary(), .summary(), .quotaPerDay)
        let run = try await llm.bench.run(llm.config(concurrency: 1))
        guard case .serviceError(let failure)? = run.report.stopReason else {
            Issue.record("the quota did not stop the run: \(String(describing: run.report.stopReason))")
            return
        }
        #expect(failure.errorKind == .quotaExhausted)
        #expect((run.written, run.failed, run.retried, run.lost) == (2, 1, 0, 0))
        // Seven items never taken from the list; nothing of them is in either file.
        let untouched = llm.ids.filter { run.outcomes[$0] == nil }
        #expect(untouched.count == 7)
        #expect(untouched.allSatisfy { !run.stored.contains($0) && run.failure($0) == nil })

        let next = try await llm.bench.run(llm.config(concurrency: 1))
        try await llm.stop()
        #expect((next.written, next.failed, next.report.skipped) == (8, 0, 2))
        #expect(Set(next.stored) == Set(llm.ids) && next.stored.count == 10)
    }

    @Test func aServerErrorIsRetried() async throws {
        let llm = try await LLMBench.start(items: 3)
        llm.fake.enqueue(.status(500))
        let run = try await llm.bench.run(llm.config())
        try await llm.stop()
        #expect((run.written, run.failed, run.retried, run.lost) == (3, 0, 1, 0))
    }

    @Test func invalidJSONIsRepairedOnce() async throws {
        let llm = try await LLMBench.start(items: 3)
        llm.fake.enqueue(.text("{\"summary\": \"cut"))
        let run = try await llm.bench.run(llm.config())
        try await llm.stop()
        #expect((run.written, run.failed, run.retried, run.lost) == (3, 0, 0, 0))
        #expect(run.report.metrics.counters["llm_repair_attempts"] == 1)
    }

    @Test func aSafetyStopFailsOnlyItsItem() async throws {
        let llm = try await LLMBench.start(items: 3)
        llm.fake.enqueue(.finish("SAFETY"))
        let run = try await llm.bench.run(llm.config())
        try await llm.stop()
        #expect((run.written, run.failed, run.retried, run.lost) == (2, 1, 0, 0))
        #expect(run.deadLettered.first?.errorKind == .contentFiltered)
        #expect(run.report.stopReason == nil)
    }

    @Test func aBadKeyStopsTheRunBeforeItBurnsTheList() async throws {
        let llm = try await LLMBench.start(items: 20)
        let run = try await llm.bench.run(llm.config(key: "wrong-key", concurrency: 2))
        guard case .serviceError(let failure)? = run.report.stopReason else {
            Issue.record("a bad key did not stop the run")
            return
        }
        #expect(failure.errorKind == .unauthorized)
        #expect(llm.fake.requests.count <= 2)
        #expect(run.written == 0 && run.lost == 0)
        #expect(llm.ids.filter { run.outcomes[$0] == nil }.count >= 18)

        let next = try await llm.bench.run(llm.config(concurrency: 2))
        try await llm.stop()
        #expect(next.written == 20 && Set(next.stored) == Set(llm.ids))
    }
}
