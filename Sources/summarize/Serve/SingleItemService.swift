import Foundation
import Logging
import Resilience
import ServiceLifecycle
import SummarizerCore
import Synchronization

/// `POST /v1/summarize` and `GET /readyz`: one pipeline, built at start and kept while the
/// service lives, takes single items through fetch, extract and summarize (and, when asked, the
/// sinks). Its pools and schedulers run as this service; its sinks are prepared at start and
/// checked again for readiness.
final class SingleItemService: Service, Sendable {
    let pipeline: Pipeline
    let orchestrator: Orchestrator
    let settings: ServeSettings
    let logger: Logger
    /// The runs of this service: while one goes, it has the sinks.
    let runs: RunManager
    private let state = Mutex(State())
    private let started = Mutex(false)
    /// Held while this pipeline's sinks are opened, written or closed, and while a run is
    /// admitted: a run and a `write: true` request never hold a sink's file at once.
    private let sinkGate = AsyncSemaphore(permits: 1)

    private struct State {
        /// Sink problems found by the last check, and when it ran.
        var sinkProblems: [String] = []
        var checkedAt: ContinuousClock.Instant?
        /// Whether this pipeline's sinks are open (prepared and not finished).
        var sinksOpen = false
        /// The daily quota, when a call met it: spent until then.
        var quotaSpentUntil: Date?
    }

    /// How long a sink check stands before `/readyz` runs it again.
    static let recheckAfter = Duration.seconds(10)

    init(pipeline: Pipeline, settings: ServeSettings, runSettings: RunSettings, metrics: RunMetrics, runs: RunManager, logger: Logger) {
        self.pipeline = pipeline
        self.settings = settings
        self.runs = runs
        self.logger = logger
        orchestrator = Orchestrator(pipeline: pipeline, settings: runSettings, logger: logger, metrics: metrics)
    }

    /// Runs the pipeline's services until the service group shuts down, after the sinks'
    /// first check; then closes the sinks.
    func run() async throws {
        let services = pipeline.services
        try await withServices(services) {
            await self.checkSinks()
            self.started.withLock { $0 = true }
            await waitUntilShutdown()
            // The server stopped before this service is asked to: no request writes any more.
            if (try? await self.sinkGate.acquire()) != nil {
                await self.closeSinks()
                self.sinkGate.release()
            }
            try? await self.pipeline.deadLetter.component.finish()
        }
    }

    /// Runs `admit` (a run's admission) with the sinks closed, so the run can open them.
    func withSinksReleased<T>(_ admit: () throws(APIError) -> T) async throws -> T {
        try await sinkGate.acquire()
        defer { sinkGate.release() }
        await closeSinks()
        return try admit()
    }

    private func closeSinks() async {
        guard state.withLock({ $0.sinksOpen }) else { return }
        for sink in pipeline.sinks {
            do {
                try await sink.component.finish()
            } catch {
                logger.warning("a sink did not finish cleanly", metadata: ["sink": "\(sink.type)", "error": "\(error)"])
            }
        }
        state.withLock { $0.sinksOpen = false }
    }

    /// Opens the sinks if they are not: every sink's start-up check; the problems found.
    private func openSinks() async -> [String] {
        if state.withLock({ $0.sinksOpen }) { return [] }
        var problems: [String] = []
        let context = StageContext(logger: logger)
        for (index, sink) in pipeline.sinks.enumerated() {
            do {
                try await sink.component.prepare(context: context)
            } catch {
                problems.append("sinks[\(index)] (\(sink.type)) fails its start-up check: \(PipelineError.from(error).message)")
            }
        }
        state.withLock {
            $0.sinkProblems = problems
            $0.checkedAt = .now
            $0.sinksOpen = problems.isEmpty
        }
        if !problems.isEmpty { await closeSinks() }
        return problems
    }

    /// One item through the pipeline, within `serve.requestTimeoutSeconds`.
    func summarize(url: String, html: String?, write: Bool) async throws -> Orchestrator.SingleOutcome {
        guard started.withLock({ $0 }) else { throw APIError(503, "the service is starting; try again in a moment", headers: [("Retry-After", "1")]) }
        let item = WorkItem(url: url)
        let page = html.map {
            FetchedPage(finalURL: url, body: Array($0.utf8), text: $0, method: .provided)
        }
        if write {
            try await sinkGate.acquire()
        }
        defer { if write { sinkGate.release() } }
        if write {
            guard runs.active == 0 else {
                throw APIError(
                    409,
                    "a run of this service is writing to the sinks; write: true waits until it ends (GET /v1/runs)",
                    headers: [("Retry-After", "10")]
                )
            }
            let problems = await openSinks()
            guard problems.isEmpty else { throw APIError(503, problems.joined(separator: "; ")) }
        }
        let orchestrator = orchestrator
        let outcome: Orchestrator.SingleOutcome
        switch try await withTimeLimit(settings.requestTimeout, { await orchestrator.summarizeOne(item, page: page, write: write) }) {
        case .finished(let value): outcome = value
        case .expired:
            throw APIError(
                504,
                "the item took longer than serve.requestTimeoutSeconds (\(settings.requestTimeout.seconds) s)\(write ? "; nothing was written" : "")"
            )
        }
        if case .failed(let failure) = outcome { note(failure) }
        return outcome
    }

    /// Records a spent daily quota that a call or a run met, for readiness.
    func note(_ failure: FailureRecord) {
        guard let until = SharedExhaustion.quotaBack(failure.errorKind, reason: failure.reason) else { return }
        state.withLock { $0.quotaSpentUntil = until }
    }

    /// Why the service should not get traffic now; empty when ready.
    func notReadyReasons() async -> [String] {
        var reasons: [String] = []
        if !started.withLock({ $0 }) { reasons.append("the service is starting") }
        reasons += await sinkProblems()
        for case let breaker as CircuitBreakerMiddleware in pipeline.summarizer.chain.middleware where breaker.breaker.openKeys > 0 {
            reasons.append("the summarizer's circuit breaker (\(breaker.description)) is open")
        }
        if let until = state.withLock({ $0.quotaSpentUntil }), until > Date() {
            reasons.append("the summarizer's daily quota is spent until \(ISO8601.string(from: until))")
        }
        return reasons
    }

    /// The sinks' start-up check, run again at most every ``recheckAfter``. While a run goes it
    /// has the sinks (it checked them when it started) and they are not checked here.
    private func sinkProblems() async -> [String] {
        let checked = state.withLock { $0.checkedAt }
        guard checked.map({ ContinuousClock.now - $0 >= Self.recheckAfter }) ?? true else {
            return state.withLock { $0.sinkProblems }
        }
        await checkSinks()
        return state.withLock { $0.sinkProblems }
    }

    /// Checks the sinks (opening them) unless a run has them.
    func checkSinks() async {
        guard (try? await sinkGate.acquire()) != nil else { return }
        defer { sinkGate.release() }
        guard runs.active == 0 else {
            state.withLock {
                $0.sinkProblems = []
                $0.checkedAt = .now
            }
            return
        }
        if state.withLock({ $0.sinksOpen }) {
            // Open and unchanged since: closing and opening again checks them anew.
            await closeSinks()
        }
        _ = await openSinks()
    }
}

/// Suspends until the task is cancelled or the service group shuts down gracefully.
private func waitUntilShutdown() async {
    let (stream, continuation) = AsyncStream<Never>.makeStream()
    await withTaskCancellationHandler {
        await withGracefulShutdownHandler {
            for await _ in stream {}
        } onGracefulShutdown: {
            continuation.finish()
        }
    } onCancel: {
        continuation.finish()
    }
}
