import Logging
import SummarizerCore
import SummarizerTesting
import Synchronization
import Testing

@testable import Resilience

@Suite("Circuit breaker")
struct CircuitBreakerTests {
    let clock = ManualClock()
    let logs = RecordingLogHandlerStore()
    let metrics = RunMetrics()

    func middleware(threshold: Int = 3, openSeconds: Int = 60, probes: Int = 1, rate: Double? = nil) -> CircuitBreakerMiddleware {
        var settings = CircuitBreaker.Settings()
        settings.failureThreshold = threshold
        settings.openDuration = .seconds(openSeconds)
        settings.halfOpenProbes = probes
        settings.failureRateThreshold = rate
        settings.windowSize = 10
        settings.minimumCalls = 10
        let breaker = CircuitBreaker(
            settings: settings,
            key: .domain,
            clock: RunClock(clock),
            logger: logs.logger(),
            metrics: metrics
        )
        return CircuitBreakerMiddleware(breaker: breaker, name: "test")
    }

    func run(_ middleware: CircuitBreakerMiddleware, url: String = "https://a.example/x", failing kind: PipelineError.Kind?) async -> PipelineError? {
        let call = makeCall(clock: clock, url: url)
        return await expectError {
            _ = try await middleware.handle(call) { _ -> String in
                if let kind { throw PipelineError(kind, "scripted \(kind)") }
                return "ok"
            }
        }
    }

    /// The default fetch chain's order: the breaker outside the retry counts failed URLs, so five
    /// dead URLs of a domain, tried three times each, open it after the fifth.
    @Test func outsideTheRetryTheBreakerCountsItemsNotAttempts() async {
        var settings = CircuitBreaker.Settings()
        settings.failureThreshold = 5
        let breaker = CircuitBreakerMiddleware(
            breaker: CircuitBreaker(settings: settings, key: .domain, clock: RunClock(clock), logger: logs.logger(), metrics: metrics),
            name: nil
        )
        var policy = RetryPolicy()
        policy.maxAttempts = 3
        policy.baseDelay = .zero
        policy.jitter = .none
        let chain = MiddlewareChain([breaker, RetryMiddleware(policy: policy, metrics: metrics)])
        let attempts = Mutex(0)
        func fetch(_ index: Int) async -> PipelineError? {
            await expectError {
                _ = try await chain.run(makeCall(clock: clock, url: "https://dead.example/\(index)")) { _ -> String in
                    attempts.withLock { $0 += 1 }
                    throw PipelineError(.transient, "connection refused")
                }
            }
        }
        for index in 1...4 {
            #expect(await fetch(index)?.kind == .transient)
            #expect(breaker.breaker.status(of: "dead.example") == .closed, "after URL \(index)")
        }
        #expect(await fetch(5)?.kind == .transient)
        #expect(breaker.breaker.status(of: "dead.example") == .open)
        #expect(attempts.withLock { $0 } == 15)
        // The sixth URL is refused at once, without an attempt.
        #expect(await fetch(6)?.reason == "circuit-open")
        #expect(attempts.withLock { $0 } == 15)
    }

