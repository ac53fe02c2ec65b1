import ArgumentParser
import Foundation
import Logging
import Resilience
import SummarizerCore

/// `summarize-bench resilience`: the cost of the middleware chain, and the limiter's accuracy.
struct ResilienceBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resilience",
        abstract: "Overhead of retry + breaker + rate limit + timeout + concurrency limit per call, and rate-limiter accuracy."
    )

    @Option(help: "Calls timed per chain.")
    var calls = 200_000

    @Option(help: "Seconds the limiter is hammered.")
    var limiterSeconds = 20.0

    @Option(help: "Tasks hammering the limiter.")
    var limiterTasks = 64

    @Option(help: "The limiter's rate per minute.")
    var limiterPerMinute = 600.0

    @Option(help: "The limiter's burst.")
    var limiterBurst = 10

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let metrics = RunMetrics()
        let clock = RunClock(ContinuousClock())
        let scheduler = DeadlineScheduler(clock: clock)

        var breakerSettings = CircuitBreaker.Settings()
        breakerSettings.failureThreshold = 5
        let retry = RetryMiddleware(policy: RetryPolicy(), metrics: metrics)
        let breaker = CircuitBreakerMiddleware(
            breaker: CircuitBreaker(settings: breakerSettings, key: .domain, clock: clock, logger: logger, metrics: metrics),
            name: nil
        )
        let limiter = RateLimitMiddleware(
            bucket: TokenBucket(requestsPerSecond: 1e9, burst: 1_000_000, clock: clock),
            name: nil,
            rateDescription: "room",
            metrics: metrics
        )
        let timeout = TimeoutMiddleware(timeout: .seconds(10), scheduler: scheduler, clock: clock)
        let bulkhead = ConcurrencyLimitMiddleware(limit: 1_000, key: .global)

        let chains: [(String, MiddlewareChain)] = [
            ("no middleware", MiddlewareChain()),
            ("retry", MiddlewareChain([retry])),
            ("circuitBreaker", MiddlewareChain([breaker])),
            ("rateLimit (with room)", MiddlewareChain([limiter])),
            ("timeout", MiddlewareChain([timeout])),
            ("concurrencyLimit", MiddlewareChain([bulkhead])),
            ("whole chain", MiddlewareChain([retry, breaker, limiter, timeout, bulkhead])),
        ]

        let call = StageCall(
            role: .fetcher,
            pluginType: "bench",
            item: WorkItem(url: "https://bench.example/article"),
            context: StageContext(logger: logger, metrics: metrics)
        )
        var rows: [(String, Double, Double)] = []
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await scheduler.run() }
            for (name, chain) in chains {
                let (median, p99) = await Self.time(chain, call: call, calls: calls)
                rows.append((name, median, p99))
            }
            group.cancelAll()
        }

        print("Middleware overhead per call (\(calls) calls each, one task, no waiting)")
        print("chain".padding(toLength: 26, withPad: " ", startingAt: 0) + "median ns    p99 ns")
        for (name, median, p99) in rows {
            print(name.padding(toLength: 26, withPad: " ", startingAt: 0) + pad(median, 9) + "  " + pad(p99, 9))
        }

        let accuracy = await limiterAccuracy()
        print("")
        print("Rate limiter: \(limiterTasks) tasks, \(format(limiterPerMinute))/min, burst \(limiterBurst), \(format(limiterSeconds)) s")
        print("grants                 \(accuracy.grants) (configured rate x duration: \(format(accuracy.expected)))")
        print("grant ratio            \(String(format: "%.4f", accuracy.ratio))")
        print("max grants in any 1 s  \(accuracy.max1) (allowed \(accuracy.allowed1))")
        print("max grants in any 60 s \(accuracy.max60) (allowed \(accuracy.allowed60))")

        let whole = rows.last!
        let json: [String: Any] = [
            "chain_median_ns": whole.1, "chain_p99_ns": whole.2, "limiter_configured_per_minute": limiterPerMinute,
            "limiter_grant_ratio": (accuracy.ratio * 10_000).rounded() / 10_000,
            "limiter_max_window_grants": max(accuracy.max1, accuracy.max60),
            "limiter_allowed_window_grants": accuracy.allowed60,
            "limiter_max_1s_window_grants": accuracy.max1, "limiter_allowed_1s_window_grants": accuracy.allowed1,
        ]
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Times `calls` calls one after another; returns the median and p99 in nanoseconds.
    static func time(_ chain: MiddlewareChain, call: StageCall, calls: Int) async -> (Double, Double) {
        let clock = ContinuousClock()
        for _ in 0..<min(10_000, calls) {
            _ = try? await chain.run(call) { _ in 1 }
        }
        var samples = [Double]()
        samples.reserveCapacity(calls)
        for _ in 0..<calls {
            let start = clock.now
            _ = try? await chain.run(call) { _ in 1 }
            samples.append((clock.now - start).seconds * 1e9)
        }
        samples.sort()
        return (samples[samples.count / 2], samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))])
    }

    struct Accuracy {
        var grants: Int
        var expected: Double
        var ratio: Double
        var max1: Int
        var allowed1: Int
        var max60: Int
        var allowed60: Int
    }

    /// Hammers one limiter from many tasks and checks every sliding window of grants.
    func limiterAccuracy() async -> Accuracy {
        let clock = RunClock(ContinuousClock())
        let bucket = TokenBucket(requestsPerSecond: limiterPerMinute / 60, burst: limiterBurst, clock: clock)
        let end = Duration.seconds(fromDouble: limiterSeconds)
        let times = await withTaskGroup(of: [Duration].self) { group in
            for _ in 0..<limiterTasks {
                group.addTask {
                    var granted: [Duration] = []
                    while true {
                        guard (try? await bucket.acquire()) != nil else { break }
                        let now = clock.now
                        guard now < end else { break }
                        granted.append(now)
                    }
                    return granted
                }
            }
            var all: [Duration] = []
            for await granted in group { all += granted }
            return all.sorted()
        }
        let rate = limiterPerMinute / 60
        let expected = rate * limiterSeconds
        return Accuracy(
            grants: times.count,
            expected: expected,
            ratio: Double(times.count) / expected,
            max1: TokenBucket.maxGrantsInWindow(times, length: .seconds(1)),
            allowed1: Int(rate * 1) + limiterBurst,
            max60: TokenBucket.maxGrantsInWindow(times, length: .seconds(60)),
            allowed60: Int(rate * 60) + limiterBurst
        )
    }
}

func pad(_ value: Double, _ width: Int) -> String {
    let text = String(Int(value.rounded()))
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

func format(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}

extension Duration {
    static func seconds(fromDouble value: Double) -> Duration {
        .nanoseconds(Int64(value * 1e9))
    }
}
