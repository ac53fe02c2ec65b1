import Foundation
import Logging

/// One run of an ``Orchestrator``: the state it keeps (the report, pending batches, the read
/// window, the items ready to start) and the loop that moves items through it. A value owned
/// by the task that runs it; its methods change it in place.
struct OrchestratorRun {
    typealias ItemResult = Orchestrator.ItemResult
    typealias Delivery = Orchestrator.Delivery
    typealias PendingRecord = Orchestrator.PendingRecord

    /// What the tasks of the item group report.
    enum Event: Sendable {
        case result(ItemResult, Delivery)
        /// What the source gave next.
        case element(SourceFeed.Received)
        /// A stop was requested (or the watcher was cancelled at the end of the run).
        case stopRequested
        /// `run.shutdownGraceSeconds` passed after a stop: in-flight items are cancelled.
        case graceExpired
    }

    let orchestrator: Orchestrator

    var report = RunReport()
    var pendingRecords: [PendingRecord] = []
    var pendingFailures: [FailureRecord] = []
    /// Ids seen so far, to drop duplicates; `nil` for a source whose ids are distinct.
    var seen: IDSet?
    /// Items read but not yet checked against the sinks.
    var window: [WorkItem] = []
    /// Items checked and waiting for a free slot, the next one last.
    var ready: [(WorkItem, Delivery)] = []
    var stopOnError = false
    /// Started when the first record of the pending batch arrived.
    var pendingSince: Stopwatch?
    var stopping: Bool { report.stopReason != nil }
    /// Items started and not yet handled.
    var inFlight = 0
    /// Whether a task waits for the source's next element.
    var reading = false
    /// Whether the source ended, failed or was stopped.
    var sourceDone = false
    /// Whether the shutdown grace has started.
    var graceStarted = false

    init(orchestrator: Orchestrator) {
        self.orchestrator = orchestrator
    }

    // The orchestrator's configuration, read through, so the run's methods read as before.
    var pipeline: Pipeline { orchestrator.pipeline }
    var settings: RunSettings { orchestrator.settings }
    var options: RunOptions { orchestrator.options }
    var logger: Logger { orchestrator.logger }
    var clock: any Clock<Duration> { orchestrator.clock }
    var metrics: RunMetrics { orchestrator.metrics }
    var preview: (any Sink)? { orchestrator.preview }
    var prepared: [String: EarlierFailure] { orchestrator.prepared }
    var outcomes: OutcomeLog? { orchestrator.outcomes }

    /// A fresh context for one stage call.
    func context(logger: Logger) -> StageContext {
        orchestrator.context(logger: logger)
    }

    /// Runs the items to the end, then finishes the stages and returns the report.
    mutating func execute(control: RunControl) async -> RunReport {
        let stopwatch = Stopwatch(clock)
        report.dryRun = options.dryRun
        report.maxItemAttempts = settings.maxItemAttempts
        stopOnError = options.stopOnError || !settings.continueOnError
        if !pipeline.source.component.distinctIDs { seen = IDSet() }

        if !options.dryRun {
            await prepareSinks()
        }

        let feed = SourceFeed()
        await withTaskGroup(of: Void.self) { helpers in
            let source = pipeline.source.component
            let query = options.query
            let sourceContext = context(logger: logger)
            helpers.addTask { await feed.run(source.items(query, context: sourceContext)) }
            // Wall time, not the run's clock: a stall is what an operator waits through, and a
            // test's manual clock must not count the watch among its sleepers.
            let watch = StallWatch(metrics: metrics, threshold: settings.stall, clock: ContinuousClock(), logger: logger)
            helpers.addTask { await watch.run() }
            if let maxDuration = settings.maxDuration {
                helpers.addTask { [clock] in
                    guard (try? await clock.sleep(for: maxDuration)) != nil else { return }
                    let (seconds, attoseconds) = maxDuration.components
                    control.requestStop(.deadline(seconds: Double(seconds) + Double(attoseconds) / 1e18))
                }
            }
            await loop(feed: feed, control: control)
            // The reader waits for a request that will not come; the deadline is moot.
            helpers.cancelAll()
        }

        await flushRecords()
        await flushFailures()
        if !window.isEmpty || !ready.isEmpty {
            logger.debug(
                "items read but not started are left for the next run",
                metadata: ["items": "\(window.count + ready.count)"]
            )
        }
        if !options.dryRun {
            // Nothing is in flight: the source may release what it leased and did not finish.
            await pipeline.source.component.finish(context: context(logger: logger))
            for sink in pipeline.sinks {
                do {
                    try await sink.component.finish()
                } catch {
                    logger.error("a sink failed to finish", metadata: ["sink": "\(sink.type)", "error": "\(error)"])
                }
            }
            do {
                try await pipeline.deadLetter.component.finish()
            } catch {
                logger.error("the dead-letter sink failed to finish", metadata: ["error": "\(error)"])
            }
        }
        try? await preview?.finish()

        report.durationSeconds = stopwatch.elapsedSeconds
        report.metrics = metrics.snapshot
        return report
    }

