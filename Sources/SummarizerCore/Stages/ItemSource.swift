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

    /// How many items ``items(_:context:)`` would yield for `query` (at most; duplicates and
    /// rejected entries included), when the source can count them cheaply: a file's lines, a
    /// folder's pages, a `count(*)` with the same filters. `nil` (the default) when it cannot;
    /// the progress line then shows what is done without a total. Never required for a run.
    func count(_ query: ItemQuery, context: StageContext) async throws -> Int?
}

extension ItemSource {
    public func recordFailure(_ failure: FailureRecord, context: StageContext) async {}
    public func finish(context: StageContext) async {}
    public var distinctIDs: Bool { false }
    public var resummarizes: Bool { false }
    /// No count: the progress line shows what is done without a total.
    public func count(_ query: ItemQuery, context: StageContext) async throws -> Int? { nil }
}
