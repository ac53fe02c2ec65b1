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

    /// A query; the defaults ask for everything the source has.
    public init(limit: Int? = nil, publisher: String? = nil, ids: [String]? = nil, resummarize: Bool = false, dryRun: Bool = false) {
        self.limit = limit
        self.publisher = publisher
        self.ids = ids
        self.resummarize = resummarize
        self.dryRun = dryRun
    }
}