    /// Checks every sink before the first item is taken.
    mutating func prepareSinks() async {
        for sink in pipeline.sinks {
            do {
                try await sink.component.prepare(context: context(logger: logger))
            } catch {
                let failure = PipelineError.from(error)
                logger.error("a sink failed its start-up check", metadata: ["sink": "\(sink.name)", "error": "\(failure)"])
                report.stopReason = .sinkUnavailable(sink: sink.name, failure)
                return
            }
        }
    }

    /// Items read ahead of the free slots, checked against the sinks a window at a time: enough
    /// that one query answers for many items, few enough that a leasing source holds little.
    var windowLimit: Int { min(500, max(32, 4 * max(1, settings.concurrency))) }

    /// Takes items from the feed, checks them against the sinks a window at a time, runs at most
    /// `concurrency` at once, and handles their results until the source ends or the run stops;
    /// then lets the started items finish, within the shutdown grace after a requested stop.
    ///
    /// Everything arrives as an event of one task group (the next source element included), so
    /// a result is handled, and its batch flushed, while the source is still waiting for input.
    mutating func loop(feed: SourceFeed, control: RunControl) async {
        let concurrency = max(1, settings.concurrency)
        let orchestrator = orchestrator
        await withTaskGroup(of: Event.self) { group in
            group.addTask {
                if await control.waitForStop() != nil { feed.stop() }
                return .stopRequested
            }
            while true {
                let limited = options.limit.map { report.itemsRead >= $0 } ?? false
                while inFlight < concurrency, !stopping, !limited, let next = ready.popLast() {
                    let (item, delivery) = next
                    report.itemsRead += 1
                    inFlight += 1
                    metrics.itemStarted()
                    group.addTask { .result(await orchestrator.process(item, delivery), delivery) }
                    if let limit = options.limit, report.itemsRead >= limit { break }
                }
                let buffered = window.count + ready.count
                let room = options.limit.map { $0 - report.itemsRead - buffered } ?? Int.max
                if !reading, !sourceDone, !stopping, room > 0, buffered < windowLimit {
                    reading = true
                    group.addTask { .element(await feed.next()) }
                }
                // A window is checked when full, when nothing more will join it, or when a slot
                // would otherwise stay idle waiting for it.
                if !window.isEmpty, !stopping,
                    window.count >= windowLimit || sourceDone || room <= 0 || ready.count + inFlight < concurrency
                {
                    let full = window
                    window = []
                    await check(full)
                    continue
                }
                let drained = window.isEmpty && ready.isEmpty
                let limitReached = options.limit.map { report.itemsRead >= $0 } ?? false
                // Done once nothing runs and nothing more will be started.
                if !reading, inFlight == 0, (sourceDone && drained) || stopping || limitReached { break }
                guard let event = await group.next() else { break }
                switch event {
                case .element(let received):
                    reading = false
                    await take(received)
                case .result(let result, let delivery):
                    inFlight -= 1
                    metrics.itemReturned()
                    await handle(result, delivery)
                case .stopRequested:
                    if let request = control.request { startGrace(request, in: &group) }
                case .graceExpired:
                    if inFlight > 0 {
                        logger.warning("the shutdown grace is over: cancelling the items still running", metadata: ["inFlight": "\(inFlight)"])
                        group.cancelAll()
                    }
                }
                // A stop of the run's own (a failure, the budget) also ends the wait for the source.
                if stopping, reading { feed.stop() }
            }
            // Ends the stop watcher and a grace timer still sleeping.
            feed.stop()
            group.cancelAll()
            while let event = await group.next() {
                if case .result(let result, let delivery) = event {
                    metrics.itemReturned()
                    await handle(result, delivery)
                }
            }
            // The watcher stops the feed before its event arrives, so a source with nothing in
            // flight can end the loop first: the request still says why the run ended.
            if let request = control.request { recordStop(request) }
        }
    }

    /// Names `request` as what ended the run, unless something else already did.
    mutating func recordStop(_ request: StopRequest) {
        guard report.stopReason == nil else { return }
        if case .serviceUnavailable(let error) = request, error.reason == CostBudget.refusalReason {
            // A shared budget another process found spent ends this run as it ended that one.
            report.stopReason = .budgetReached(error.message)
        } else {
            report.stopReason = .requested(request)
        }
    }

    /// Starts the shutdown grace after a stop request: no new items; those started may finish
    /// until the grace is over.
    mutating func startGrace(_ request: StopRequest, in group: inout TaskGroup<Event>) {
        guard !graceStarted else { return }
        graceStarted = true
        recordStop(request)
        logger.notice(
            "stopping: no new items; those started may finish",
            metadata: ["reason": "\(request)", "inFlight": "\(inFlight)", "grace": "\(settings.shutdownGrace)"]
        )
        let grace = settings.shutdownGrace
        group.addTask { [clock] in
            try? await clock.sleep(for: grace)
            return .graceExpired
        }
    }

