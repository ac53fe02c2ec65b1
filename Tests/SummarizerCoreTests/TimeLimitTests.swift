import SummarizerCore
import SummarizerTesting
import Synchronization
import Testing

@Suite("Time limits and waiting for cancellation")
struct TimeLimitTests {
    struct Boom: Error {}

    @Test func aCallWithinItsLimitFinishesWithItsValue() async throws {
        let clock = ManualClock()
        let outcome = try await withTimeLimit(.seconds(10), clock: clock) { 42 }
        guard case .finished(let value) = outcome else {
            Issue.record("expected finished, got \(outcome)")
            return
        }
        #expect(value == 42)
    }

    @Test func aCallPastItsLimitIsCancelledAndTheHookRuns() async throws {
        let clock = ManualClock()
        let hooked = Mutex(0)
        let outcome = try await driving(clock) {
            try await withTimeLimit(.seconds(5), clock: clock, expiring: { hooked.withLock { $0 += 1 } }) {
                try await clock.sleep(for: .seconds(60))
                return 1
            }
        }
        guard case .expired = outcome else {
            Issue.record("expected expired, got \(outcome)")
            return
        }
        #expect(hooked.withLock { $0 } == 1)
    }

    @Test func aFailureBeforeTheLimitIsThrownAndOneAfterItIsTheLimits() async throws {
        let clock = ManualClock()
        await #expect(throws: Boom.self) {
            _ = try await withTimeLimit(.seconds(5), clock: clock) { () async throws -> Int in throw Boom() }
        }
        // The hook kills what the call waits on; the call then fails, and that is the limit's doing.
        let failing = Mutex(false)
        let outcome = try await driving(clock) {
            try await withTimeLimit(.seconds(5), clock: clock, expiring: { failing.withLock { $0 = true } }) { () async throws -> Int in
                while !failing.withLock({ $0 }) { try? await clock.sleep(for: .seconds(1)) }
                throw Boom()
            }
        }
        guard case .expired = outcome else {
            Issue.record("expected expired, got \(outcome)")
            return
        }
    }

    @Test func waitingForCancellationEndsWhenTheTaskIsCancelled() async {
        let waiter = Task { await waitUntilCancelled() }
        waiter.cancel()
        await waiter.value
        // Already cancelled before it starts waiting: it returns at once too.
        await withTaskGroup(of: Void.self) { group in
            group.cancelAll()
            group.addTask { await waitUntilCancelled() }
        }
    }
}
