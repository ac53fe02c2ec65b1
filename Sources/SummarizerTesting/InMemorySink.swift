import SummarizerCore
import Synchronization

/// A sink that keeps records in memory, for tests; can reject ids or fail whole batches.
public final class InMemorySink: Sink {
    private struct State {
        var records: [SummaryRecord] = []
        var batches: [[SummaryRecord]] = []
        var questions: [[String]] = []
        var finished = false
    }

    private let state = Mutex(State())
    /// Ids rejected one by one, with the error given.
    public let rejecting: [String: PipelineError]
    /// When set, every batch fails with this error.
    public let failing: PipelineError?
    /// When set, the sink tracks delivery: it says it holds these ids and those it stored since.
    public let held: Set<String>?
    /// The windows of ids it was asked about.
    public var questions: [[String]] { state.withLock { $0.questions } }

    /// A sink refusing the ids in `rejecting`, failing every write with `failing`, holding `held`.
    public init(rejecting: [String: PipelineError] = [:], failing: PipelineError? = nil, held: Set<String>? = nil) {
        self.rejecting = rejecting
        self.failing = failing
        self.held = held
    }

    public func heldIDs(among ids: [String], context: StageContext) async throws -> Set<String>? {
        guard let held else { return nil }
        return state.withLock { state in
            state.questions.append(ids)
            let stored = Set(state.records.map(\.newsURLID))
            return Set(ids.filter { held.contains($0) || stored.contains($0) })
        }
    }

    public func write(_ batch: [SummaryRecord], context: StageContext) async throws -> WriteReceipt {
        if let failing { throw failing }
        let stored = batch.filter { rejecting[$0.newsURLID] == nil }
        state.withLock {
            $0.records += stored
            $0.batches.append(batch)
        }
        return WriteReceipt(rejected: rejecting.filter { id, _ in batch.contains { $0.newsURLID == id } })
    }

    public func finish() async throws {
        state.withLock { $0.finished = true }
    }

    /// Every record stored, in order.
    public var records: [SummaryRecord] { state.withLock { $0.records } }
    /// Every batch written, in order.
    public var batches: [[SummaryRecord]] { state.withLock { $0.batches } }
    /// Whether `finish()` was called.
    public var finished: Bool { state.withLock { $0.finished } }
}
