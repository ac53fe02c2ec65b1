import SummarizerCore
import SummarizerTesting
import Synchronization
import Testing

@testable import Resilience

@Suite("Timeout and concurrency limit")
struct TimeoutAndBulkheadTests {
    @Test func aSlowAttemptIsCancelledAtItsDeadline() async throws {
        let clock = ManualClock()
        let runClock = RunClock(clock)
        let scheduler = DeadlineScheduler(clock: runClock)
        let timeout = TimeoutMiddleware(timeout: .seconds(2), scheduler: scheduler, clock: runClock)
        let call = makeCall(clock: clock)
        let workCancelled = Mutex(false)

        let service = Task { await scheduler.run() }
        let attempt = Task {
            try await timeout.handle(call) { call -> String in
                do {
                    try await call.context.clock.sleep(for: .seconds(10))
                } catch {
                    workCancelled.withLock { $0 = true }
                    throw error
                }
                return "late"
            }
        }
        // The work and the scheduler both sleep; moving to the deadline fires the timeout.
        await clock.waitForSleepers(2)
        clock.advance(by: .seconds(2))
        let error = await expectError { _ = try await attempt.value }
        #expect(error?.kind == .transient)
        #expect(error?.reason == "timeout")
        #expect(error?.message == "the fetcher stage timed out after 2s")
        #expect(workCancelled.withLock { $0 })
        #expect(scheduler.pendingCount == 0)
        service.cancel()
        await service.value
    }

    @Test func aFastAttemptKeepsItsResultAndLeavesNothingBehind() async throws {
        let clock = ManualClock()
        let runClock = RunClock(clock)
        let scheduler = DeadlineScheduler(clock: runClock)
        let timeout = TimeoutMiddleware(timeout: .seconds(2), scheduler: scheduler, clock: runClock)
        let service = Task { await scheduler.run() }
        for index in 0..<100 {
            let result = try await timeout.handle(makeCall(clock: clock)) { _ in index }
            #expect(result == index)
        }
        #expect(scheduler.pendingCount == 0)
        service.cancel()
        await service.value
    }

    @Test func anEarlierDeadlineWakesTheScheduler() async throws {
        let clock = ManualClock()
        let runClock = RunClock(clock)
        let scheduler = DeadlineScheduler(clock: runClock)
        let long = TimeoutMiddleware(timeout: .seconds(100), scheduler: scheduler, clock: runClock)
        let short = TimeoutMiddleware(timeout: .seconds(1), scheduler: scheduler, clock: runClock)
        let service = Task { await scheduler.run() }
        let slow: @Sendable (StageCall) async throws -> String = { call in
            try await call.context.clock.sleep(for: .seconds(1000))
            return "never"
        }
        let first = Task { try await long.handle(makeCall(clock: clock), next: slow) }
        await clock.waitForSleepers(2)
        let second = Task { try await short.handle(makeCall(clock: clock), next: slow) }
        // The scheduler re-plans for the earlier deadline: it and the two attempts sleep.
        while clock.nextDeadline?.offset != .seconds(1) { await Task.yield() }
        clock.advance(by: .seconds(1))
        #expect(await expectError { _ = try await second.value }?.reason == "timeout")
        first.cancel()
        _ = await first.result
        service.cancel()
        await service.value
    }

    @Test func bulkheadNeverAdmitsMoreThanItsLimit() async throws {
        let clock = ManualClock()
        let limit = ConcurrencyLimitMiddleware(limit: 2, key: .global)
        let probe = ConcurrencyProbe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    _ = try await limit.handle(makeCall(clock: clock)) { call in
                        try await probe.measure { try await call.context.clock.sleep(for: .seconds(1)) }
                    }
                }
            }
            for _ in 0..<3 {
                await clock.waitForSleepers(2)
                #expect(probe.current == 2)
                clock.advance(by: .seconds(1))
            }
            try await group.waitForAll()
        }
        #expect(probe.peak == 2)
        #expect(probe.total == 6)
    }

    @Test func bulkheadIsPerKeyWhenAskedAndWaitingIsCancellable() async throws {
        let clock = ManualClock()
        let limit = ConcurrencyLimitMiddleware(limit: 1, key: .domain)
        let holding = Task {
            try await limit.handle(makeCall(clock: clock, url: "https://a.example/1")) { call in
                try await call.context.clock.sleep(for: .seconds(5))
            }
        }
        await clock.waitForSleepers(1)
        // Another domain is not held up.
        let other = try await limit.handle(makeCall(clock: clock, url: "https://b.example/1")) { _ in "b" }
        #expect(other == "b")
        // The same domain waits, and the wait can be cancelled.
        let waiting = Task { try await limit.handle(makeCall(clock: clock, url: "https://a.example/2")) { _ in "a2" } }
        await Task.yield()
        waiting.cancel()
        let result = await waiting.result
        #expect(throws: CancellationError.self) { try result.get() }
        clock.advance(by: .seconds(5))
        try await holding.value
        #expect(try await limit.handle(makeCall(clock: clock, url: "https://a.example/3")) { _ in "a3" } == "a3")
    }
}
