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
public protocol Sink: Sendable {
    /// Checks, before the run takes its first item, that the sink can store records (the table
    /// exists, the key is accepted); a thrown error stops the run before anything is paid for.
    func prepare(context: StageContext) async throws
    /// The ids of the records the sink already holds, read after ``prepare(context:)``, so a run
    /// started again after a crash skips them; `nil` (the default) when the sink cannot tell
    /// cheaply. A database sink returns `nil`: its upsert absorbs a record written twice.
    func storedIDs(context: StageContext) async throws -> Set<String>?
    /// Stores a batch; throws when none of it could be stored.
    func write(_ batch: [SummaryRecord], context: StageContext) async throws -> WriteReceipt
    /// Flushes and releases resources at the end of a run.
    func finish() async throws
}

extension Sink {
    public func prepare(context: StageContext) async throws {}
    public func storedIDs(context: StageContext) async throws -> Set<String>? { nil }
}

/// Stores failed items, so nothing is lost and a later run can replay them.
public protocol DeadLetterSink: Sendable {
    func write(_ failures: [FailureRecord], context: StageContext) async throws
    func finish() async throws
}
