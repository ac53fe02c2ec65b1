import Foundation
import Logging
import ServiceLifecycle
import SummarizerCore
import Synchronization

/// The runs `summarize serve` started (`POST /v1/runs`), running and finished, as a service of
/// the server's group: a graceful shutdown stops every run as SIGTERM stops `summarize run` (no
/// new items, those started finish within the grace, sinks flushed) and waits for them.
final class RunManager: Service, Sendable {
    /// One run's state as `GET /v1/runs/{id}` shows it.
    enum State: String, Sendable {
        case running, stopping, finished, failed
    }

    final class Entry: Sendable {
        let id: String
        let startedAt: Date
        let options: RunOptions
        let metrics: RunMetrics
        let control: RunControl
        let identity: RunIdentity
        let orchestrator: Orchestrator
        let outcome = Mutex<(finishedAt: Date, report: RunReport, document: JSONValue)?>(nil)

        init(id: String, options: RunOptions, metrics: RunMetrics, control: RunControl, identity: RunIdentity, orchestrator: Orchestrator) {
            self.id = id
            self.startedAt = Date()
            self.options = options
            self.metrics = metrics
            self.control = control
            self.identity = identity
            self.orchestrator = orchestrator
        }

        var state: State {
            if let outcome = outcome.withLock({ $0 }) {
                // A run that went through its items (some may have failed: exit 1) or stopped on
                // request finished; one that stopped for a reason of its own (the source failed,
                // the quota, a sink) failed.
                if case .requested = outcome.report.stopReason { return .finished }
                return outcome.report.exitCode <= 1 ? .finished : .failed
            }
            return control.request == nil ? .running : .stopping
        }

        /// The run as JSON: state, live counts, and once it ended its report and exit code.
        var json: JSONValue {
            let snapshot = metrics.snapshot
            let outcome = outcome.withLock { $0 }
            var object: [String: JSONValue] = [
                "id": .string(id),
                "state": .string(state.rawValue),
                "startedAt": .string(ISO8601.string(from: startedAt)),
                "options": options.json,
                "counts": .object([
                    "started": .number(Double(snapshot.itemsStarted)),
                    "finished": .number(Double(snapshot.itemsFinished)),
                    "written": .number(Double(snapshot.successfulRequests)),
                    "failed": .number(Double(snapshot.failedRequests)),
                    "tokens": .number(Double(snapshot.llmTokens.total)),
                    "costUSD": .number(snapshot.llmCostUSD),
                ]),
                "finishedAt": outcome.map { .string(ISO8601.string(from: $0.finishedAt)) } ?? .null,
                "exitCode": outcome.map { .number(Double($0.report.exitCode)) } ?? .null,
                "report": outcome?.document ?? .null,
            ]
            if let request = control.request, outcome == nil { object["stopRequested"] = .string("\(request)") }
            return .object(object)
        }
    }

    private struct Runs {
        var entries: [Entry] = []
        var pending: [Entry] = []
        var wake: CheckedContinuation<Void, Never>?
        var shuttingDown = false
    }

    let settings: ServeSettings
    let logger: Logger
    private let state = Mutex(Runs())
    private let endHandler = Mutex<(@Sendable (RunReport) -> Void)?>(nil)

    /// Sets what learns of every run's end (readiness follows a spent quota a run met).
    func onRunEnded(_ handler: @escaping @Sendable (RunReport) -> Void) {
        endHandler.withLock { $0 = handler }
    }

