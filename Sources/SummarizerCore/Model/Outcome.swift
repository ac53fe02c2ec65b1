import Foundation

/// What became of one item: exactly one outcome per item.
public enum Outcome: Sendable, Hashable {
    /// Every sink acknowledged the record.
    case written(SummaryRecord)
    /// Deliberately not processed (already done, unchanged...).
    case skipped(id: String, reason: String)
    /// Failed at some stage; the record went to the dead-letter sink.
    case failed(FailureRecord)
}
