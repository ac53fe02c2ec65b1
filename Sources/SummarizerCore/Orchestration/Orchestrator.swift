import Foundation
import Logging

/// Runs a ``Pipeline``: streams items from the source, processes at most `concurrency` at once,
/// batches records to every sink and failures to the dead-letter sink.
///
/// Every item gets exactly one outcome. Delivery is tracked per sink: before a window of items
/// starts, every sink is asked which of them it holds; an item every sink holds is skipped, one
/// that some lack is written to exactly those, and its record counts as written only once each
/// of them acknowledged it. A failure is never written as a summary. Memory stays bounded by the
/// concurrency, the window and the batch size, apart from the set of ids seen (to drop
/// duplicates), which is kept only for sources that may yield an id twice.
public struct Orchestrator: Sendable {
    public var pipeline: Pipeline
    public var settings: RunSettings
    public var options: RunOptions
    public var logger: Logger
    public var clock: any Clock<Duration>
    public var metrics: RunMetrics
    /// Where a dry run shows its records instead of writing them.
    public var preview: (any Sink)?
    /// Earlier failures a caller already read, by item id (`summarize replay`); used like the
    /// dead-letter sink's ``DeadLetterSink/earlierFailures(of:context:)``: an item with a stored
    /// record goes straight to the sinks that lack it, without a fetch or an LLM call.
    public var prepared: [String: EarlierFailure] = [:]
    /// Where the outcome of every item is recorded, when a caller needs them one by one.
    public var outcomes: OutcomeLog?

    public init(
        pipeline: Pipeline,
        settings: RunSettings,
        options: RunOptions = RunOptions(),
        logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(),
        metrics: RunMetrics = RunMetrics(),
        preview: (any Sink)? = nil
    ) {
        self.pipeline = pipeline
        self.settings = settings
        self.options = options
        self.logger = logger
        self.clock = clock
        self.metrics = metrics
        self.preview = preview
    }

    /// What one item's processing produced.
    enum ItemResult: Sendable {
        case summarized(SummaryRecord)
        case failed(FailureRecord)
        /// Not summarized again: the stored summary was made from the same text and prompt.
        case unchanged(WorkItem)
        /// Cancelled by a stop before it finished: not done, not failed.
        case unfinished(WorkItem, PipelineError)
    }

    /// Item metadata keys a source sets when it knows the stored summary's content hash and
    /// prompt version; an item whose extracted text and prompt match both is skipped before the
    /// LLM call.
    public static let storedContentHashKey = "stored_content_hash"
    public static let storedPromptVersionKey = "stored_prompt_version"

    /// Where one item's record goes: the sinks that lack it, and a record made earlier if any.
    struct Delivery: Sendable {
        /// Indices into the pipeline's sinks to write the record to.
        var targets: Set<Int>
        /// Indices of the sinks that said they already hold it.
        var holders: Set<Int>
        /// A record made earlier (a failure at the sink stage): written without an LLM call.
        var stored: SummaryRecord?
    }

    /// A record waiting for its batch, with the sinks it goes to.
    struct PendingRecord: Sendable {
        var record: SummaryRecord
        var delivery: Delivery
    }

    /// The mutable state of one run, owned by the task that runs it.
    struct Progress {
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
    }

    /// Runs the pipeline to the end of its source, a limit, or a reason to stop; `control`
    /// asks it to stop gracefully from outside (signals, a service group shutting down).
    public func run(control: RunControl = RunControl()) async -> RunReport {
        guard !pipeline.services.isEmpty else { return await runItems(control: control) }
        return await withTaskGroup(of: RunReport?.self) { group in
            for service in pipeline.services {
                group.addTask {
                    await service.run()
                    return nil
                }
            }
            group.addTask { await runItems(control: control) }
            var report = RunReport()
            while let result = await group.next() {
                if let result {
                    report = result
                    // The items are done: the services have nothing left to serve.
                    group.cancelAll()
                }
            }
            return report
        }
    }

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

