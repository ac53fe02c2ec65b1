import Synchronization

/// The outcome of every item of a run, by item id, for callers that act on single items:
/// `summarize replay` (which dead-lettered items may leave the file) and tests that count what
/// a fault did to each item.
public final class OutcomeLog: Sendable {
    /// What became of one item.
    public enum Entry: Sendable, Hashable {
        /// Every sink acknowledged its record.
        case written
        /// It failed; the failure went to the dead-letter sink.
        case failed(FailureRecord)
        /// Not processed: every sink already holds its record.
        case held
        /// Not processed: it failed in `run.maxItemAttempts` runs already.
        case exhausted
        /// Not processed: a duplicate, or unchanged since its stored summary.
        case skipped
        /// Started but not finished (a stop, the cost budget): the next run takes it again.
        case unfinished
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// An empty log.
    public init() {}

    func record(_ id: String, _ entry: Entry) {
        entries.withLock { $0[id] = entry }
    }

    /// The outcomes so far, by item id (the last one when an id had several).
    public var all: [String: Entry] {
        entries.withLock { $0 }
    }
}
