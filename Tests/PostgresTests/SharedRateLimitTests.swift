import Foundation
import Logging
import Postgres
import PostgresNIO
import Resilience
import SummarizerCore
import SummarizerTesting
import SummarizerTestingPostgres
import Synchronization
import Testing

/// `rateLimit` with `"scope": "database"`: buckets in `summarizer_rate_limits`, each store with
/// its own pool as a separate process would have.
@Suite("Shared rate limits in PostgreSQL", .enabled(if: TestDatabase.available))
struct SharedRateLimitTests {
    let logger = TestDatabase.logger

    static func bucket(
        _ store: PostgresRateLimitStore,
        policy: SharedRatePolicy,
        logs: RecordingLogHandlerStore = RecordingLogHandlerStore()
    ) -> SharedTokenBucket {
        SharedTokenBucket(
            name: "llm",
            store: store,
            policy: policy,
            leaseTokens: policy.burst,
            clock: RunClock(ContinuousClock()),
            logger: logs.logger()
        )
    }

    @Test(.timeLimit(.minutes(1)))
    func reservationsFromFourConnectionsNeverScheduleMoreThanRateTimesWindowPlusBurst() async throws {
        try await TestDatabase.withMigrated { url, client in
            // Four connections reserve leases of 1 to 10 tokens as fast as they can: the schedule
            // the table hands out runs ahead of the clock, and its due times (the server's) must
            // keep the bound wherever they fall. Checking the schedule, not when callers woke,
            // keeps a loaded machine's late wake-ups out of the result.
            let due = Grants()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in 0..<4 {
                    group.addTask {
                        try await withPostgresClient(url, logger: logger) { own in
                            for round in 0..<40 {
                                let tokens = Int32(1 + (round * 7 + connection * 3) % 10)
                                for try await (granted, at) in try await own.query(
                                    "select granted, due_at from take_rate_limit_tokens('llm', \(tokens), 30, 10)",
                                    logger: logger
                                ).decode((Int32, Date).self) {
                                    for _ in 0..<granted { due.append(.seconds(at.timeIntervalSince1970), connection) }
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let times = due.all.map(\.time).sorted()
            #expect(times.count == 4 * 40 * 55 / 10)
            for window in [Duration.milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5)] {
                let most = TokenBucket.maxGrantsInWindow(times, length: window)
                #expect(Double(most) <= 30 * window.seconds + 10, "\(most) tokens due within \(window)")
            }
            // Saturated, the schedule is as dense as the bound allows: 880 tokens at 30/s after a burst of 10.
            let span = (times.last ?? .zero) - (times.first ?? .zero)
            #expect(abs(span.seconds - Double(times.count - 10) / 30) < 0.5, "the schedule spans \(span)")
            for try await total in try await client.query("select granted_total from summarizer_rate_limits where name = 'llm'", logger: logger)
                .decode(Int.self)
            {
                #expect(total == times.count)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func fourProcessesShareTheBucketALeaseAtATime() async throws {
        try await TestDatabase.withMigrated { url, _ in
            let stores = (0..<4).map { _ in PostgresRateLimitStore(url: url, logger: logger) }
            let buckets = stores.map { Self.bucket($0, policy: SharedRatePolicy(ratePerSecond: 30, burst: 10)) }
            let served = Grants()
            let start = ContinuousClock.now
            try await withServices(stores + buckets) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, bucket) in buckets.enumerated() {
                        for _ in 0..<8 {
                            group.addTask {
                                while ContinuousClock.now - start < .seconds(3) {
                                    try await bucket.acquire()
                                    served.append(start.duration(to: .now), index)
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let all = served.all
            for index in buckets.indices { #expect(all.contains { $0.caller == index }, "store \(index) got nothing") }
            // 3 s at 30/s plus the burst is 100; a loaded machine serves late, never early. The
            // window includes connecting four pools, which took seconds on a loaded 2-core
            // machine (48 served once), so the floor asks only for a second's worth.
            #expect(all.count >= 30 && all.count <= 100 + 4 * 8, "served \(all.count)")
            let statements = buckets.map(\.storeStatements).reduce(0, +)
            // One statement serves a lease of several callers (0.06 a token in the benchmark; a
            // loaded machine re-queues callers late and makes leases smaller).
            #expect(Double(statements) / Double(all.count) <= 0.5, "\(statements) statements for \(all.count) tokens")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aSpentQuotaReachesAnotherProcessByNotifyAndByItsNextReservation() async throws {
        try await TestDatabase.withMigrated { url, client in
            let (first, second, third) = (
                PostgresRateLimitStore(url: url, logger: logger), PostgresRateLimitStore(url: url, logger: logger),
                PostgresRateLimitStore(url: url, logger: logger)
            )
            let policy = SharedRatePolicy(ratePerSecond: 10, burst: 2)
            try await withServices([first, second]) {
                _ = try await second.reserve("llm", tokens: 1, policy: policy)
                // Let the second store's LISTEN take effect.
                try await Task.sleep(for: .milliseconds(500))
                let until = Date().addingTimeInterval(3600)
                try await first.markExhausted("llm", SharedExhaustion(until: until, message: "the Gemini daily quota is spent"))
                let marked = ContinuousClock.now
                while second.knownExhaustion("llm") == nil, ContinuousClock.now - marked < .seconds(3) {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let heard = ContinuousClock.now - marked
                #expect(second.knownExhaustion("llm")?.message == "the Gemini daily quota is spent")
                #expect(heard < .seconds(1), "NOTIFY took \(heard)")
            }
            // A process that was not listening learns it from its first reservation.
            try await withServices([third]) {
                do {
                    _ = try await third.reserve("llm", tokens: 1, policy: policy)
                    Issue.record("a reservation was granted while the quota was recorded as spent")
                } catch let error as PipelineError {
                    #expect(error.kind == .quotaExhausted)
                    #expect(error.message.contains("the Gemini daily quota is spent"))
                }
            }
            for try await (granted, recorded) in try await client.query(
                "select granted_total, exhausted_at is not null from summarizer_rate_limits where name = 'llm'",
                logger: logger
            ).decode((Int, Bool).self) {
                #expect(granted == 1)
                #expect(recorded)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anAdaptiveRateIsCutOncePerCooldownAndRaisedBackInTheTable() async throws {
        try await TestDatabase.withMigrated { url, client in
            let store = PostgresRateLimitStore(url: url, logger: logger)
            let adaptive = SharedRatePolicy.Adaptive(factor: 0.5, minimumPerSecond: 1, raiseEvery: .seconds(60), raisePerSecond: 2)
            let policy = SharedRatePolicy(ratePerSecond: 10, burst: 1, adaptive: adaptive)
            try await withServices([store]) {
                #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 10)
                #expect(try await store.throttle("llm", policy: policy, cooldown: .seconds(5)) == 5)
                #expect(try await store.throttle("llm", policy: policy, cooldown: .seconds(5)) == nil)
                #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 5)
                // Two and a half raise periods without a 429, by moving the last change back.
                try await client.query(
                    "update summarizer_rate_limits set changed_at = changed_at - interval '150 seconds', throttled_at = throttled_at - interval '150 seconds'",
                    logger: logger
                )
                #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 9)
                #expect(try await store.throttle("llm", policy: policy, cooldown: .seconds(5)) == 4.5)
                try await client.query("update summarizer_rate_limits set changed_at = changed_at - interval '1 hour'", logger: logger)
                #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 10)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func anUnreachableDatabaseMakesCallersWaitNotPassUnlimited() async throws {
        try await TestDatabase.withMigrated { url, _ in
            let proxy = try await TCPProxy.start(to: url.host, port: url.port)
            var proxied = url
            proxied.port = proxy.port
            let store = PostgresRateLimitStore(url: proxied, logger: logger, timeout: .seconds(1))
            let logs = RecordingLogHandlerStore()
            let bucket = Self.bucket(store, policy: SharedRatePolicy(ratePerSecond: 100, burst: 1), logs: logs)
            try await withServices([store, bucket]) {
                try await bucket.acquire()
                let before = logs.messages.count
                proxy.sever()
                let severed = ContinuousClock.now
                let waiting = Task { try await bucket.acquire() }
                let warnings = { logs.messages.dropFirst(before).filter { $0.hasPrefix("warning") && $0.contains("cannot be reached") }.count }
                while warnings() == 0, ContinuousClock.now - severed < .seconds(20) { try await Task.sleep(for: .milliseconds(50)) }
                // Attempts go on failing meanwhile (1 s timeouts, backoff up to 5 s): still one warning.
                try await Task.sleep(for: .seconds(3))
                #expect(warnings() == 1, "\(logs.messages)")
                proxy.restore()
                let waited = try await waiting.value
                #expect(waited >= .seconds(3), "a caller passed while the database was away")
                #expect(logs.messages.dropFirst(before).contains { $0.contains("reachable again") })
            }
            try await proxy.shutdown()
        }
    }
}

final class Grants: Sendable {
    private let entries = Mutex<[(time: Duration, caller: Int)]>([])
    func append(_ time: Duration, _ caller: Int) { entries.withLock { $0.append((time, caller)) } }
    var all: [(time: Duration, caller: Int)] { entries.withLock { $0 } }
}
