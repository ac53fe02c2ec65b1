import SummarizerCore
import SummarizerTesting
import Synchronization
import Testing

@testable import Resilience

@Suite("Rate limiter")
struct RateLimiterTests {
    @Test func burstIsGrantedAtOnceThenTokensAreSpaced() async throws {
        let clock = ManualClock()
        let bucket = TokenBucket(requestsPerSecond: 1, burst: 3, clock: RunClock(clock))
        for _ in 0..<3 { #expect(try await bucket.acquire() == .zero) }
        #expect(!bucket.tryAcquire())
        let waited = try await driving(clock) { try await bucket.acquire() }
        #expect(waited == .seconds(1))
        #expect(clock.now.offset == .seconds(1))
        let next = try await driving(clock) { try await bucket.acquire() }
        #expect(next == .seconds(1))
        #expect(clock.now.offset == .seconds(2))
    }

    @Test func anIdleBucketRefillsUpToTheBurstOnly() async throws {
        let clock = ManualClock()
        let bucket = TokenBucket(requestsPerSecond: 2, burst: 4, clock: RunClock(clock))
        for _ in 0..<4 { #expect(bucket.tryAcquire()) }
        clock.advance(by: .seconds(100))
        for _ in 0..<4 { #expect(bucket.tryAcquire()) }
        #expect(!bucket.tryAcquire())
    }

    @Test func concurrentCallersNeverExceedRateTimesWindowPlusBurst() async throws {
        // 64 callers hammer a 60-per-minute limiter with burst 5 for 150 virtual seconds.
        let clock = ManualClock()
        let bucket = TokenBucket(requestsPerSecond: 1, burst: 5, clock: RunClock(clock))
        let grants = GrantLog()
        let finished = Tally()
        let end = Duration.seconds(150)
        await withTaskGroup(of: Void.self) { group in
            for caller in 0..<64 {
                group.addTask {
                    while true {
                        do { try await bucket.acquire() } catch { break }
                        let now = clock.now.offset
                        if now > end { break }
                        grants.append(now, caller)
                    }
                    finished.add()
                }
            }
            group.addTask {
                while finished.count < 64 {
                    if clock.sleeperCount + finished.count == 64 {
                        clock.advanceToNextDeadline()
                    } else {
                        await Task.yield()
                    }
                }
            }
        }
        let times = grants.all.map(\.time).sorted()
        #expect(times.count == 5 + 150)
        for (window, allowed) in [(Duration.seconds(1), 1 + 5), (.seconds(60), 60 + 5)] {
            #expect(TokenBucket.maxGrantsInWindow(times, length: window) <= allowed)
        }
        // No caller starves: every one of the 64 got tokens, and none got many more than another
        // (only the burst at the start lets a few callers ahead).
        let perCaller = Dictionary(grouping: grants.all, by: \.caller).mapValues(\.count)
        #expect(perCaller.count == 64)
        #expect((perCaller.values.max() ?? 0) - (perCaller.values.min() ?? 0) <= 5 + 1)
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        let clock = ManualClock()
        let bucket = TokenBucket(requestsPerSecond: 1, burst: 1, clock: RunClock(clock))
        try await bucket.acquire()
        let order = GrantLog()
        var tasks: [Task<Void, any Error>] = []
        for caller in 0..<10 {
            tasks.append(
                Task {
                    try await bucket.acquire()
                    order.append(clock.now.offset, caller)
                }
            )
            await clock.waitForSleepers(caller + 1)
        }
        while clock.advanceToNextDeadline() {
            await Task.yield()
        }
        for task in tasks { try await task.value }
        #expect(order.all.map(\.caller) == Array(0..<10))
        #expect(order.all.map(\.time) == (1...10).map { Duration.seconds($0) })
    }

    @Test func aCancelledWaiterGivesItsSlotBack() async throws {
        let clock = ManualClock()
        let bucket = TokenBucket(requestsPerSecond: 1, burst: 1, clock: RunClock(clock))
        try await bucket.acquire()
        let waiter = Task { try await bucket.acquire() }
        await clock.waitForSleepers(1)
        waiter.cancel()
        let result = await waiter.result
        #expect(throws: CancellationError.self) { try result.get() }
        clock.advance(by: .seconds(1))
        // The cancelled reservation was returned: a token is due now, not a second later.
        #expect(bucket.tryAcquire())
    }

    @Test func middlewareCountsWaitsAndDescribesItself() async throws {
        let clock = ManualClock()
        let metrics = RunMetrics()
        let limiter = RateLimitMiddleware(
            bucket: TokenBucket(requestsPerSecond: 1, burst: 1, clock: RunClock(clock)),
            name: "llm",
            rateDescription: "60/min",
            metrics: metrics
        )
        let call = makeCall(clock: clock)
        _ = try await limiter.handle(call) { _ in "first" }
        _ = try await driving(clock) { try await limiter.handle(call) { _ in "second" } }
        #expect(metrics.snapshot.counters["rate_limit_waits"] == 1)
        #expect(limiter.description == "rateLimit \"llm\" (60/min, burst 1, this process only)")
    }
}

final class GrantLog: Sendable {
    private let entries = Mutex<[(time: Duration, caller: Int)]>([])
    func append(_ time: Duration, _ caller: Int) { entries.withLock { $0.append((time, caller)) } }
    var all: [(time: Duration, caller: Int)] { entries.withLock { $0 } }
}
