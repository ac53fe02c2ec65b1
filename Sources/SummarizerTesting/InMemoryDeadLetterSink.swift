import SummarizerCore
import Synchronization

/// A dead-letter sink that keeps failures in memory, for tests.
public final class InMemoryDeadLetterSink: DeadLetterSink {
    private let state = Mutex<[FailureRecord]>([])
    /// The error every write fails with, if any.
    public let failing: PipelineError?

    /// A dead-letter sink failing every write with `failing`, if given.
    public init(failing: PipelineError? = nil) {
        self.failing = failing
    }

    public func write(_ failures: [FailureRecord], context: StageContext) async throws {
        if let failing { throw failing }
        state.withLock { $0 += failures }
    }

    public func finish() async throws {}

    /// Every failure stored, in order.
    public var failures: [FailureRecord] { state.withLock { $0 } }
}
