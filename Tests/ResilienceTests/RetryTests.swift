import Logging
import SummarizerCore
import SummarizerTesting
import Testing

@testable import Resilience

@Suite("Retry")
struct RetryTests {
    func policy(_ edit: (inout RetryPolicy) -> Void = { _ in }) -> RetryPolicy {
        var policy = RetryPolicy()
        policy.baseDelay = .seconds(2)
        policy.multiplier = 2
        policy.maxDelay = .seconds(30)
        policy.jitter = .none
        edit(&policy)
        return policy
    }

    @Test func backoffGrowsExponentiallyUpToTheCap() {
        let schedule = (1...6).map { policy().backoff(afterAttempt: $0) }
        #expect(schedule == [.seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30), .seconds(30)])
    }

    @Test func fullJitterStaysWithinZeroAndTheBackoff() {
        let jittered = policy { $0.jitter = .full }
        #expect(jittered.delay(afterAttempt: 3, random: 0) == .zero)
        #expect(jittered.delay(afterAttempt: 3, random: 0.5) == .seconds(4))
        for random in stride(from: 0.0, to: 1.0, by: 0.05) {
            let delay = jittered.delay(afterAttempt: 3, random: random)
            #expect(delay >= .zero && delay <= .seconds(8))
        }
        #expect(policy().delay(afterAttempt: 3, random: 0.1) == .seconds(8))
    }

    @Test func transientFailuresAreRetriedWithBackoff() async throws {
        let clock = ManualClock()
        let call = makeCall(clock: clock)
        let script = Script([PipelineError(.transient, "503"), PipelineError(.transient, "reset")])
        let retry = RetryMiddleware(policy: policy(), metrics: call.context.metrics)
        let result = try await driving(clock) { try await retry.handle(call, next: script.call) }
        #expect(result == "ok")
        #expect(script.calls == 3)
        #expect(clock.now.offset == .seconds(6))
        #expect(call.context.metrics.snapshot.counters["retries"] == 2)
        #expect(call.context.attempts.attempts.map(\.message) == ["503", "reset"])
    }

    @Test func nonRetryableErrorsAreNeverRetried() async {
        let clock = ManualClock()
        let call = makeCall(clock: clock)
        for kind in [PipelineError.Kind.notFound, .blocked, .invalidContent, .unauthorized, .quotaExhausted, .contentFiltered] {
            let script = Script([PipelineError(kind, "no")])
            let retry = RetryMiddleware(policy: policy(), metrics: call.context.metrics)
            let error = await expectError { _ = try await retry.handle(call, next: script.call) }
            #expect(error?.kind == kind)
            #expect(script.calls == 1)
        }
        #expect(clock.totalSleeps == 0)
    }

    @Test func aServerHintIsWaitedInsteadOfTheBackoff() async throws {
        let clock = ManualClock()
        let call = makeCall(clock: clock)
        let script = Script([PipelineError(.rateLimited, "429", retryAfter: .milliseconds(1500))])
        let retry = RetryMiddleware(policy: policy(), metrics: call.context.metrics)
        _ = try await driving(clock) { try await retry.handle(call, next: script.call) }
        #expect(clock.now.offset == .milliseconds(1500))
        #expect(script.calls == 2)
    }

    @Test func aHintLongerThanTheCapFailsTheItemAtOnce() async {
        let clock = ManualClock()
        let call = makeCall(clock: clock)
        let script = Script([PipelineError(.rateLimited, "429", code: "429", retryAfter: .seconds(3600))])
        let retry = RetryMiddleware(policy: policy { $0.maxRetryAfter = .seconds(60) }, metrics: call.context.metrics)
        let error = await expectError { _ = try await retry.handle(call, next: script.call) }
        #expect(error?.kind == .rateLimited)
        #expect(error?.isRetryable == false)
        #expect(error?.code == "429")
        #expect(error?.message.contains("longer than maxRetryAfterSeconds 60s") == true)
        #expect(script.calls == 1)
        #expect(clock.totalSleeps == 0)
    }

    @Test func theLastErrorIsThrownAfterMaxAttemptsWithTheWholeHistory() async {
        let clock = ManualClock()
        let call = makeCall(clock: clock)
        let script = Script((1...5).map { PipelineError(.transient, "failure \($0)") })
        let retry = RetryMiddleware(policy: policy { $0.maxAttempts = 4 }, metrics: call.context.metrics)
        let error = await expectError {
            _ = try await driving(clock) { try await retry.handle(call, next: script.call) }
        }
        #expect(error?.message == "failure 4")
        #expect(script.calls == 4)
        #expect(call.context.attempts.attempts.count == 4)
        #expect(clock.now.offset == .seconds(2 + 4 + 8))
    }

    @Test func anOpenBreakerIsNotRetried() async {
        let clock = ManualClock()
        let call = makeCall(clock: clock)
        let script = Script([PipelineError(.transient, "circuit open", reason: "circuit-open", retryable: false)])
        let retry = RetryMiddleware(policy: policy(), metrics: call.context.metrics)
        _ = await expectError { _ = try await retry.handle(call, next: script.call) }
        #expect(script.calls == 1)
    }

    @Test func cancellationDuringBackoffEndsTheWaitAtOnce() async {
        let clock = ManualClock()
        let call = makeCall(clock: clock)
        let script = Script([PipelineError(.transient, "503"), PipelineError(.transient, "503")])
        let retry = RetryMiddleware(policy: policy(), metrics: call.context.metrics)
        let task = Task { try await retry.handle(call, next: script.call) }
        await clock.waitForSleepers(1)
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(script.calls == 1)
        #expect(clock.now.offset == .zero)
    }

    @Test func eachAttemptIsLoggedWithItsNumberAndDelay() async throws {
        let clock = ManualClock()
        let logs = RecordingLogHandlerStore()
        let call = makeCall(clock: clock, logs: logs)
        let script = Script([PipelineError(.transient, "503")])
        let retry = RetryMiddleware(policy: policy(), metrics: call.context.metrics)
        _ = try await driving(clock) { try await retry.handle(call, next: script.call) }
        let line = try #require(logs.messages.first { $0.contains("attempt 1 of 3 failed") })
        #expect(line.hasPrefix("warning"))
        #expect(line.contains("delaySeconds=2.0"))
    }
}
