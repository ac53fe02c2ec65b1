/// What a dead-letter sink holds of an item that failed in an earlier run.
public struct EarlierFailure: Sendable, Hashable {
    /// How many runs the item failed in (``FailureRecord/failedRuns`` summed over its lines).
    public var failedRuns: Int
    /// The summary record of a failure at the sink stage, written without a second LLM call.
    public var record: SummaryRecord?
    /// The sinks that did not store that record, when the failure names them.
    public var failedIn: [String]?

    /// What is known of an earlier failure.
    public init(failedRuns: Int, record: SummaryRecord? = nil, failedIn: [String]? = nil) {
        self.failedRuns = failedRuns
        self.record = record
        self.failedIn = failedIn
    }
}

/// Stores failed items, so nothing is lost and a later run can replay them.
public protocol DeadLetterSink: Sendable {
    /// Stores failures durably before returning.
    func write(_ failures: [FailureRecord], context: StageContext) async throws
    /// What the sink holds of earlier failures of `ids` (a window of a few hundred at most), so a
    /// run can give up on an item after `run.maxItemAttempts` failed runs and write a stored
    /// record without a second LLM call. Default: nothing.
    func earlierFailures(of ids: [String], context: StageContext) async throws -> [String: EarlierFailure]
    /// Told the items that every sink now holds, so their earlier failures can be dropped.
    /// Default: nothing.
    func resolved(_ ids: [String], context: StageContext) async
    /// Flushes and releases resources at the end of a run.
    func finish() async throws
}

extension DeadLetterSink {
    public func earlierFailures(of ids: [String], context: StageContext) async throws -> [String: EarlierFailure] { [:] }
    public func resolved(_ ids: [String], context: StageContext) async {}
}
