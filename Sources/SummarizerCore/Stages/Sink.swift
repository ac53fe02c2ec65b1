/// Which records of a batch a sink stored, and which it rejected and why.
///
/// A sink that stores a batch only partly says so here, so one bad row never sinks the
/// whole batch: the rejected records go to the dead-letter sink, the rest count as written.
public struct WriteReceipt: Sendable, Hashable {
    /// Records refused, by item id.
    public var rejected: [String: PipelineError]

    public init(rejected: [String: PipelineError] = [:]) {
        self.rejected = rejected
    }

    /// Every record stored.
    public static let allStored = WriteReceipt()
}

/// Stores summary records.
///
/// A record counts as written only once every configured sink acknowledged it, so sinks
/// should make a record durable (flushed, committed) before returning from ``write(_:context:)``
/// and should be idempotent on the record's `newsURLID`.
///
/// Delivery is tracked per sink: before items are started, the orchestrator asks every sink
/// which of them it already holds (``heldIDs(among:context:)``, a window of ids at a time). An
/// item every sink holds is skipped; one that some sinks lack is written to exactly those.
public protocol Sink: Sendable {
    /// Checks, before the run takes its first item, that the sink can store records (the table
    /// exists, the key is accepted); a thrown error stops the run before anything is paid for.
    func prepare(context: StageContext) async throws
    /// Which of `ids` the sink already holds a record of.
    ///
    /// Called after ``prepare(context:)`` with windows of a few hundred ids at most; answer
    /// from an index or a query for exactly these ids, never by reading everything stored.
    /// Return `nil` (the default) when the sink keeps nothing it could be asked about (standard
    /// output): such a sink never makes an item count as delivered and receives every record
    /// the run writes.
    func heldIDs(among ids: [String], context: StageContext) async throws -> Set<String>?
    /// Stores a batch; throws when none of it could be stored.
    func write(_ batch: [SummaryRecord], context: StageContext) async throws -> WriteReceipt
    /// Flushes and releases resources at the end of a run.
    func finish() async throws
}

extension Sink {
    public func prepare(context: StageContext) async throws {}
    public func heldIDs(among ids: [String], context: StageContext) async throws -> Set<String>? { nil }
}

/// What a dead-letter sink holds of an item that failed in an earlier run.
public struct EarlierFailure: Sendable, Hashable {
    /// How many runs the item failed in (``FailureRecord/failedRuns`` summed over its lines).
    public var failedRuns: Int
    /// The summary record of a failure at the sink stage, written without a second LLM call.
    public var record: SummaryRecord?
    /// The sinks that did not store that record, when the failure names them.
    public var failedIn: [String]?

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
