import Foundation
import Logging

/// What becomes of each item's result: records batched to the sinks that lack them, failures
/// to the dead-letter sink, and the counts of the report.
extension OrchestratorRun {
    mutating func handle(_ result: ItemResult, _ delivery: Delivery) async {
        switch result {
        case .summarized(let record):
            pendingRecords.append(PendingRecord(record: record, delivery: delivery))
            metrics.setAwaitingWrite(pendingRecords.count)
            if pendingSince == nil { pendingSince = Stopwatch(clock) }
            let waited = pendingSince.map { $0.elapsed >= settings.flushInterval } ?? false
            if pendingRecords.count >= max(1, settings.batchSize) || waited {
                await flushRecords()
            }
        case .failed(let failure):
            await fail(failure)
        case .unchanged(let item):
            report.skipped += 1
            outcomes?.record(item.id, .skipped)
            metrics.recordOutcome("unchanged")
        case .unfinished(let item, let error):
            leave(id: item.id, url: item.url, reason: error.message)
        }
    }

    /// Counts an item that is neither done nor failed: the next run takes it again.
    mutating func leave(id: String, url: String, reason: String) {
        report.unfinished += 1
        outcomes?.record(id, .unfinished)
        metrics.recordOutcome("unfinished")
        logger.warning("item left for the next run", metadata: ["item": "\(id)", "url": "\(url)", "reason": "\(reason)"])
    }

    mutating func fail(_ failure: FailureRecord) async {
        if failure.errorKind == .cancelled || failure.reason == CostBudget.refusalReason {
            // Not a failure of the item: it was never (fully) tried, and the next run takes it.
            leave(id: failure.newsURLID, url: failure.url, reason: failure.message)
            if failure.reason == CostBudget.refusalReason, report.stopReason == nil {
                report.stopReason = .budgetReached(failure.message)
            }
            return
        }
        report.failed += 1
        outcomes?.record(failure.newsURLID, .failed(failure))
        let key = "\(failure.stage)/\(failure.errorKind)"
        report.failuresByStageAndKind[key, default: 0] += 1
        if report.failureExamples[key, default: []].count < RunReport.examplesPerFailureKind {
            report.failureExamples[key, default: []].append(failure.url)
        }
        metrics.recordFailure(stage: failure.stage, kind: failure.errorKind)
        metrics.recordOutcome("failed")
        metrics.recordItem(
            succeeded: false,
            fallback: failure.record?.fallbackUsed ?? false,
            tokens: failure.tokens?.total ?? 0,
            seconds: failure.record?.processingTimeSeconds ?? 0
        )
        logger.error(
            "item failed",
            metadata: [
                "item": "\(failure.newsURLID)", "url": "\(failure.url)", "stage": "\(failure.stage)",
                "kind": "\(failure.errorKind)", "error": "\(failure.message)",
            ]
        )
        pendingFailures.append(failure)
        // A failure of the item itself counts against it; one of a service (quota, key) does not.
        if !options.dryRun, failure.stage != .source, !failure.errorKind.stopsRun {
            await pipeline.source.component.recordFailure(failure, context: context(logger: logger))
        }
        if report.stopReason == nil {
            if failure.errorKind.stopsRun {
                report.stopReason = .serviceError(failure)
            } else if stopOnError {
                report.stopReason = .stopOnError(failure)
            }
        }
        if pendingFailures.count >= max(1, settings.batchSize) || stopping {
            await flushFailures()
        }
    }

    /// Writes the pending records to the sinks each one lacks; a record is written once every
    /// one of them took it.
    mutating func flushRecords() async {
        let batch = pendingRecords
        pendingRecords = []
        pendingSince = nil
        guard !batch.isEmpty else { return }
        // Counted as waiting until each record's outcome is known, after the writes.
        defer { metrics.setAwaitingWrite(pendingRecords.count) }

        if options.dryRun {
            if let preview {
                _ = try? await preview.write(batch.map(\.record), context: context(logger: logger))
            }
            for pending in batch { succeed(pending.record) }
            return
        }

        // Per record: the sinks that did not store it, and the first error.
        var failed: [String: (error: PipelineError, sinks: Set<Int>)] = [:]
        for (index, sink) in pipeline.sinks.enumerated() {
            let records = batch.filter { $0.delivery.targets.contains(index) }.map(\.record)
            guard !records.isEmpty else { continue }
            let context = context(logger: logger)
            var rejected: [String: PipelineError]
            let stopwatch = Stopwatch(clock)
            metrics.stageStarted(Stage.sink.rawValue)
            do {
                rejected = try await sink.chain.run(StageCall(role: .sink, pluginType: sink.type, item: nil, context: context)) {
                    call in
                    try await sink.component.write(records, context: call.context)
                }.rejected
                metrics.stageFinished(Stage.sink.rawValue, seconds: stopwatch.elapsedSeconds, failed: false)
                metrics.recordSinkBatch(sink: sink.name, stored: records.count - rejected.count, rejected: rejected.count, failed: false)
            } catch {
                metrics.stageFinished(Stage.sink.rawValue, seconds: stopwatch.elapsedSeconds, failed: true)
                metrics.recordSinkBatch(sink: sink.name, stored: 0, rejected: records.count, failed: true)
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
                succeed(record)
                delivered.append(record.newsURLID)
                continue
            }
            let item = WorkItem(id: record.newsURLID, url: record.url, title: record.title)
            var failure = FailureRecord(item: item, stage: .sink, error: error, failedAt: Date(), record: record)
            let storedIn = pending.delivery.holders.union(pending.delivery.targets.subtracting(sinks))
            failure.storedIn = storedIn.sorted().map { pipeline.sinks[$0].name }
            failure.failedIn = sinks.sorted().map { pipeline.sinks[$0].name }
            await fail(failure)
        }
        if !delivered.isEmpty {
            await pipeline.deadLetter.component.resolved(delivered, context: context(logger: logger))
        }
    }

    mutating func succeed(_ record: SummaryRecord) {
        report.written += 1
        outcomes?.record(record.newsURLID, .written)
        metrics.recordOutcome(options.dryRun ? "summarized" : "written")
        metrics.recordItem(
            succeeded: true,
            fallback: record.fallbackUsed,
            tokens: record.tokens.total,
            seconds: record.processingTimeSeconds
        )
        logger.info("summarized", metadata: ["item": "\(record.newsURLID)", "url": "\(record.url)"])
    }

    /// Writes pending failures to the dead-letter sink; if it fails, prints them so nothing is lost.
    mutating func flushFailures() async {
        let batch = pendingFailures
        pendingFailures = []
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
            if report.stopReason == nil {
                report.stopReason = .deadLetterFailed(failure)
            }
        }
    }
}
