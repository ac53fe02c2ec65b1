import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Synchronization
import Testing

@testable import Resilience

@Suite("Shared token bucket")
struct SharedTokenBucketTests {
    static func bucket(
        _ store: any SharedRateLimitStore,
        rate: Double,
        burst: Int,
        lease: Int? = nil,
        adaptive: SharedRatePolicy.Adaptive? = nil,
        logs: RecordingLogHandlerStore = RecordingLogHandlerStore()
    ) -> SharedTokenBucket {
        SharedTokenBucket(
            name: "llm",
            store: store,
            policy: SharedRatePolicy(ratePerSecond: rate, burst: burst, adaptive: adaptive),
            leaseTokens: lease ?? burst,
            clock: RunClock(ContinuousClock()),
            logger: logs.logger()
        )
    }

    /// Runs `body` while every bucket's reservation loop runs.
    static func serving<T: Sendable>(_ buckets: [SharedTokenBucket], _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withServices(buckets, body)
    }

    @Test func theStoresScheduleNeverExceedsRateTimesWindowPlusBurst() async throws {
        // Three "processes" reserve leases of 1 to 4 tokens at moments spread over 20 s; every
        // lease's due time (reservation time + wait) goes into the log.
        let clock = ManualClock()
        let store = InMemoryRateLimitStore(clock: RunClock(clock))
        let policy = SharedRatePolicy(ratePerSecond: 20, burst: 4)
        var due: [Duration] = []
        var generator = SeededGenerator(seed: 7)
        for step in 0..<600 {
            clock.advance(by: .milliseconds(Int.random(in: 0...66, using: &generator)))
            let grant = try await store.reserve("llm", tokens: 1 + step % 4, policy: policy)
            due += Array(repeating: clock.now.offset + grant.wait, count: grant.tokens)
        }
        due.sort()
        for window in [Duration.milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5)] {
            let most = TokenBucket.maxGrantsInWindow(due, length: window)
            #expect(Double(most) <= 20 * window.seconds + 4, "\(most) due within \(window)")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func threeBucketsShareOneStoreALeaseAtATime() async throws {
        let store = InMemoryRateLimitStore(clock: RunClock(ContinuousClock()))
        let buckets = (0..<3).map { _ in Self.bucket(store, rate: 20, burst: 4) }
        let grants = GrantLog()
        let start = ContinuousClock.now
        try await Self.serving(buckets) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, bucket) in buckets.enumerated() {
                    for _ in 0..<6 {
                        group.addTask {
                            while ContinuousClock.now - start < .seconds(2) {
                                try await bucket.acquire()
                                grants.append(start.duration(to: .now), index)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let all = grants.all
        // 2 s at 20/s plus the burst is 44, and callers waiting at the end are served after it; a
        // loaded machine serves late (fewer), never early (more). How close to the rate a shared
        // bucket comes is for the benchmark to say, not a timed test.
        #expect(all.count <= 44 + 3 * 6, "served \(all.count)")
        for index in buckets.indices { #expect(all.contains { $0.caller == index }, "bucket \(index) got nothing") }
        // Reservations serve every waiting caller of a lease, not one caller each.
        let statements = buckets.map(\.storeStatements).reduce(0, +)
        #expect(Double(statements) / Double(all.count) <= 0.6, "\(statements) statements for \(all.count) tokens")
    }

    @Test(.timeLimit(.minutes(1)))
    func tokensOfCallersThatLeftAreGivenBack() async throws {
        // One token every 4 s, burst 1: after the first token the next lease is due 4 s later,
        // time enough for its caller to give up first on any machine.
        let store = InMemoryRateLimitStore(clock: RunClock(ContinuousClock()))
        let bucket = Self.bucket(store, rate: 0.25, burst: 1)
        try await Self.serving([bucket]) {
            try await bucket.acquire()
            let before = bucket.storeStatements
            let start = ContinuousClock.now
            let waiting = Task { try await bucket.acquire() }
            while bucket.storeStatements == before, ContinuousClock.now - start < .seconds(3) {
                try await Task.sleep(for: .milliseconds(10))
            }
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            // The lease comes due with nobody waiting: its reservation, then a give-back.
            while bucket.storeStatements < before + 2, ContinuousClock.now - start < .seconds(10) {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(bucket.storeStatements == before + 2)
            let givenBack = ContinuousClock.now
            let grant = try await store.reserve("llm", tokens: 1, policy: bucket.policy)
            // Given back, a token is due now; kept, the next would be due 4 s after the lease.
            if ContinuousClock.now - givenBack < .seconds(3) {
                #expect(grant.wait == .zero, "waited \(grant.wait)")
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aRecordedExhaustionFailsWaitingAndNewCallers() async throws {
        let store = InMemoryRateLimitStore(clock: RunClock(ContinuousClock()))
        let bucket = Self.bucket(store, rate: 0.2, burst: 1)
        try await Self.serving([bucket]) {
            try await bucket.acquire()
            let waiting = Task { try await bucket.acquire() }
            try await Task.sleep(for: .milliseconds(100))
            try await store.markExhausted("llm", SharedExhaustion(until: Date().addingTimeInterval(3600), message: "daily quota spent"))
            let marked = ContinuousClock.now
            let error = PipelineError.from(try #require(await waiting.result.failure))
            // The waiting caller's lease was due 5 s later; it fails at the next quarter second
            // (on a loaded machine later than that, but before the lease is due).
            #expect(ContinuousClock.now - marked < .milliseconds(4500))
            #expect(error.kind == .quotaExhausted)
            #expect(error.message.contains("daily quota spent"))
            let next = await expectError { try await bucket.acquire() }
            #expect(next?.kind == .quotaExhausted)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anUnreachableStoreMakesCallersWaitAndIsLoggedOnce() async throws {
        let store = FlakyStore(failures: 4)
        let logs = RecordingLogHandlerStore()
        let bucket = Self.bucket(store, rate: 100, burst: 1, logs: logs)
        let waited = try await Self.serving([bucket]) { try await bucket.acquire() }
        // 250 + 500 + 1000 + 2000 ms of backoff before the fifth attempt answers.
        #expect(waited >= .milliseconds(3700))
        let warnings = logs.messages.filter { $0.hasPrefix("warning") }
        #expect(warnings.count == 1, "\(warnings)")
        #expect(logs.messages.contains { $0.contains("reachable again") })
    }

    @Test func adaptiveCutsOnA429OncePerCooldownAndRaisesBackAdditively() async throws {
        let clock = ManualClock()
        let store = InMemoryRateLimitStore(clock: RunClock(clock))
        let adaptive = SharedRatePolicy.Adaptive(factor: 0.5, minimumPerSecond: 1, raiseEvery: .seconds(60), raisePerSecond: 2)
        let policy = SharedRatePolicy(ratePerSecond: 10, burst: 1, adaptive: adaptive)
        #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 10)
        #expect(try await store.throttle("llm", policy: policy, cooldown: .seconds(1)) == 5)
        // The same burst of 429s: no second cut within the cooldown.
        #expect(try await store.throttle("llm", policy: policy, cooldown: .seconds(1)) == nil)
        clock.advance(by: .seconds(2))
        #expect(try await store.throttle("llm", policy: policy, cooldown: .seconds(1)) == 2.5)
        clock.advance(by: .seconds(2))
        #expect(try await store.throttle("llm", policy: policy, cooldown: .seconds(1)) == 1.25)
        clock.advance(by: .seconds(2))
        // Never below the floor.
        #expect(try await store.throttle("llm", policy: policy, cooldown: .seconds(1)) == 1)
        clock.advance(by: .seconds(59))
        #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 1)
        clock.advance(by: .seconds(1))
        #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 3)
        clock.advance(by: .seconds(240))
        #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 10)
    }

    @Test func theConfigChoosesTheScopeAndExplainShowsIt() throws {
        let composition = CompositionTests()
        func build(_ limiter: String) throws -> Pipeline {
            let json = """
                {"source": {"type": "list"}, "fetcher": {"type": "page"}, "extractor": {"type": "text"},
                 "summarizer": {"type": "llm", "middleware": ["llm"]}, "sinks": [{"type": "memory"}],
                 "middleware": {"llm": \(limiter)}}
                """
            return try composition.build(json).1
        }
        func pointers(_ limiter: String) -> [String] {
            do {
                _ = try build(limiter)
                return []
            } catch let error as ConfigError {
                return error.problems.map(\.pointer.description)
            } catch {
                return ["\(error)"]
            }
        }
        let adaptive = try build(#"{"type": "rateLimit", "requestsPerMinute": 600, "burst": 5, "adaptive": true}"#)
        #expect(
            adaptive.summarizer.chain.description
                == "rateLimit \"llm\" (600/min, burst 5, adaptive: ×0.5 on a 429, at least 1/min, shared through this process)"
        )
        // This registry has no database scope, as a program without the Postgres module would not.
        #expect(
            pointers(#"{"type": "rateLimit", "requestsPerMinute": 60, "scope": "database", "databaseURL": "postgres://u@h/d"}"#)
                == ["/middleware/llm/scope"]
        )
        #expect(
            pointers(#"{"type": "rateLimit", "requestsPerMinute": 60, "adaptive": true, "adaptiveFactor": 1.5}"#) == [
                "/middleware/llm/adaptiveFactor"
            ]
        )
        #expect(pointers(#"{"type": "rateLimit", "requestsPerMinute": 60, "leaseTokens": 3}"#) == ["/middleware/llm/leaseTokens"])
        #expect(pointers(#"{"type": "rateLimit", "requestsPerMinute": 60, "scope": "galaxy"}"#) == ["/middleware/llm/scope"])
    }
}

/// A store that cannot be reached for its first `failures` reservations.
final class FlakyStore: SharedRateLimitStore {
    private let failuresLeft: Mutex<Int>
    private let inner = InMemoryRateLimitStore(clock: RunClock(ContinuousClock()))

    init(failures: Int) {
        failuresLeft = Mutex(failures)
    }

    var description: String { "a flaky store" }

    func reserve(_ limiter: String, tokens: Int, policy: SharedRatePolicy) async throws -> SharedRateGrant {
        let fail = failuresLeft.withLock { left in
            defer { left -= 1 }
            return left > 0
        }
        if fail { throw PipelineError(.transient, "connection refused", reason: "database-connection") }
        return try await inner.reserve(limiter, tokens: tokens, policy: policy)
    }

    func giveBack(_ limiter: String, tokens: Int, of grant: SharedRateGrant) async throws {
        try await inner.giveBack(limiter, tokens: tokens, of: grant)
    }

    func throttle(_ limiter: String, policy: SharedRatePolicy, cooldown: Duration) async throws -> Double? {
        try await inner.throttle(limiter, policy: policy, cooldown: cooldown)
    }

    func markExhausted(_ limiter: String, _ exhaustion: SharedExhaustion) async throws {
        try await inner.markExhausted(limiter, exhaustion)
    }

    func knownExhaustion(_ limiter: String) -> SharedExhaustion? {
        inner.knownExhaustion(limiter)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// A small deterministic random number generator (SplitMix64), for reproducible schedules.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
