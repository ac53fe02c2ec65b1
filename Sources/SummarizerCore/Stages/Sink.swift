/// Which records of a batch a sink stored, and which it rejected and why.
///
/// A sink that stores a batch only partly says so here, so one bad row never sinks the
/// whole batch: the rejected records go to the dead-letter sink, the rest count as written.
public struct WriteReceipt: Sendable, Hashable {
    /// Records refused, by item id.
    public var rejected: [String: PipelineError]

    /// A receipt refusing the records in `rejected`, by item id.
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
