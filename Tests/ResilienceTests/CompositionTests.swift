import Foundation
import Logging
import SummarizerCore
import SummarizerTesting
import Testing

@testable import Resilience

@Suite("Composition and configuration")
struct CompositionTests {
    /// A registry with the resilience plugins and minimal stages, so configs can be built.
    func registry() -> PluginRegistry {
        var registry = PluginRegistry()
        registry.register(contentsOf: ResiliencePlugins.all)
        registry.setDefaultMiddleware(ResiliencePlugins.defaultChains)
        registry.register(Plugin(type: "list", summary: "s", .source { _, _ in StaticSource([]) }))
        registry.register(
            Plugin(
                type: "page",
                summary: "f",
                .fetcher { _, _ in
                    ClosureFetcher.serving { _ in "text" }
                }
            )
        )
        registry.register(Plugin(type: "text", summary: "e", .extractor { _, _ in ClosureExtractor.passThrough }))
        registry.register(Plugin(type: "llm", summary: "l", .summarizer { _, _ in ClosureSummarizer.echo }))
        registry.register(Plugin(type: "memory", summary: "m", .sink { _, _ in InMemorySink() }))
        registry.register(
            Plugin(
                type: "jsonl",
                summary: "d",
                keys: [ConfigKey("path", .path, doc: "p")],
                .deadLetter { _, _ in InMemoryDeadLetterSink() }
            )
        )
        return registry
    }

    func build(_ json: String, environment: [String: String] = [:]) throws -> (PipelineConfig, Pipeline) {
        let registry = registry()
        let config = try ConfigLoader(registry: registry, environment: environment).load(data: Data(json.utf8), baseDirectory: "/")
        let pipeline = try PipelineBuilder(registry: registry).build(
            config,
            environment: PluginEnvironment(logger: Logger(label: "t"), clock: ManualClock(), baseDirectory: "/")
        )
        return (config, pipeline)
    }

    let minimal = """
        {"source": {"type": "list"}, "fetcher": {"type": "page"}, "extractor": {"type": "text"},
         "summarizer": {"type": "llm"}, "sinks": [{"type": "memory"}]}
        """

    @Test func stagesWithoutMiddlewareGetTheirRolesDefaultChain() throws {
        let (_, pipeline) = try build(minimal)
        // The breaker outside the retry: it counts failed items, not attempts.
        #expect(pipeline.fetcher.chain.description.hasPrefix("circuitBreaker per domain (5 failures, open 300s, 1 probe) -> "))
        #expect(pipeline.fetcher.chain.description.hasSuffix("-> retry(3, 1s x2, full jitter, max 30s, hints up to 120s)"))
        #expect(pipeline.summarizer.chain.description.hasPrefix("retry(3, 2s x2"))
        #expect(pipeline.summarizer.chain.description.hasSuffix("-> rateLimit (60/min, burst 5, this process only)"))
        #expect(pipeline.sinks[0].chain.middleware.count == 1)
        #expect(pipeline.extractor.chain.middleware.isEmpty)
    }