    func runItems(control: RunControl) async -> RunReport {
        let stopwatch = Stopwatch(clock)
        var progress = Progress()
        progress.report.dryRun = options.dryRun
        progress.report.maxItemAttempts = settings.maxItemAttempts
        progress.stopOnError = options.stopOnError || !settings.continueOnError
        if !pipeline.source.component.distinctIDs { progress.seen = IDSet() }

        if !options.dryRun {
            await prepareSinks(&progress)
        }

        let feed = SourceFeed()
        await withTaskGroup(of: Void.self) { helpers in
            let source = pipeline.source.component
            let query = options.query
            let sourceContext = context(logger: logger)
            helpers.addTask { await feed.run(source.items(query, context: sourceContext)) }
            if let maxDuration = settings.maxDuration {
                helpers.addTask { [clock] in
                    guard (try? await clock.sleep(for: maxDuration)) != nil else { return }
                    let (seconds, attoseconds) = maxDuration.components
                    control.requestStop(.deadline(seconds: Double(seconds) + Double(attoseconds) / 1e18))
                }
            }
            await runItemGroup(feed: feed, control: control, &progress)
            // The reader waits for a request that will not come; the deadline is moot.
            helpers.cancelAll()
        }

        await flushRecords(&progress)
        await flushFailures(&progress)
        if !progress.window.isEmpty || !progress.ready.isEmpty {
            logger.debug(
                "items read but not started are left for the next run",
                metadata: ["items": "\(progress.window.count + progress.ready.count)"])
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

        progress.report.durationSeconds = stopwatch.elapsedSeconds
        progress.report.metrics = metrics.snapshot
        return progress.report
    }

    /// Checks every sink before the first item is taken.
    func prepareSinks(_ progress: inout Progress) async {
        for sink in pipeline.sinks {
            do {
                try await sink.component.prepare(context: context(logger: logger))
            } catch {
                let failure = PipelineError.from(error)
                logger.error("a sink failed its start-up check", metadata: ["sink": "\(sink.name)", "error": "\(failure)"])
                progress.report.stopReason = .sinkUnavailable(sink: sink.name, failure)
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
    func runItemGroup(feed: SourceFeed, control: RunControl, _ progress: inout Progress) async {
        let concurrency = max(1, settings.concurrency)
        await withTaskGroup(of: Event.self) { group in
            group.addTask {
                if await control.waitForStop() != nil { feed.stop() }
                return .stopRequested
            }
            var inFlight = 0
            var reading = false
            var sourceDone = false
            var graceStarted = false

            func startGrace(_ request: StopRequest, _ progress: inout Progress) {
                guard !graceStarted else { return }
                graceStarted = true
                if progress.report.stopReason == nil { progress.report.stopReason = .requested(request) }
                logger.notice(
                    "stopping: no new items; those started may finish",
                    metadata: ["reason": "\(request)", "inFlight": "\(inFlight)", "grace": "\(settings.shutdownGrace)"])
                let grace = settings.shutdownGrace
                group.addTask { [clock] in
                    try? await clock.sleep(for: grace)
                    return .graceExpired
                }
            }

            func take(_ received: SourceFeed.Received, _ progress: inout Progress) async {
                switch received {
                case .stopped, .end:
                    sourceDone = true
                case .failed(let error):
                    sourceDone = true
                    let failure = PipelineError.from(error)
                    logger.error("the source failed", metadata: ["error": "\(failure)"])
                    if progress.report.stopReason == nil { progress.report.stopReason = .sourceFailed(failure) }
                case .element(.rejected(let rejection)):
                    logger.warning(
                        "skipping a source entry", metadata: ["at": "\(rejection.location)", "reason": "\(rejection.error.message)"])
                    let item = WorkItem(url: rejection.entry)
                    let failure = FailureRecord(item: item, stage: .source, error: rejection.error, failedAt: Date())
                    await handle(.failed(failure), Delivery(targets: [], holders: []), &progress)
                case .element(.item(let item)):
                    if progress.seen?.insert(item.id) == false {
                        logger.info("skipping a duplicate", metadata: ["item": "\(item.id)", "url": "\(item.url)"])
                        progress.report.skipped += 1
                    } else if progress.stopping {
                        // Read just as the run stopped: not started, so the next run takes it.
                        logger.debug("read after the stop; left for the next run", metadata: ["item": "\(item.id)"])
                    } else {
                        progress.window.append(item)
                    }
                }
            }

            while true {
                let limited = options.limit.map { progress.report.itemsRead >= $0 } ?? false
                while inFlight < concurrency, !progress.stopping, !limited, let next = progress.ready.popLast() {
                    let (item, delivery) = next
                    progress.report.itemsRead += 1
                    inFlight += 1
                    group.addTask { .result(await process(item, delivery), delivery) }
                    if let limit = options.limit, progress.report.itemsRead >= limit { break }
                }
                let buffered = progress.window.count + progress.ready.count
                let room = options.limit.map { $0 - progress.report.itemsRead - buffered } ?? Int.max
                if !reading, !sourceDone, !progress.stopping, room > 0, buffered < windowLimit {
                    reading = true
                    group.addTask { .element(await feed.next()) }
                }
                // A window is checked when full, when nothing more will join it, or when a slot
                // would otherwise stay idle waiting for it.
                if !progress.window.isEmpty, !progress.stopping,
                    progress.window.count >= windowLimit || sourceDone || room <= 0 || progress.ready.count + inFlight < concurrency
                {
                    let window = progress.window
                    progress.window = []
                    await check(window, &progress)
                    continue
                }
                let drained = progress.window.isEmpty && progress.ready.isEmpty
                let limitReached = options.limit.map { progress.report.itemsRead >= $0 } ?? false
                // Done once nothing runs and nothing more will be started.
                if !reading, inFlight == 0, (sourceDone && drained) || progress.stopping || limitReached { break }
                guard let event = await group.next() else { break }
                switch event {
                case .element(let received):
                    reading = false
                    await take(received, &progress)
                case .result(let result, let delivery):
                    inFlight -= 1
                    await handle(result, delivery, &progress)
                case .stopRequested:
                    if let request = control.request { startGrace(request, &progress) }
                case .graceExpired:
                    if inFlight > 0 {
                        logger.warning("the shutdown grace is over: cancelling the items still running", metadata: ["inFlight": "\(inFlight)"])
                        group.cancelAll()
                    }
                }
                // A stop of the run's own (a failure, the budget) also ends the wait for the source.
                if progress.stopping, reading { feed.stop() }
            }
            // Ends the stop watcher and a grace timer still sleeping.
            feed.stop()
            group.cancelAll()
            while let event = await group.next() {
                if case .result(let result, let delivery) = event { await handle(result, delivery, &progress) }
            }
        }
    }

    /// Asks every sink which items of `window` it holds and the dead-letter sink what it knows of
    /// their earlier failures; queues the items to start, with the sinks each goes to, and
    /// counts the rest as skipped.
    func check(_ window: [WorkItem], _ progress: inout Progress) async {
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
                            metadata: ["sink": "\(sink.name)", "error": "\(PipelineError.from(error))"])
                        held[index] = []
                    }
                }
            }
            do {
                earlier = try await pipeline.deadLetter.component.earlierFailures(of: ids, context: context)
            } catch {
                logger.warning(
                    "could not read earlier failures of these items from the dead-letter sink",
                    metadata: ["error": "\(PipelineError.from(error))"])
            }
        }
        var resolved: [String] = []
        var queued: [(WorkItem, Delivery)] = []
        for item in window {
            let holders = Set(held.filter { $0.value.contains(item.id) }.keys)
            if !held.isEmpty, holders.count == held.count {
                logger.debug("every sink holds it; skipped", metadata: ["item": "\(item.id)", "url": "\(item.url)"])
                progress.report.skipped += 1
                progress.report.held += 1
                outcomes?.record(item.id, .held)
                resolved.append(item.id)
                continue
            }
            let failure = prepared[item.id] ?? earlier[item.id]
            if let failure, failure.failedRuns >= settings.maxItemAttempts, !options.includeExhausted {
                logger.debug(
                    "failed in too many runs; skipped", metadata: ["item": "\(item.id)", "url": "\(item.url)", "runs": "\(failure.failedRuns)"])
                progress.report.skipped += 1
                progress.report.exhausted += 1
                outcomes?.record(item.id, .exhausted)
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
        progress.ready.insert(contentsOf: queued.reversed(), at: 0)
        if !resolved.isEmpty {
            await pipeline.deadLetter.component.resolved(resolved, context: context(logger: logger))
        }
    }

    // MARK: - One item

    func process(_ item: WorkItem, _ delivery: Delivery) async -> ItemResult {
        if let record = delivery.stored { return .summarized(record) }
        let result = await summarize(item)
        // A stage that failed because a stop cancelled it did not fail the item.
        if case .failed(let failure) = result, Task.isCancelled, failure.stage != .sink {
            return .unfinished(item, PipelineError(.cancelled, "cancelled by the stop at the \(failure.stage) stage"))
        }
        return result
    }

    func summarize(_ item: WorkItem) async -> ItemResult {
        let stopwatch = Stopwatch(clock)
        var itemLogger = logger
        itemLogger[metadataKey: "item"] = "\(item.id)"
        itemLogger[metadataKey: "url"] = "\(item.url)"
        itemLogger.debug("processing")

        // URL mode: the summarizer reads the page itself; when it cannot, we fetch it ourselves.
        var urlAttempt: PipelineError?
        if pipeline.summarizer.component.inputMode == .url {
            let request = SummaryRequest(item: item, input: .url(item.url))
            switch await perform(pipeline.summarizer, role: .summarizer, item: item, logger: itemLogger, { summarizer, context in
                try await summarizer.summarize(request, context: context)
            }) {
            case .success(let result):
                return .summarized(record(item: item, result: result, article: nil, page: nil, seconds: stopwatch.elapsedSeconds))
            case .failure(let failure) where failure.error.reason == PipelineError.urlRetrievalFailedReason:
                itemLogger.warning(
                    "the summarizer could not read the page; fetching and extracting it ourselves",
                    metadata: ["status": "\(failure.error.code ?? "none")"])
                urlAttempt = failure.error
            case .failure(let failure):
                return .failed(failure.record)
            }
        }

        let page: FetchedPage
        switch await perform(pipeline.fetcher, role: .fetcher, item: item, logger: itemLogger, { fetcher, context in
            try await fetcher.fetch(item, context: context)
        }) {
        case .success(let value): page = value
        case .failure(let failure): return .failed(failure.record.addingSpend(urlAttempt?.spend))
        }

        let article: Article
        switch await perform(pipeline.extractor, role: .extractor, item: item, logger: itemLogger, { extractor, context in
            try await extractor.extract(page, item: item, context: context)
        }) {
        case .success(let value): article = value
        case .failure(let failure): return .failed(failure.record.addingSpend(urlAttempt?.spend))
        }

        if urlAttempt == nil, let hash = item.metadata[Self.storedContentHashKey], hash == article.contentHash,
            item.metadata[Self.storedPromptVersionKey] == pipeline.summarizer.component.promptVersion
        {
            itemLogger.info("unchanged since its stored summary; skipped")
            return .unchanged(item)
        }

        let request = SummaryRequest(item: item, input: .article(article))
        var result: SummaryResult
        switch await perform(pipeline.summarizer, role: .summarizer, item: item, logger: itemLogger, { summarizer, context in
            try await summarizer.summarize(request, context: context)
        }) {
        case .success(let value): result = value
        case .failure(let failure): return .failed(failure.record.addingSpend(urlAttempt?.spend))
        }

        if let urlAttempt {
            // Both calls were paid for: the record carries the sum.
            let spent = Spend(tokens: result.tokens, costUSD: result.costUSD) + (urlAttempt.spend ?? .zero)
            result.tokens = spent.tokens
            result.costUSD = spent.costUSD
            result.retrievalStatus = urlAttempt.code
        }
        let seconds = stopwatch.elapsedSeconds
        itemLogger.debug("summarized", metadata: ["seconds": "\(seconds)", "tokens": "\(result.tokens.total)"])
        var summarized = record(item: item, result: result, article: article, page: page, seconds: seconds)
        summarized.fallbackUsed = urlAttempt != nil
        return .summarized(summarized)
    }

    func record(item: WorkItem, result: SummaryResult, article: Article?, page: FetchedPage?, seconds: Double) -> SummaryRecord {
        SummaryRecord(
            newsURLID: item.id, url: item.url, title: item.title ?? article?.title, summary: result.summary,
            llmModel: result.model, promptVersion: result.promptVersion, fallbackUsed: false, tokens: result.tokens,
            processingTimeSeconds: seconds, generatedAt: Date(), extractor: article?.extractor,
            contentHash: article?.contentHash, fetchMethod: page?.method.description ?? FetchedPage.Method.urlContext.description,
            inputTruncated: result.inputTruncated, retrievalStatus: result.retrievalStatus, costUSD: result.costUSD)
    }

    struct StageFailure: Error {
        var error: PipelineError
        var record: FailureRecord
    }

    /// Runs one stage call through its middleware and turns a thrown error into a failure record.
    func perform<Component: Sendable, Output: Sendable>(
        _ stage: PipelineStage<Component>,
        role: PluginRole,
        item: WorkItem,
        logger: Logger,
        _ body: @Sendable (Component, StageContext) async throws -> Output
    ) async -> Result<Output, StageFailure> {
        let context = context(logger: logger)
        do {
            let output = try await stage.chain.run(StageCall(role: role, pluginType: stage.type, item: item, context: context)) {
                call in
                try await body(stage.component, call.context)
            }
            return .success(output)
        } catch {
            let failure = PipelineError.from(error)
            return .failure(
                StageFailure(
                    error: failure,
                    record: FailureRecord(
                        item: item, stage: role.stage, error: failure, history: context.attempts.attempts, failedAt: Date())))
        }
    }

    func context(logger: Logger) -> StageContext {
        StageContext(logger: logger, clock: clock, metrics: metrics, attempts: AttemptLog())
    }

    // MARK: - Outcomes

    func handle(_ result: ItemResult, _ delivery: Delivery, _ progress: inout Progress) async {
        switch result {
        case .summarized(let record):
            progress.pendingRecords.append(PendingRecord(record: record, delivery: delivery))
            if progress.pendingSince == nil { progress.pendingSince = Stopwatch(clock) }
            let waited = progress.pendingSince.map { $0.elapsed >= settings.flushInterval } ?? false
            if progress.pendingRecords.count >= max(1, settings.batchSize) || waited {
                await flushRecords(&progress)
            }
        case .failed(let failure):
            await fail(failure, &progress)
        case .unchanged(let item):
            progress.report.skipped += 1
            outcomes?.record(item.id, .skipped)
        case .unfinished(let item, let error):
            leave(id: item.id, url: item.url, reason: error.message, &progress)
        }
    }

    /// Counts an item that is neither done nor failed: the next run takes it again.
    func leave(id: String, url: String, reason: String, _ progress: inout Progress) {
        progress.report.unfinished += 1
        outcomes?.record(id, .unfinished)
        logger.warning("item left for the next run", metadata: ["item": "\(id)", "url": "\(url)", "reason": "\(reason)"])
    }

    func fail(_ failure: FailureRecord, _ progress: inout Progress) async {
        if failure.errorKind == .cancelled || failure.reason == CostBudget.refusalReason {
            // Not a failure of the item: it was never (fully) tried, and the next run takes it.
            leave(id: failure.newsURLID, url: failure.url, reason: failure.message, &progress)
            if failure.reason == CostBudget.refusalReason, progress.report.stopReason == nil {
                progress.report.stopReason = .budgetReached(failure.message)
            }
            return
        }
        progress.report.failed += 1
        outcomes?.record(failure.newsURLID, .failed(failure))
        progress.report.failuresByStageAndKind["\(failure.stage)/\(failure.errorKind)", default: 0] += 1
        metrics.recordItem(
            succeeded: false, fallback: failure.record?.fallbackUsed ?? false, tokens: failure.tokens?.total ?? 0,
            seconds: failure.record?.processingTimeSeconds ?? 0)
        logger.error(
            "item failed",
            metadata: [
                "item": "\(failure.newsURLID)", "url": "\(failure.url)", "stage": "\(failure.stage)",
                "kind": "\(failure.errorKind)", "error": "\(failure.message)",
            ])
        progress.pendingFailures.append(failure)
        // A failure of the item itself counts against it; one of a service (quota, key) does not.
        if !options.dryRun, failure.stage != .source, !failure.errorKind.stopsRun {
            await pipeline.source.component.recordFailure(failure, context: context(logger: logger))
        }
        if progress.report.stopReason == nil {
            if failure.errorKind.stopsRun {
                progress.report.stopReason = .serviceError(failure)
            } else if progress.stopOnError {
                progress.report.stopReason = .stopOnError(failure)
            }
        }
        if progress.pendingFailures.count >= max(1, settings.batchSize) || progress.stopping {
            await flushFailures(&progress)
        }
    }

    /// Writes the pending records to the sinks each one lacks; a record is written once every
    /// one of them took it.
    func flushRecords(_ progress: inout Progress) async {
        let batch = progress.pendingRecords
        progress.pendingRecords = []
        progress.pendingSince = nil
        guard !batch.isEmpty else { return }

        if options.dryRun {
            if let preview {
                _ = try? await preview.write(batch.map(\.record), context: context(logger: logger))
            }
            for pending in batch { succeed(pending.record, &progress) }
            return
        }

        // Per record: the sinks that did not store it, and the first error.
        var failed: [String: (error: PipelineError, sinks: Set<Int>)] = [:]
        for (index, sink) in pipeline.sinks.enumerated() {
            let records = batch.filter { $0.delivery.targets.contains(index) }.map(\.record)
            guard !records.isEmpty else { continue }
            let context = context(logger: logger)
            var rejected: [String: PipelineError]
            do {
                rejected = try await sink.chain.run(StageCall(role: .sink, pluginType: sink.type, item: nil, context: context)) {
                    call in
                    try await sink.component.write(records, context: call.context)
                }.rejected
            } catch {
                let failure = PipelineError.from(error)
                rejected = Dictionary(records.map { ($0.newsURLID, failure) }, uniquingKeysWith: { first, _ in first })
            }
            for (id, error) in rejected {
                var error = error
                error.message = "the \(sink.name) sink did not store the record: \(error.message)"
                failed[id, default: (error, [])].sinks.insert(index)
            }
        }

        var delivered: [String] = []
        for pending in batch {
            let record = pending.record
            guard let (error, sinks) = failed[record.newsURLID] else {
                succeed(record, &progress)
                delivered.append(record.newsURLID)
                continue
            }
            let item = WorkItem(id: record.newsURLID, url: record.url, title: record.title)
            var failure = FailureRecord(item: item, stage: .sink, error: error, failedAt: Date(), record: record)
            let storedIn = pending.delivery.holders.union(pending.delivery.targets.subtracting(sinks))
            failure.storedIn = storedIn.sorted().map { pipeline.sinks[$0].name }
            failure.failedIn = sinks.sorted().map { pipeline.sinks[$0].name }
            await fail(failure, &progress)
        }
        if !delivered.isEmpty {
            await pipeline.deadLetter.component.resolved(delivered, context: context(logger: logger))
        }
    }

    func succeed(_ record: SummaryRecord, _ progress: inout Progress) {
        progress.report.written += 1
        outcomes?.record(record.newsURLID, .written)
        metrics.recordItem(
            succeeded: true, fallback: record.fallbackUsed, tokens: record.tokens.total, seconds: record.processingTimeSeconds)
        logger.info("summarized", metadata: ["item": "\(record.newsURLID)", "url": "\(record.url)"])
    }

    /// Writes pending failures to the dead-letter sink; if it fails, prints them so nothing is lost.
    func flushFailures(_ progress: inout Progress) async {
        let batch = progress.pendingFailures
        progress.pendingFailures = []
        guard !batch.isEmpty, !options.dryRun else { return }
        let deadLetter = pipeline.deadLetter
        let context = context(logger: logger)
        do {
            try await deadLetter.chain.run(StageCall(role: .deadLetter, pluginType: deadLetter.type, item: nil, context: context)) {
                call in
                try await deadLetter.component.write(batch, context: call.context)
            }
        } catch {
            let failure = PipelineError.from(error)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for record in batch {
                let line = (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "\(record)"
                logger.critical("could not dead-letter a failure; here it is", metadata: ["failure": "\(line)"])
            }
            if progress.report.stopReason == nil {
                progress.report.stopReason = .deadLetterFailed(failure)
            }
        }
    }
}