    /// Takes what the source gave: an item joins the window, a rejection is failed at once.
    mutating func take(_ received: SourceFeed.Received) async {
        switch received {
        case .stopped, .end:
            sourceDone = true
        case .failed(let error):
            sourceDone = true
            let failure = PipelineError.from(error)
            logger.error("the source failed", metadata: ["error": "\(failure)"])
            if report.stopReason == nil { report.stopReason = .sourceFailed(failure) }
        case .element(.rejected(let rejection)):
            logger.warning(
                "skipping a source entry",
                metadata: ["at": "\(rejection.location)", "reason": "\(rejection.error.message)"]
            )
            let item = WorkItem(url: rejection.entry)
            let failure = FailureRecord(item: item, stage: .source, error: rejection.error, failedAt: Date())
            await fail(failure)
        case .element(.item(let item)):
            if seen?.insert(item.id) == false {
                logger.info("skipping a duplicate", metadata: ["item": "\(item.id)", "url": "\(item.url)"])
                report.skipped += 1
                metrics.recordOutcome("duplicate")
            } else if stopping {
                // Read just as the run stopped: not started, so the next run takes it.
                logger.debug("read after the stop; left for the next run", metadata: ["item": "\(item.id)"])
            } else {
                window.append(item)
            }
        }
    }

    /// Asks every sink which items of `window` it holds and the dead-letter sink what it knows of
    /// their earlier failures; queues the items to start, with the sinks each goes to, and
    /// counts the rest as skipped.
    mutating func check(_ window: [WorkItem]) async {
        let ids = window.map(\.id)
        let resummarizing = options.resummarize || pipeline.source.component.resummarizes
        let everySink = Set(pipeline.sinks.indices)
        var held: [Int: Set<String>] = [:]
        var earlier: [String: EarlierFailure] = [:]
        if !options.dryRun {
            let context = context(logger: logger)
            // --resummarize (or a source in all mode) asks for new summaries of what the sinks hold too.
            if !resummarizing {
                for (index, sink) in pipeline.sinks.enumerated() {
                    do {
                        if let answer = try await sink.component.heldIDs(among: ids, context: context) { held[index] = answer }
                    } catch {
                        // Not knowing means writing again: a duplicate at worst, never a loss.
                        logger.warning(
                            "could not ask a sink which items it holds; they are written to it",
                            metadata: ["sink": "\(sink.name)", "error": "\(PipelineError.from(error))"]
                        )
                        held[index] = []
                    }
                }
            }
            do {
                earlier = try await pipeline.deadLetter.component.earlierFailures(of: ids, context: context)
            } catch {
                logger.warning(
                    "could not read earlier failures of these items from the dead-letter sink",
                    metadata: ["error": "\(PipelineError.from(error))"]
                )
            }
        }
        var resolved: [String] = []
        var queued: [(WorkItem, Delivery)] = []
        for item in window {
            let holders = Set(held.filter { $0.value.contains(item.id) }.keys)
            if !held.isEmpty, holders.count == held.count {
                logger.debug("every sink holds it; skipped", metadata: ["item": "\(item.id)", "url": "\(item.url)"])
                report.skipped += 1
                report.held += 1
                outcomes?.record(item.id, .held)
                metrics.recordOutcome("held")
                resolved.append(item.id)
                continue
            }
            let failure = prepared[item.id] ?? earlier[item.id]
            if let failure, failure.failedRuns >= settings.maxItemAttempts, !options.includeExhausted {
                logger.debug(
                    "failed in too many runs; skipped",
                    metadata: ["item": "\(item.id)", "url": "\(item.url)", "runs": "\(failure.failedRuns)"]
                )
                report.skipped += 1
                report.exhausted += 1
                outcomes?.record(item.id, .exhausted)
                metrics.recordOutcome("exhausted")
                continue
            }
            var targets = everySink.subtracting(holders)
            let stored = resummarizing ? nil : failure?.record
            if stored != nil, let failedIn = failure?.failedIn {
                // A sink that cannot say what it holds gets the stored record again only if it
                // was one of those that did not store it.
                let narrowed = targets.filter { held[$0] != nil || failedIn.contains(pipeline.sinks[$0].name) }
                if !narrowed.isEmpty { targets = narrowed }
            }
            queued.append((item, Delivery(targets: targets, holders: holders, stored: stored)))
        }
        ready.insert(contentsOf: queued.reversed(), at: 0)
        if !resolved.isEmpty {
            await pipeline.deadLetter.component.resolved(resolved, context: context(logger: logger))
        }
    }
}
