import Foundation
import Synchronization

/// The failed attempts of one stage call, recorded by retry middleware.
///
/// The orchestrator creates one per stage call and puts the history into the failure record,
/// so a dead-letter entry tells every attempt, not only the last.
public final class AttemptLog: Sendable {
    private let entries = Mutex<[FailureRecord.Attempt]>([])

    /// An empty log.
    public init() {}

    /// Records a failed attempt.
    public func record(_ error: PipelineError, at date: Date = Date()) {
        entries.withLock { $0.append(FailureRecord.Attempt(at: date, kind: error.kind, message: error.message)) }
    }

    /// The attempts recorded so far, oldest first.
    public var attempts: [FailureRecord.Attempt] {
        entries.withLock { $0 }
    }
}
