import Foundation
import Logging
import NewsTables
import PostgresNIO
import SummarizerCore
import Synchronization

/// Reads `news_urls` from PostgreSQL (`postgres` source), page by page.
///
/// - `unsummarized` (default): rows without a summary, found by the database with an anti-join,
///   never by loading ids into memory; rows given up on (`maxItemAttempts` failures) or not due
///   yet are left out.
/// - `claim`: batches handed out by `claim_news_urls` with a lease, so many workers can share
///   the table; the source ends when a claim comes back empty, unless `pollSeconds` is set.
/// - `all`: every row, for re-summarizing.
///
/// Pages follow the stable order `publication_date desc nulls last, id desc` and continue after
/// the last row with a compound predicate, so rows with a null date are never skipped and a row
/// is never read twice. URLs are used exactly as stored.
public final class PostgresSource: ItemSource, PipelineService {
    /// Which rows the source reads; shared with the `supabase` source.
    public typealias Mode = NewsURLsMode
    /// The source's settings; shared with the `supabase` source.
    public typealias Settings = NewsURLsSettings

    let url: DatabaseURL
    let settings: Settings
    let client: PostgresClient
    let logger: Logger
    /// Signalled by `NOTIFY news_urls_inserted` while a claim-mode worker polls.
    let wakeup = Wakeup()
    /// The channel the schema's insert trigger notifies.
    static let insertChannel = "news_urls_inserted"

