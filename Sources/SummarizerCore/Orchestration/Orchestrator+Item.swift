import Foundation
import Logging

/// One item's way through the stages: fetch, extract, summarize (or the summarizer reading the
/// URL itself, with a fallback), each call through its middleware chain.
extension Orchestrator {
    func process(_ item: WorkItem, _ delivery: Delivery) async -> ItemResult {
        if let record = delivery.stored { return .summarized(record) }
        let result = await summarize(item)
        // A stage that failed because a stop cancelled it did not fail the item.
        if case .failed(let failure) = result, Task.isCancelled, failure.stage != .sink {
            return .unfinished(item, PipelineError(.cancelled, "cancelled by the stop at the \(failure.stage) stage"))
        }
        return result
    }

    /// The item through fetch (or `given`, a page the caller already has), extract and summarize.
    func summarize(_ item: WorkItem, page given: FetchedPage? = nil) async -> ItemResult {
        let stopwatch = Stopwatch(clock)
        var itemLogger = logger
        itemLogger[metadataKey: "item"] = "\(item.id)"
        itemLogger[metadataKey: "url"] = "\(item.url)"
        itemLogger.debug("processing")

        // URL mode: the summarizer reads the page itself; when it cannot, we fetch it ourselves.
        var urlAttempt: PipelineError?
        if given == nil, pipeline.summarizer.component.inputMode == .url {
            let request = SummaryRequest(item: item, input: .url(item.url))
            switch await perform(
                pipeline.summarizer,
                role: .summarizer,
                item: item,
                logger: itemLogger,
                { summarizer, context in
                    try await summarizer.summarize(request, context: context)
                }
            ) {
            case .success(let result):
                return .summarized(record(item: item, result: result, article: nil, page: nil, seconds: stopwatch.elapsedSeconds))
            case .failure(let failure) where failure.error.reason == PipelineError.urlRetrievalFailedReason:
                itemLogger.warning(
                    "the summarizer could not read the page; fetching and extracting it ourselves",
                    metadata: ["status": "\(failure.error.code ?? "none")"]
                )
                urlAttempt = failure.error
            case .failure(let failure):
                return .failed(failure.record)
            }
        }

        let page: FetchedPage
        if let given {
            page = given
        } else {
            switch await perform(
                pipeline.fetcher,
                role: .fetcher,
                item: item,
                logger: itemLogger,
                { fetcher, context in
                    try await fetcher.fetch(item, context: context)
                }
            ) {
            case .success(let value): page = value
            case .failure(let failure): return .failed(failure.record.addingSpend(urlAttempt?.spend))
            }
        }

        let article: Article
        switch await perform(
            pipeline.extractor,
            role: .extractor,
            item: item,
            logger: itemLogger,
            { extractor, context in
                try await extractor.extract(page, item: item, context: context)
            }
        ) {
        case .success(let value): article = value
        case .failure(let failure): return .failed(failure.record.addingSpend(urlAttempt?.spend))
        }

        if urlAttempt == nil, let stored = item.storedSummary, stored.contentHash == article.contentHash,
            stored.promptVersion == pipeline.summarizer.component.promptVersion
        {
            itemLogger.info("unchanged since its stored summary; skipped")
            return .unchanged(item)
        }

        let request = SummaryRequest(item: item, input: .article(article))
        var result: SummaryResult
        switch await perform(
            pipeline.summarizer,
            role: .summarizer,
            item: item,
            logger: itemLogger,
            { summarizer, context in
                try await summarizer.summarize(request, context: context)
            }
        ) {
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

    /// What ``summarizeOne(_:page:write:)`` came to.
    public enum SingleOutcome: Sendable {
        /// The record (written to every sink when asked).
        case summarized(SummaryRecord)
        /// The failure, with its stage and kind (sent to the dead-letter sink when asked).
        case failed(FailureRecord)
    }

    /// One item through the pipeline outside a run (`summarize serve`'s `POST /v1/summarize`):
    /// fetch, or `page` when the caller sent the HTML, then extract and summarize, each stage
    /// through its middleware as in a run. With `write`, the record goes to every sink (a sink's
    /// refusal makes it a sink failure) and a failure to the dead-letter sink; without, nothing
    /// is written.
    ///
    /// The pipeline's services must be running and its sinks prepared; the run's metrics count
    /// the item as a run would.
    public func summarizeOne(_ item: WorkItem, page: FetchedPage? = nil, write: Bool) async -> SingleOutcome {
        metrics.itemStarted()
        let outcome: SingleOutcome
        switch await summarize(item, page: page) {
        case .summarized(let record):
            outcome = write ? await store(record, item: item) : .summarized(record)
        case .failed(let failure):
            outcome = .failed(failure)
        case .unchanged(let item):
            outcome = .failed(
                FailureRecord(
                    item: item,
                    stage: .summarize,
                    error: PipelineError(.invalidContent, "unchanged since its stored summary"),
                    failedAt: Date()
                )
            )
        case .unfinished(let item, let error):
            outcome = .failed(FailureRecord(item: item, stage: .summarize, error: error, failedAt: Date()))
        }
        metrics.itemReturned()
        switch outcome {
        case .summarized(let record):
            metrics.recordOutcome(write ? "written" : "summarized")
            metrics.recordItem(succeeded: true, fallback: record.fallbackUsed, tokens: record.tokens.total, seconds: record.processingTimeSeconds)
        case .failed(let failure):
            metrics.recordFailure(stage: failure.stage, kind: failure.errorKind)
            metrics.recordOutcome("failed")
            metrics.recordItem(succeeded: false, fallback: false, tokens: failure.tokens?.total ?? 0, seconds: 0)
            if write {
                _ = await perform(pipeline.deadLetter, role: .deadLetter, item: item, logger: logger) { sink, context in
                    try await sink.write([failure], context: context)
                }
            }
        }
        return outcome
    }

    private func store(_ record: SummaryRecord, item: WorkItem) async -> SingleOutcome {
        for sink in pipeline.sinks {
            switch await perform(sink, role: .sink, item: item, logger: logger, { sink, context in try await sink.write([record], context: context) })
            {
            case .success(let receipt):
                if let refused = receipt.rejected[record.newsURLID] {
                    return .failed(FailureRecord(item: item, stage: .sink, error: refused, failedAt: Date()))
                }
            case .failure(let failure):
                return .failed(failure.record)
            }
        }
        return .summarized(record)
    }

    func record(item: WorkItem, result: SummaryResult, article: Article?, page: FetchedPage?, seconds: Double) -> SummaryRecord {
        SummaryRecord(
            newsURLID: item.id,
            url: item.url,
            title: item.title ?? article?.title,
            summary: result.summary,
            llmModel: result.model,
            promptVersion: result.promptVersion,
            fallbackUsed: false,
            tokens: result.tokens,
            processingTimeSeconds: seconds,
            generatedAt: Date(),
            extractor: article?.extractor,
            contentHash: article?.contentHash,
            fetchMethod: page?.method.description ?? FetchedPage.Method.urlContext.description,
            inputTruncated: result.inputTruncated,
            retrievalStatus: result.retrievalStatus,
            costUSD: result.costUSD
        )
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
        let stageName = role.stage.rawValue
        let stopwatch = Stopwatch(clock)
        metrics.stageStarted(stageName)
        do {
            let output = try await stage.chain.run(StageCall(role: role, pluginType: stage.type, item: item, context: context)) {
                call in
                try await body(stage.component, call.context)
            }
            metrics.stageFinished(stageName, seconds: stopwatch.elapsedSeconds, failed: false)
            return .success(output)
        } catch {
            metrics.stageFinished(stageName, seconds: stopwatch.elapsedSeconds, failed: true)
            let failure = PipelineError.from(error)
            return .failure(
                StageFailure(
                    error: failure,
                    record: FailureRecord(
                        item: item,
                        stage: role.stage,
                        error: failure,
                        history: context.attempts.attempts,
                        failedAt: Date()
                    )
                )
            )
        }
    }
}