    init(settings: ServeSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Runs started and not ended.
    var active: Int { state.withLock { Self.running($0.entries) } }

    /// Admits a run made by `make` if fewer than `serve.maxConcurrentRuns` are going; the run
    /// starts on the manager's task group.
    func start(_ make: (String) throws(APIError) -> Entry) throws(APIError) -> Entry {
        try admissible()
        let entry = try make(UUID().uuidString.lowercased())
        // Checked again with the entry added under the same lock: two requests at once cannot
        // both take the last slot (the one that loses drops the pipeline it built, unstarted).
        let wake = try state.withLock { state throws(APIError) -> CheckedContinuation<Void, Never>? in
            guard !state.shuttingDown, Self.running(state.entries) < settings.maxConcurrentRuns else { throw refusal }
            state.entries.append(entry)
            state.pending.append(entry)
            // Forget the oldest finished runs beyond the history size.
            var finished = state.entries.filter { $0.outcome.withLock { $0 } != nil }
            while finished.count > settings.historySize, let oldest = finished.first {
                state.entries.removeAll { $0 === oldest }
                finished.removeFirst()
            }
            defer { state.wake = nil }
            return state.wake
        }
        wake?.resume()
        return entry
    }

    private func admissible() throws(APIError) {
        let admitted = state.withLock { !$0.shuttingDown && Self.running($0.entries) < settings.maxConcurrentRuns }
        guard admitted else { throw refusal }
    }

    private var refusal: APIError {
        let count = settings.maxConcurrentRuns
        return APIError(
            429,
            "\(count) run\(count == 1 ? " is" : "s are") going already (serve.maxConcurrentRuns); try again when it ends",
            headers: [("Retry-After", "10")]
        )
    }

    private static func running(_ entries: [Entry]) -> Int {
        entries.filter { $0.outcome.withLock { $0 } == nil }.count
    }

    func entry(_ id: String) -> Entry? {
        state.withLock { $0.entries.first { $0.id == id } }
    }

    /// The runs kept, newest first.
    var entries: [Entry] { state.withLock { $0.entries.reversed() } }

    /// Runs each admitted run until it ends; on graceful shutdown asks every run to stop as
    /// SIGTERM would, and returns once they all ended.
    func run() async throws {
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                while let next = await self.nextPending() {
                    group.addTask { await self.execute(next) }
                }
            } onGracefulShutdown: {
                self.shutdown()
            }
        }
    }

    private func nextPending() async -> Entry? {
        while true {
            let (entry, done) = state.withLock { state -> (Entry?, Bool) in
                if !state.pending.isEmpty { return (state.pending.removeFirst(), false) }
                return (nil, state.shuttingDown)
            }
            if let entry { return entry }
            if done || Task.isCancelled { return nil }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if !state.pending.isEmpty || state.shuttingDown { return true }
                    state.wake = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    private func shutdown() {
        let (entries, wake) = state.withLock { state -> ([Entry], CheckedContinuation<Void, Never>?) in
            state.shuttingDown = true
            defer { state.wake = nil }
            return (state.entries, state.wake)
        }
        for entry in entries { entry.control.requestStop(.signal(name: "SIGTERM", exitCode: 143)) }
        wake?.resume()
    }

    private func execute(_ entry: Entry) async {
        var logger = logger
        logger[metadataKey: "run"] = "\(entry.id)"
        logger.info("run started", metadata: ["options": "\(entry.options.json)"])
        // The run's own services (pools, schedulers) must outlive the group's graceful shutdown
        // until the run has flushed: it stops them itself when it is done.
        let orchestrator = entry.orchestrator
        let control = entry.control
        let task = Task.detached { await orchestrator.run(control: control) }
        let report = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        let document = (try? RunReportDocument(report: report, identity: entry.identity).json()).flatMap { try? JSONValue.parse($0) } ?? .null
        entry.outcome.withLock { $0 = (Date(), report, document) }
        endHandler.withLock { $0 }?(report)
        logger.info("run ended", metadata: ["exitCode": "\(report.exitCode)", "written": "\(report.written)", "failed": "\(report.failed)"])
    }

    /// Asks a run to stop gracefully, as SIGTERM would.
    func stop(_ entry: Entry) {
        entry.control.requestStop(.signal(name: "DELETE /v1/runs/\(entry.id)", exitCode: 143))
    }
}

extension RunOptions {
    /// The options of a run as `POST /v1/runs` takes them.
    var json: JSONValue {
        var object: [String: JSONValue] = ["dryRun": .bool(dryRun), "resummarize": .bool(resummarize)]
        if let limit { object["limit"] = .number(Double(limit)) }
        if let publisher { object["publisher"] = .string(publisher) }
        if let urlIDs { object["urlIds"] = .array(urlIDs.map(JSONValue.string)) }
        if let model { object["model"] = .string(model) }
        return .object(object)
    }
}