    /// A source reading `news_urls` at `url`; its pool runs as a service of the run.
    public init(url: DatabaseURL, settings: Settings, logger: Logger) {
        self.url = url
        self.settings = settings
        self.logger = logger
        var configuration = url.clientConfiguration
        // A polling claim worker holds one connection for LISTEN.
        configuration.options.maximumConnections = settings.mode == .claim && settings.pollSeconds != nil ? 3 : 2
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger.forPool())
    }

    /// Runs the pool while the run lasts; in claim mode also the lease heartbeat and, with
    /// `pollSeconds`, the listener that wakes the poll when rows are inserted.
    public func run() async {
        guard settings.mode == .claim else { return await client.run() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            group.addTask { await self.heartbeat() }
            if settings.pollSeconds != nil {
                group.addTask { await self.listen() }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// How often the leases are renewed: a third of `leaseSeconds`, so two renewals may fail
    /// before a lease runs out.
    var heartbeatInterval: Duration { .seconds(max(1, Double(settings.leaseSeconds) / 3)) }

    /// Renews this worker's leases every ``heartbeatInterval`` until cancelled. A failed renewal
    /// is logged; the next one tries again.
    func heartbeat() async {
        let (worker, lease, client, logger) = (settings.worker, Int32(settings.leaseSeconds), client, logger)
        while (try? await Task.sleep(for: heartbeatInterval)) != nil {
            do {
                let renewed = try await withTimeout(settings.timeout, "renewing leases at \(url)") {
                    var count = 0
                    for try await renewed in try await client.query("select renew_news_url_claims(\(worker), \(lease))", logger: logger)
                        .decode(Int32.self)
                    {
                        count = Int(renewed)
                    }
                    return count
                }
                logger.debug("renewed leases", metadata: ["rows": "\(renewed)"])
            } catch {
                logger.warning(
                    "could not renew leases; trying again at the next heartbeat",
                    metadata: ["error": "\(pipelineError(fromDatabase: error, doing: "renewing leases at \(url)"))"]
                )
            }
        }
    }

    /// Listens for `NOTIFY news_urls_inserted` and wakes the poll, reconnecting after a lost
    /// connection. Notifications are a shortcut only: the poll finds the rows without them.
    func listen() async {
        let (client, logger, wakeup) = (client, logger, wakeup)
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.insertChannel) { notifications in
                        // Rows inserted before LISTEN took effect are found by the claim that follows.
                        wakeup.signal()
                        for try await _ in notifications { wakeup.signal() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("listening for new rows failed; polling meanwhile", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Ids are the table's primary key: never yielded twice.
    public var distinctIDs: Bool { true }

    /// In `all` mode every row is summarized again, whatever the sinks hold.
    public var resummarizes: Bool { settings.mode == .all }

    /// Releases the leases this worker still holds: rows claimed but not started (a stop, a
    /// limit, a deadline, an error) go back at once instead of after `leaseSeconds`. Rows it
    /// finished need no lease any more: a summarized row is never claimed again, and a failed
    /// one keeps its attempt count and next due time. A failure to release is logged: the
    /// leases then expire as they would after a crash.
    public func finish(context: StageContext) async {
        guard settings.mode == .claim else { return }
        let worker = settings.worker
        let client = client
        do {
            let released = try await withTimeout(settings.timeout, "releasing leases at \(url)") {
                var count = 0
                for try await released in try await client.query(
                    "select release_news_url_claims(\(worker))",
                    logger: context.logger
                ).decode(Int32.self) {
                    count = Int(released)
                }
                return count
            }
            if released > 0 { context.logger.info("released the leases of rows not finished", metadata: ["rows": "\(released)"]) }
        } catch {
            context.logger.warning(
                "could not release leases; they expire after leaseSeconds",
                metadata: ["error": "\(pipelineError(fromDatabase: error, doing: "releasing leases at \(url)"))"]
            )
        }
    }

    /// Where a paged read has got to.
    struct Cursor {
        var last: (date: Date?, id: UUID)?
        var exhausted = false
        var started = false
        /// Where the next claim starts.
        var position = ClaimPosition<(date: Date?, id: UUID)>()
        /// Rows claimed so far: never more than the run's limit.
        var claimed = 0
    }

    public func items(_ query: ItemQuery, context: StageContext) -> AsyncThrowingStream<SourceElement, any Error> {
        let cursor = Mutex(Cursor())
        return .pages { [self] in
            if cursor.withLock({ $0.exhausted }) { return nil }
            let (page, rejections) = try await self.page(query, cursor: cursor, context: context)
            return rejections + page.map(SourceElement.item)
        }
    }

    /// Reads the next page (or claim) and moves the cursor.
    func page(_ query: ItemQuery, cursor: borrowing Mutex<Cursor>, context: StageContext) async throws -> ([WorkItem], [SourceElement]) {
        var rejections: [SourceElement] = []
        let first = cursor.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        var parsedIDs: [UUID]?
        if let wanted = query.ids {
            let parsed = NewsURLsSettings.parseIDs(wanted)
            parsedIDs = parsed.ids
            if first { rejections = parsed.rejections }
        }

        // Values the query closures capture (they may run on another task under the timeout).
        let ids = parsedIDs
        let client = client
        let settings = settings
        var mode = query.resummarize ? Mode.all : settings.mode
        if mode == .claim {
            if query.publisher != nil || query.ids != nil {
                throw PipelineError(.misconfigured, "claim mode hands out rows in order; it cannot filter by --publisher or --url-ids")
            }
            // A dry run leases nothing: it reads what a claim would find.
            if query.dryRun { mode = .unsummarized }
        }
        if mode == .claim {
            while true {
                let claimed = cursor.withLock { $0.claimed }
                let batch = min(settings.claimBatchSize, query.limit.map { $0 - claimed } ?? Int.max)
                guard batch > 0 else {
                    cursor.withLock { $0.exhausted = true }
                    return ([], rejections)
                }
                let resume = cursor.withLock { $0.position.start() }
                let rows = try await run("claiming news_urls", context: context) {
                    try await client.query(
                        """
                        select id, url, title, publisher, publication_date, null::text, null::text
                        from claim_news_urls(
                            \(settings.worker), \(Int32(batch)), \(Int32(settings.leaseSeconds)), now(), \(Int32(settings.maxItemAttempts)),
                            \(resume?.date)::timestamptz, \(resume?.id)::uuid)
                        """,
                        logger: context.logger
                    )
                }
                cursor.withLock { state in
                    state.claimed += rows.count
                    state.position.handedOut(last: rows.last.flatMap { row in UUID(uuidString: row.id).map { (row.publishedAt, $0) } })
                }
                if !rows.isEmpty { return (rows, rejections) }
                guard let poll = settings.pollSeconds else {
                    cursor.withLock { $0.exhausted = true }
                    return ([], rejections)
                }
                context.logger.debug("nothing to claim; waiting for new rows", metadata: ["seconds": "\(poll)"])
                try Task.checkCancellation()
                await wakeup.wait(upTo: .seconds(poll), clock: context.clock)
                try Task.checkCancellation()
            }
        }

        let last = cursor.withLock { $0.last }
        let unsummarized = mode == .unsummarized
        let publisher = PublisherFilter.normalize(query.publisher ?? settings.publisher)
        let stored = mode == .all && settings.skipUnchanged
        let rows = try await run("reading news_urls", context: context) {
            try await client.query(
                """
                select n.id, n.url, n.title, n.publisher, n.publication_date, s.content_hash, s.prompt_version
                from news_urls n
                left join context_summaries s on \(stored) and s.news_url_id = n.id
                where (not \(unsummarized) or (
                        not exists (select 1 from context_summaries s where s.news_url_id = n.id)
                    and not exists (select 1 from summarization_attempts a where a.news_url_id = n.id
                        and (a.attempts >= \(Int32(settings.maxItemAttempts)) or a.next_attempt_at > now()))))
                  and (\(publisher)::text is null or lower(btrim(n.publisher)) = lower(\(publisher)))
                  and (\(settings.since)::timestamptz is null or n.publication_date >= \(settings.since))
                  and (\(ids)::uuid[] is null or n.id = any(\(ids)))
                  and (not \(last != nil)
                    or (\(last?.date)::timestamptz is not null and (n.publication_date < \(last?.date)
                        or (n.publication_date = \(last?.date) and n.id < \(last?.id)) or n.publication_date is null))
                    or (\(last?.date)::timestamptz is null and n.publication_date is null and n.id < \(last?.id)))
                order by n.publication_date desc nulls last, n.id desc
                limit \(Int32(settings.pageSize))
                """,
                logger: context.logger
            )
        }
        cursor.withLock { state in
            if let final = rows.last, let id = UUID(uuidString: final.id) {
                state.last = (final.publishedAt, id)
            }
            if rows.count < settings.pageSize { state.exhausted = true }
        }
        return (rows, rejections)
    }

    /// Counts the rows a read in `unsummarized` or `all` mode would yield, with the same filters;
    /// `nil` in claim mode, where other workers take rows as this one runs.
    public func count(_ query: ItemQuery, context: StageContext) async throws -> Int? {
        let mode = query.resummarize ? Mode.all : settings.mode
        guard mode != .claim || query.dryRun else { return nil }
        let ids = query.ids.map { NewsURLsSettings.parseIDs($0).ids }
        let unsummarized = mode != .all
        let publisher = PublisherFilter.normalize(query.publisher ?? settings.publisher)
        let (client, settings, url) = (client, settings, url)
        do {
            return try await withTimeout(settings.timeout, "counting news_urls at \(url)") {
                let rows = try await client.query(
                    """
                    select count(*)::bigint from news_urls n
                    where (not \(unsummarized) or (
                            not exists (select 1 from context_summaries s where s.news_url_id = n.id)
                        and not exists (select 1 from summarization_attempts a where a.news_url_id = n.id
                            and (a.attempts >= \(Int32(settings.maxItemAttempts)) or a.next_attempt_at > now()))))
                      and (\(publisher)::text is null or lower(btrim(n.publisher)) = lower(\(publisher)))
                      and (\(settings.since)::timestamptz is null or n.publication_date >= \(settings.since))
                      and (\(ids)::uuid[] is null or n.id = any(\(ids)))
                    """,
                    logger: context.logger
                )
                for try await count in rows.decode(Int.self) { return count }
                return 0
            }
        } catch {
            throw pipelineError(fromDatabase: error, doing: "counting news_urls at \(url)")
        }
    }

    /// Counts the failure in `summarization_attempts`: the row's next try is delayed and, after
    /// `maxItemAttempts` failures, it is not read again. A failure to record is logged, never fatal.
    public func recordFailure(_ failure: FailureRecord, context: StageContext) async {
        guard let id = UUID(uuidString: failure.newsURLID) else { return }
        do {
            _ = try await client.query(
                "select record_summarization_failure(\(id), \(failure.errorKind.name), \(failure.message), now(), \(Int32(settings.maxItemAttempts)))",
                logger: context.logger
            )
        } catch {
            context.logger.warning(
                "could not record the failed attempt",
                metadata: ["item": "\(failure.newsURLID)", "error": "\(pipelineError(fromDatabase: error, doing: "recording a failure"))"]
            )
        }
    }

    /// Runs a query and reads its rows as work items; database errors become pipeline errors.
    func run(
        _ action: String,
        context: StageContext,
        _ query: @escaping @Sendable () async throws -> PostgresRowSequence
    ) async throws
        -> [WorkItem]
    {
        do {
            return try await withTimeout(settings.timeout, "\(action) at \(url)") {
                try await Self.items(try await query())
            }
        } catch {
            throw pipelineError(fromDatabase: error, doing: "\(action) at \(url)")
        }
    }

    static func items(_ rows: PostgresRowSequence) async throws -> [WorkItem] {
        do {
            var items: [WorkItem] = []
            for try await (id, url, title, publisher, date, hash, version) in rows.decode(
                (UUID, String, String?, String?, Date?, String?, String?).self
            ) {
                var stored: StoredSummary?
                if let hash, let version { stored = StoredSummary(contentHash: hash, promptVersion: version) }
                items.append(
                    WorkItem(id: id.uuidString.lowercased(), url: url, title: title, publisher: publisher, publishedAt: date, storedSummary: stored)
                )
            }
            return items
        }
    }
}

extension PostgresSource {
    /// The `postgres` source plugin.
    public static let plugin = Plugin(
        type: "postgres",
        summary: "news_urls from PostgreSQL: unsummarized rows (anti-join), leased claims for many workers, or all rows; keyset paging.",
        keys: [DatabaseURL.configKey] + Settings.configKeys,
        runOptions: [.publisher, .urlIDs, .resummarize],
        .source { config, environment in
            let url = try DatabaseURL(config: config)
            let source = PostgresSource(url: url, settings: try Settings.decode(config), logger: environment.logger)
            environment.services.add(source)
            return source
        }
    )
}
