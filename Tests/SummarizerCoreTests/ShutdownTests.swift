import Foundation
import SummarizerTesting
import Synchronization
import Testing

@testable import SummarizerCore

/// Counts the items that reached a stage and holds them there until opened.
final class Gate: Sendable {
    private struct State {
        var arrived = 0
        var open = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func pass() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                state.arrived += 1
                if state.open { return true }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for waiter in waiting { waiter.resume() }
    }

    var arrived: Int { state.withLock { $0.arrived } }

    func waitForArrivals(_ count: Int) async throws {
        let start = ContinuousClock.now
        while arrived < count {
            guard ContinuousClock.now - start < .seconds(30) else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// A source that yields `items`, then waits (cancellably) as standard input with no writer would.
struct BlockingSource: ItemSource {
    var items: [WorkItem]

    func items(_ query: ItemQuery, context: StageContext) -> AsyncThrowingStream<SourceElement, any Error> {
        let pending = Mutex(items)
        return AsyncThrowingStream {
            if let next = pending.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return .item(next) }
            try await Task.sleep(for: .seconds(3600))
            return nil
        }
    }
}

@Suite("Orchestrator: stopping, deadline, resume, prepared records")
struct ShutdownTests {
    @Test func aStopTakesNoNewItemsAndLetsTheStartedOnesFinish() async throws {
        let gate = Gate()
        var harness = Harness()
        harness.source = StaticSource(WorkItem.numbered(50))
        harness.settings = RunSettings(concurrency: 4, batchSize: 100)
        harness.fetcher = ClosureFetcher { item, _ in
            await gate.pass()
            return FetchedPage(finalURL: item.url, body: [], text: "text of \(item.url)", method: .direct)
        }
        let control = harness.control
        async let report = harness.run()
        try await gate.waitForArrivals(4)
        control.requestStop(.signal(name: "SIGTERM", exitCode: 143))
        // A later request does not replace the first.
        #expect(!control.requestStop(.deadline(seconds: 1)))
        try await Task.sleep(for: .milliseconds(50))
        gate.open()
        let finished = await report
        #expect(finished.itemsRead == 4)
        #expect(finished.written == 4)
        #expect(finished.unfinished == 0 && finished.failed == 0)
        #expect(finished.exitCode == 143)
        #expect(finished.stopReason == .requested(.signal(name: "SIGTERM", exitCode: 143)))
        #expect(harness.firstSink.records.count == 4)
        #expect(harness.firstSink.finished)
        #expect(finished.render().contains("SIGTERM received; the items not done are left for the next run"))
    }

    @Test func itemsStillRunningWhenTheGraceEndsAreLeftUnfinishedNotFailed() async throws {
        var harness = Harness()
        harness.source = StaticSource(WorkItem.numbered(20))
        harness.settings = RunSettings(concurrency: 3, batchSize: 100, shutdownGrace: .milliseconds(200))
        let started = Gate()
        started.open()
        harness.fetcher = ClosureFetcher { item, context in
            await started.pass()
            // Hangs like a server that never answers; only cancellation ends it.
            try await context.clock.sleep(for: .seconds(3600))
            return FetchedPage(finalURL: item.url, body: [], text: "never", method: .direct)
        }
        let control = harness.control
        let clock = ContinuousClock()
        let start = clock.now
        async let report = harness.run()
        try await started.waitForArrivals(3)
        control.requestStop(.signal(name: "SIGINT", exitCode: 130))
        let finished = await report
        // Far less than the hour the fetches would sleep (the bound allows for a loaded machine).
        #expect(clock.now - start < .seconds(60))
        #expect(finished.itemsRead == 3)
        #expect(finished.unfinished == 3)
        #expect(finished.failed == 0 && finished.written == 0)
        #expect(harness.deadLetter.failures.isEmpty)
        #expect(finished.exitCode == 130)
        #expect(harness.outcomes.all.values.allSatisfy { $0 == .unfinished })
    }

    @Test func aStopDoesNotWaitForASourceThatBlocks() async throws {
        var harness = Harness()
        harness.source = BlockingSource(items: WorkItem.numbered(2))
        harness.settings = RunSettings(concurrency: 4, batchSize: 1)
        let control = harness.control
        let sink = harness.firstSink
        async let report = harness.run()
        // Both items are written while the source waits for a third.
        let deadline = ContinuousClock.now + .seconds(30)
        while sink.records.count < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        control.requestStop(.signal(name: "SIGINT", exitCode: 130))
        let finished = await report
        #expect(finished.written == 2)
        #expect(finished.exitCode == 130)
    }

    @Test func theDeadlineEndsTheRunGracefullyWithExit2() async throws {
        var harness = Harness()
        harness.source = StaticSource(WorkItem.numbered(200))
        harness.settings = RunSettings(concurrency: 2, batchSize: 5, shutdownGrace: .seconds(5), maxDuration: .milliseconds(300))
        harness.fetcher = ClosureFetcher { item, context in
            try await context.clock.sleep(for: .milliseconds(20))
            return FetchedPage(finalURL: item.url, body: [], text: "text of \(item.url)", method: .direct)
        }
        let finished = await harness.run()
        guard case .requested(.deadline) = finished.stopReason else {
            Issue.record("expected the deadline to stop the run, got \(String(describing: finished.stopReason))")
            return
        }
        #expect(finished.exitCode == 2)
        #expect(finished.written > 0 && finished.written < 200)
        // Every item read got an outcome; the rest were never taken from the source.
        #expect(finished.written + finished.unfinished + finished.failed == finished.itemsRead)
        #expect(harness.firstSink.records.count == finished.written)
    }

    @Test func onlyWhatEverySinkHoldsIsSkippedAndEachSinkGetsWhatItLacks() async {
        let items = WorkItem.numbered(6)
        let ids = items.map(\.id)
        var harness = Harness()
        harness.source = StaticSource(items)
        let first = InMemorySink(held: Set(ids[0..<3]))
        let second = InMemorySink(held: Set(ids[1..<4]))
        // Cannot say what it holds (standard output): takes no part in the choice, gets every write.
        let third = InMemorySink()
        harness.sinks = [first, second, third]
        let report = await harness.run()
        #expect(report.skipped == 2)
        #expect(report.held == 2)
        #expect(report.written == 4)
        #expect(first.records.map(\.newsURLID).sorted() == [ids[3], ids[4], ids[5]].sorted())
        #expect(second.records.map(\.newsURLID).sorted() == [ids[0], ids[4], ids[5]].sorted())
        #expect(Set(third.records.map(\.newsURLID)) == Set([ids[0], ids[3], ids[4], ids[5]]))
        #expect(harness.outcomes.all[ids[1]] == .held && harness.outcomes.all[ids[2]] == .held)
        // Asked in windows, never about more than one window's worth of ids at once.
        #expect(first.questions.allSatisfy { $0.count <= 32 } && first.questions.flatMap { $0 }.sorted() == ids.sorted())
    }

    @Test func aPreparedRecordGoesStraightToTheSinks() async {
        let items = WorkItem.numbered(3)
        let calls = Mutex(0)
        var harness = Harness()
        harness.source = StaticSource(items)
        harness.summarizer = ClosureSummarizer { request, _ in
            calls.withLock { $0 += 1 }
            return SummaryResult(summary: Summary(summary: "fresh \(request.item.url)"), model: "echo", promptVersion: "v", tokens: .zero)
        }
        let stored = SummaryRecord(
            newsURLID: items[1].id,
            url: items[1].url,
            title: nil,
            summary: Summary(summary: "stored"),
            llmModel: "from-the-dead-letter-file",
            promptVersion: "v",
            fallbackUsed: false,
            tokens: .zero,
            processingTimeSeconds: 1,
            generatedAt: Date(),
            extractor: nil,
            contentHash: nil,
            fetchMethod: "direct",
            inputTruncated: false
        )
        harness.prepared = [items[1].id: stored]
        let report = await harness.run()
        #expect(report.written == 3)
        #expect(calls.withLock { $0 } == 2)
        #expect(harness.firstSink.records.first { $0.newsURLID == items[1].id }?.llmModel == "from-the-dead-letter-file")
    }
}