    @Test func anEmptyListMeansNoMiddlewareAndNamesAreSharedInstances() throws {
        let json = """
            {"source": {"type": "list"}, "fetcher": {"type": "page", "middleware": []}, "extractor": {"type": "text"},
             "summarizer": {"type": "llm", "middleware": ["llmRetry", "llm"]},
             "sinks": [{"type": "memory", "middleware": ["llm"]}],
             "middleware": {"llmRetry": {"type": "retry", "maxAttempts": 5, "jitter": "none"},
                            "llm": {"type": "rateLimit", "requestsPerMinute": 30, "burst": 2}}}
            """
        let (_, pipeline) = try build(json)
        #expect(pipeline.fetcher.chain.middleware.isEmpty)
        #expect(
            pipeline.summarizer.chain.description
                == "retry \"llmRetry\" (5, 1s x2, no jitter, max 30s, hints up to 120s) -> rateLimit \"llm\" (30/min, burst 2, this process only)"
        )
        let summarizerLimiter = try #require(pipeline.summarizer.chain.middleware[1] as? RateLimitMiddleware)
        let sinkLimiter = try #require(pipeline.sinks[0].chain.middleware[0] as? RateLimitMiddleware)
        #expect(summarizerLimiter.limiter === sinkLimiter.limiter)
    }

    @Test func environmentOverridesReachNamedAndDefaultMiddleware() throws {
        let json = """
            {"source": {"type": "list"}, "fetcher": {"type": "page", "middleware": ["fetchLimit"]}, "extractor": {"type": "text"},
             "summarizer": {"type": "llm", "middleware": ["retry", "llmLimit"]}, "sinks": [{"type": "memory"}],
             "middleware": {"retry": {"type": "retry"}, "llmLimit": {"type": "rateLimit", "requestsPerSecond": 5},
                            "fetchLimit": {"type": "rateLimit", "requestsPerMinute": 100}}}
            """
        let (config, pipeline) = try build(
            json,
            environment: [
                "RETRY_MAX_ATTEMPTS": "7", "MAX_REQUESTS_PER_MINUTE": "12", "CIRCUIT_BREAKER_THRESHOLD": "9",
                "CIRCUIT_BREAKER_TIMEOUT": "30",
            ]
        )
        // MAX_REQUESTS_PER_MINUTE sets the summarizer's limits only, replacing a per-second rate.
        #expect(pipeline.summarizer.chain.description.hasSuffix("rateLimit \"llmLimit\" (12/min, burst 1, this process only)"))
        #expect(pipeline.fetcher.chain.description == "rateLimit \"fetchLimit\" (100/min, burst 1, this process only)")
        #expect(pipeline.summarizer.chain.description.hasPrefix("retry \"retry\" (7,"))
        #expect(pipeline.sinks[0].chain.description.hasPrefix("retry(7,"))
        let named = try #require(config.middleware.first { $0.name == "llmLimit" })
        #expect(named.stage.config.origins["requestsPerMinute"] == .environment)
        // Default breakers get the breaker variables.
        let defaults = try build(minimal, environment: ["CIRCUIT_BREAKER_THRESHOLD": "9", "CIRCUIT_BREAKER_TIMEOUT": "30"]).1
        #expect(defaults.fetcher.chain.description.hasPrefix("circuitBreaker per domain (9 failures, open 30s, 1 probe)"))
    }

    @Test func aRateLimitNeedsExactlyOneRate() {
        let both = """
            {"source": {"type": "list"}, "fetcher": {"type": "page"}, "extractor": {"type": "text"},
             "summarizer": {"type": "llm", "middleware": ["l"]}, "sinks": [{"type": "memory"}],
             "middleware": {"l": {"type": "rateLimit", "requestsPerMinute": 1, "requestsPerSecond": 1}}}
            """
        #expect(throws: ConfigError.self) { try build(both) }
        do {
            _ = try build(both)
        } catch let error as ConfigError {
            #expect(error.problems.map(\.pointer.description) == ["/middleware/l/requestsPerSecond"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func retryAroundARateLimitTakesATokenPerAttempt() async throws {
        let clock = ManualClock()
        let metrics = RunMetrics()
        var policy = RetryPolicy()
        policy.jitter = .none
        policy.baseDelay = .milliseconds(100)
        let bucket = TokenBucket(requestsPerSecond: 1, burst: 1, clock: RunClock(clock))
        let chain = MiddlewareChain([
            RetryMiddleware(policy: policy, metrics: metrics),
            RateLimitMiddleware(bucket: bucket, name: nil, rateDescription: "1/s", metrics: metrics),
        ])
        let script = Script([PipelineError(.transient, "503"), PipelineError(.transient, "503")])
        let call = makeCall(clock: clock)
        _ = try await driving(clock) { try await chain.run(call, script.call) }
        // Three attempts, three tokens: the second and third waited for the bucket (1 s apart),
        // not just for the 100 ms and 200 ms backoffs.
        #expect(script.calls == 3)
        #expect(clock.now.offset == .seconds(2))
    }

    @Test func theOrchestratorRetriesFlakyStagesToSuccess() async throws {
        let clock = ManualClock()
        var policy = RetryPolicy()
        policy.jitter = .none
        policy.maxAttempts = 4
        let metrics = RunMetrics()
        let flaky = Script((1...3).map { PipelineError(.transient, "flaky \($0)") })
        let fetcher = ClosureFetcher { item, context in
            _ = try await flaky.call(StageCall(role: .fetcher, pluginType: "t", item: item, context: context))
            return FetchedPage(finalURL: item.url, body: [], text: "text", method: .direct)
        }
        let sink = InMemorySink()
        let deadLetter = InMemoryDeadLetterSink()
        let pipeline = Pipeline(
            source: PipelineStage(type: "s", component: StaticSource(WorkItem.numbered(5))),
            fetcher: PipelineStage(type: "f", component: fetcher, chain: MiddlewareChain([RetryMiddleware(policy: policy, metrics: metrics)])),
            extractor: PipelineStage(type: "e", component: ClosureExtractor.passThrough),
            summarizer: PipelineStage(type: "l", component: ClosureSummarizer.echo),
            sinks: [PipelineStage(type: "m", component: sink)],
            deadLetter: PipelineStage(type: "d", component: deadLetter)
        )
        let orchestrator = Orchestrator(
            pipeline: pipeline,
            settings: RunSettings(concurrency: 1, batchSize: 10),
            logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() },
            clock: clock,
            metrics: metrics
        )
        let report = try await driving(clock) { await orchestrator.run() }
        #expect(report.written == 5)
        #expect(report.failed == 0)
        #expect(metrics.snapshot.counters["retries"] == 3)
        #expect(deadLetter.failures.isEmpty)
    }

    @Test func aFailureAfterRetriesCarriesEveryAttemptInItsHistory() async throws {
        let clock = ManualClock()
        var policy = RetryPolicy()
        policy.jitter = .none
        let fetcher = ClosureFetcher { item, _ in throw PipelineError(.transient, "503 from \(item.url)", code: "503") }
        let deadLetter = InMemoryDeadLetterSink()
        let pipeline = Pipeline(
            source: PipelineStage(type: "s", component: StaticSource(WorkItem.numbered(1))),
            fetcher: PipelineStage(type: "f", component: fetcher, chain: MiddlewareChain([RetryMiddleware(policy: policy, metrics: RunMetrics())])),
            extractor: PipelineStage(type: "e", component: ClosureExtractor.passThrough),
            summarizer: PipelineStage(type: "l", component: ClosureSummarizer.echo),
            sinks: [PipelineStage(type: "m", component: InMemorySink())],
            deadLetter: PipelineStage(type: "d", component: deadLetter)
        )
        let orchestrator = Orchestrator(
            pipeline: pipeline,
            settings: RunSettings(concurrency: 1, batchSize: 10),
            logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() },
            clock: clock
        )
        let report = try await driving(clock) { await orchestrator.run() }
        #expect(report.failed == 1)
        let failure = try #require(deadLetter.failures.first)
        #expect(failure.attempts == 3)
        #expect(failure.history.map(\.kind) == [.transient, .transient, .transient])
        #expect(failure.code == "503")
    }
}
