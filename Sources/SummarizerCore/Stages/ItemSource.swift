import Synchronization

/// Filters and limits a run asks of its source.
public struct ItemQuery: Sendable, Hashable {
    /// Stop after this many items (`--limit`).
    public var limit: Int?
    /// Only items of this publisher (`--publisher`).
    public var publisher: String?
    /// Only these item ids (`--url-ids`).
    public var ids: [String]?
    /// Every item, summarized or not (`--resummarize`).
    public var resummarize: Bool
    /// A dry run (`--dry-run`): read without side effects, e.g. without leasing rows.
    public var dryRun: Bool

    public init(limit: Int? = nil, publisher: String? = nil, ids: [String]? = nil, resummarize: Bool = false, dryRun: Bool = false) {
        self.limit = limit
        self.publisher = publisher
        self.ids = ids
        self.resummarize = resummarize
        self.dryRun = dryRun
    }
}

/// An entry a source could not turn into an item, e.g. a junk line in a URL list.
///
/// Rejections are reported with their location and go to the dead-letter sink; the rest of
/// the source is still processed.
public struct SourceRejection: Sendable, Hashable {
    /// Where the entry was, e.g. `urls.txt:7`.
    public var location: String
    /// The entry as read, shortened when very long.
    public var entry: String
    /// Why it was rejected.
    public var error: PipelineError

    public init(location: String, entry: String, error: PipelineError) {
        self.location = location
        self.entry = entry.count > 300 ? String(entry.prefix(300)) + "…" : entry
        self.error = error
    }
}

/// One element a source yields.
public enum SourceElement: Sendable, Hashable {
    case item(WorkItem)
    case rejected(SourceRejection)
}

extension AsyncThrowingStream where Element == SourceElement, Failure == any Error {
    /// A source's stream read a page at a time: `nextPage` is called when the previous page is
    /// used up, and returns the next page (possibly empty) or `nil` when there is no more.
    public static func pages(_ nextPage: @escaping @Sendable () async throws -> [SourceElement]?) -> Self {
        let buffer = PageBuffer()
        return AsyncThrowingStream(unfolding: {
            while true {
                if let next = buffer.next() { return next }
                guard let page = try await nextPage() else { return nil }
                buffer.fill(page)
            }
        })
    }
}

/// The unread rest of a page.
private final class PageBuffer: Sendable {
    private let elements = Mutex<[SourceElement]>([])

    func next() -> SourceElement? {
        elements.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    func fill(_ page: [SourceElement]) {
        elements.withLock { $0 = page }
    }
}

/// Yields the items to summarize, lazily.
///
/// The orchestrator pulls from the stream only as fast as it has room for more work, so a
/// source should read its backing store page by page rather than all at once. A source
/// that cannot honour a filter of the query declares so in its ``PluginSpec`` and the run
/// refuses to start, rather than silently ignoring the filter.
public protocol ItemSource: Sendable {
    /// The items that match `query`, in a stable order.
    func items(_ query: ItemQuery, context: StageContext) -> AsyncThrowingStream<SourceElement, any Error>

    /// Told when one of its items failed (after it was dead-lettered), so a source backed by a
    /// database can count the attempt and delay the item's next try. Default: nothing.
    func recordFailure(_ failure: FailureRecord, context: StageContext) async

    /// Told once at the end of a run that is not a dry run, when nothing is in flight any more,
    /// so a source that leased items can release the leases of those the run did not finish.
    /// Default: nothing.
    func finish(context: StageContext) async

    /// Whether the source never yields one id twice (a table's primary key). The orchestrator
    /// then keeps no set of the ids it has seen; otherwise (the default) it drops duplicates
    /// with one.
    var distinctIDs: Bool { get }

    /// Whether the items are meant to be summarized again even where every sink holds them (a
    /// table source in `all` mode). The orchestrator then does not ask the sinks, as with
    /// `--resummarize`. Default: `false`.
    var resummarizes: Bool { get }
}

extension ItemSource {
    public func recordFailure(_ failure: FailureRecord, context: StageContext) async {}
    public func finish(context: StageContext) async {}
    public var distinctIDs: Bool { false }
    public var resummarizes: Bool { false }
}
