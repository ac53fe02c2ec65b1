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
    func fourStoresTogetherStayWithinRateTimesWindowPlusBurst() async throws {
        try await TestDatabase.withMigrated { url, client in
            let stores = (0..<4).map { _ in PostgresRateLimitStore(url: url, logger: logger) }
            let policy = SharedRatePolicy(ratePerSecond: 30, burst: 10)
            let buckets = stores.map { Self.bucket($0, policy: policy) }
            let grants = Grants()
            let start = ContinuousClock.now
            try await withServices(stores + buckets) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, bucket) in buckets.enumerated() {
                        for _ in 0..<8 {
                            group.addTask {
                                while ContinuousClock.now - start < .seconds(3) {
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
            let times = all.map(\.time).filter { $0 < .seconds(3) }.sorted()
            // 3 s at 30/s plus the burst allows 100; starting the pools costs a little.
            #expect(times.count >= 80, "granted \(times.count)")
            for window in [Duration.milliseconds(500), .seconds(1), .seconds(2)] {
                let most = TokenBucket.maxGrantsInWindow(all.map(\.time).sorted(), length: window)
                #expect(most <= Int(30 * window.seconds) + 10, "\(most) grants in \(window)")
            }
            for index in buckets.indices { #expect(all.contains { $0.caller == index }, "store \(index) got nothing") }
            let statements = buckets.map(\.statistics.statements).reduce(0, +)
            #expect(Double(statements) / Double(all.count) <= 0.2, "\(statements) statements for \(all.count) tokens")
            for try await total in try await client.query("select granted_total from summarizer_rate_limits where name = 'llm'", logger: logger)
                .decode(Int.self)
            {
                // Tokens of a last lease whose callers had stopped may stay reserved, at most a lease per store.
                #expect(total >= all.count && total <= all.count + 4 * 10, "the table counts \(total) grants, the callers \(all.count)")
            }
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
    func anAdaptiveRateIsCutOnceperCooldownAndRaisedBackInTheTable() async throws {
        try await TestDatabase.withMigrated { url, _ in
            let store = PostgresRateLimitStore(url: url, logger: logger)
            let adaptive = SharedRatePolicy.Adaptive(factor: 0.5, minimumPerSecond: 1, raiseEvery: .milliseconds(700), raisePerSecond: 2)
            let policy = SharedRatePolicy(ratePerSecond: 10, burst: 1, adaptive: adaptive)
            try await withServices([store]) {
                #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 10)
                #expect(try await store.throttle("llm", policy: policy, cooldown: .seconds(5)) == 5)
                #expect(try await store.throttle("llm", policy: policy, cooldown: .seconds(5)) == nil)
                #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 5)
                try await Task.sleep(for: .milliseconds(1500))
                // Two whole raise periods: 5 + 2 × 2.
                #expect(try await store.reserve("llm", tokens: 1, policy: policy).ratePerSecond == 9)
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
                proxy.sever()
                let waiting = Task { try await bucket.acquire() }
                try await Task.sleep(for: .seconds(3))
                #expect(logs.messages.filter { $0.hasPrefix("warning") && $0.contains("cannot be reached") }.count == 1, "\(logs.messages)")
                proxy.restore()
                let waited = try await waiting.value
                #expect(waited >= .seconds(3), "a caller passed while the database was away")
                #expect(logs.messages.contains { $0.contains("reachable again") })
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
