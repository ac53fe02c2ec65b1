/// What the command line asks of one run.
public struct RunOptions: Sendable, Hashable {
    /// Process at most this many items.
    public var limit: Int?
    /// Read, fetch, extract and summarize, but write nothing anywhere; show the records instead.
    public var dryRun: Bool
    /// Stop taking items at the first failure (overrides `run.continueOnError`).
    public var stopOnError: Bool
    /// `--publisher`, for sources that honour it.
    public var publisher: String?
    /// `--url-ids`, for sources that honour it.
    public var urlIDs: [String]?
    /// `--model`, for summarizers that honour it.
    public var model: String?
    /// `--enable-grounding`, for summarizers that honour it.
    public var enableGrounding: Bool
    /// `--resummarize`, for sources that honour it: read every item, summarized or not.
    public var resummarize: Bool
    /// Also process items that failed `run.maxItemAttempts` runs already (`replay --include-exhausted`).
    public var includeExhausted: Bool

    /// Options; the defaults are a plain run of the whole source.
    public init(
        limit: Int? = nil,
        dryRun: Bool = false,
        stopOnError: Bool = false,
        publisher: String? = nil,
        urlIDs: [String]? = nil,
        model: String? = nil,
        enableGrounding: Bool = false,
        resummarize: Bool = false,
        includeExhausted: Bool = false
    ) {
        self.limit = limit
        self.dryRun = dryRun
        self.stopOnError = stopOnError
        self.publisher = publisher
        self.urlIDs = urlIDs
        self.model = model
        self.enableGrounding = enableGrounding
        self.resummarize = resummarize
        self.includeExhausted = includeExhausted
    }

    /// The plugin-specific options that were given.
    public var requested: [RunOption] {
        var options: [RunOption] = []
        if publisher != nil { options.append(.publisher) }
        if urlIDs != nil { options.append(.urlIDs) }
        if model != nil { options.append(.model) }
        if enableGrounding { options.append(.enableGrounding) }
        if resummarize { options.append(.resummarize) }
        return options
    }

    /// The query the source is asked.
    public var query: ItemQuery {
        ItemQuery(limit: limit, publisher: publisher, ids: urlIDs, resummarize: resummarize, dryRun: dryRun)
    }
}