    @Test func opensAfterConsecutiveFailuresAndFailsFastNamingTheKey() async {
        let breaker = middleware()
        for _ in 0..<3 { #expect(await run(breaker, failing: .transient)?.kind == .transient) }
        #expect(breaker.breaker.status(of: "a.example") == .open)
        let error = await run(breaker, failing: nil)
        #expect(error?.reason == "circuit-open")
        #expect(error?.isRetryable == false)
        #expect(error?.message.contains("domain \"a.example\"") == true)
        #expect(metrics.snapshot.counters["circuit_breaker_opened"] == 1)
        #expect(logs.messages.contains { $0.hasPrefix("warning circuit breaker open") && $0.contains("domain:a.example") })
    }

    @Test func aSuccessResetsTheConsecutiveCount() async {
        let breaker = middleware()
        for _ in 0..<2 { _ = await run(breaker, failing: .transient) }
        _ = await run(breaker, failing: nil)
        for _ in 0..<2 { _ = await run(breaker, failing: .transient) }
        #expect(breaker.breaker.status(of: "a.example") == .closed)
    }

    @Test func failuresThatSayNothingAboutHealthDoNotCount() async {
        let breaker = middleware()
        for kind in [PipelineError.Kind.notFound, .invalidContent, .rateLimited, .contentFiltered, .notFound, .notFound] {
            _ = await run(breaker, failing: kind)
        }
        #expect(breaker.breaker.status(of: "a.example") == .closed)
        for _ in 0..<3 { _ = await run(breaker, failing: .blocked) }
        #expect(breaker.breaker.status(of: "a.example") == .open)
    }

    @Test func halfOpenProbeSuccessCloses() async {
        let breaker = middleware(openSeconds: 60)
        for _ in 0..<3 { _ = await run(breaker, failing: .transient) }
        clock.advance(by: .seconds(59))
        #expect(await run(breaker, failing: nil)?.reason == "circuit-open")
        clock.advance(by: .seconds(1))
        #expect(breaker.breaker.status(of: "a.example") == .halfOpen)
        #expect(await run(breaker, failing: nil) == nil)
        #expect(breaker.breaker.status(of: "a.example") == .closed)
        #expect(metrics.snapshot.counters["circuit_breaker_half_opened"] == 1)
        #expect(metrics.snapshot.counters["circuit_breaker_closed"] == 1)
    }

    @Test func halfOpenProbeFailureReopens() async {
        let breaker = middleware(openSeconds: 60)
        for _ in 0..<3 { _ = await run(breaker, failing: .transient) }
        clock.advance(by: .seconds(60))
        #expect(await run(breaker, failing: .timeoutLike)?.kind == .transient)
        #expect(breaker.breaker.status(of: "a.example") == .open)
        #expect(await run(breaker, failing: nil)?.reason == "circuit-open")
        #expect(metrics.snapshot.counters["circuit_breaker_opened"] == 2)
    }

    @Test func onlyTheConfiguredNumberOfProbesPassWhileHalfOpen() async throws {
        let breaker = middleware(openSeconds: 10, probes: 2)
        for _ in 0..<3 { _ = await run(breaker, failing: .transient) }
        clock.advance(by: .seconds(10))
        let key = "a.example"
        #expect(try breaker.breaker.enter(key) == .probe)
        #expect(try breaker.breaker.enter(key) == .probe)
        #expect(throws: PipelineError.self) { try breaker.breaker.enter(key) }
        breaker.breaker.exit(key, permit: .probe, outcome: .success)
        #expect(breaker.breaker.status(of: key) == .halfOpen)
        breaker.breaker.exit(key, permit: .probe, outcome: .success)
        #expect(breaker.breaker.status(of: key) == .closed)
    }

    @Test func keysAreIsolated() async {
        let breaker = middleware()
        for _ in 0..<3 { _ = await run(breaker, url: "https://down.example/1", failing: .transient) }
        #expect(await run(breaker, url: "https://down.example/2", failing: nil)?.reason == "circuit-open")
        #expect(await run(breaker, url: "https://up.example/1", failing: nil) == nil)
    }

    @Test func failureRateOpensOverTheWindow() async {
        let breaker = middleware(threshold: 100, rate: 0.5)
        // Alternating failures never reach 100 in a row, but half of the window failed.
        for index in 0..<10 { _ = await run(breaker, failing: index.isMultiple(of: 2) ? .transient : nil) }
        #expect(breaker.breaker.status(of: "a.example") == .closed)
        _ = await run(breaker, failing: .transient)
        #expect(breaker.breaker.status(of: "a.example") == .open)
    }

    @Test func cancellationIsIgnored() async {
        let breaker = middleware(threshold: 1)
        _ = await run(breaker, failing: .cancelled)
        #expect(breaker.breaker.status(of: "a.example") == .closed)
    }
}

extension PipelineError.Kind {
    /// A timeout is a transient failure with reason `timeout`.
    static let timeoutLike = PipelineError.Kind.transient
}
