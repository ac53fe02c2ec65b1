import Foundation
import JSONHTTP
import Logging
import NIOHTTP1
import NewsTables
import SummarizerCore
import Synchronization

/// Reads `news_urls` from a Supabase project over PostgREST (`supabase` source), with the same
/// modes and order as the `postgres` source.
///
/// - `unsummarized` (default): the database leaves out rows with a summary, and rows given up on
///   or not due yet, with embedded left joins filtered to null
///   (`context_summaries!left(id)&context_summaries=is.null`); no id is loaded into memory.
/// - `claim`: batches from `POST /rpc/claim_news_urls`, each row leased to this worker.
/// - `all`: every row, with the stored summary's content hash and prompt version embedded so
///   unchanged items are skipped before the LLM call.
///
/// Pages of `pageSize` rows follow `publication_date.desc.nullslast,id.desc` and continue after
/// the last row with a compound `or=(...)` predicate built from the date text exactly as the
/// server sent it, so no row is skipped or read twice, whatever its date's precision.
public final class SupabaseSource: ItemSource, PipelineService {
    /// The settings, shared with the `postgres` source.
    public typealias Settings = NewsURLsSettings

    let client: PostgRESTClient
    let settings: Settings
    /// `--url-ids` are read this many at a time, so a long list never makes an over-long URL.
    static let idsPerRequest = 100

    /// A source reading `news_urls` from the project at `projectURL` with the service key;
    /// `logger` is for what it does beside the run's calls (the lease heartbeat).
    public init(projectURL: String, apiKey: String, settings: Settings, logger: Logger = Logger(label: "supabase")) {
        self.client = PostgRESTClient(projectURL: projectURL, apiKey: apiKey, timeout: settings.timeout, maxConnections: 2)
        self.settings = settings
        self.logger = logger
    }

    let logger: Logger

    /// Runs the HTTP client while the run lasts; in claim mode also the lease heartbeat, as the
    /// `postgres` source does (PostgREST carries no LISTEN: a `supabase` worker finds new rows
    /// by polling).
    public func run() async {
        guard settings.mode == .claim else { return await client.http.run() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.http.run() }
            group.addTask { await self.heartbeat() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Renews this worker's leases (`POST /rpc/renew_news_url_claims`) every third of
    /// `leaseSeconds` until cancelled; a failed renewal is logged and tried again.
    func heartbeat() async {
        let interval = Duration.seconds(max(1, Double(settings.leaseSeconds) / 3))
        let arguments: JSONValue = ["worker": .string(settings.worker), "lease_seconds": .number(Double(settings.leaseSeconds))]
        let context = StageContext(logger: logger)
        while (try? await Task.sleep(for: interval)) != nil {
            do {
                _ = try await client.request(
                    .POST,
                    "rpc/renew_news_url_claims",
                    body: try JSONEncoder().encode(arguments),
                    action: "renewing leases",
                    context: context
                )
            } catch {
                logger.warning("could not renew leases; trying again at the next heartbeat", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Ids are the table's primary key: never yielded twice.
    public var distinctIDs: Bool { true }

    /// In `all` mode every row is summarized again, whatever the sinks hold.
    public var resummarizes: Bool { settings.mode == .all }

    /// Releases the leases this worker still holds (`POST /rpc/release_news_url_claims`), as the
    /// `postgres` source does; a failure is logged and the leases expire.
    public func finish(context: StageContext) async {
        guard settings.mode == .claim else { return }
        let arguments: JSONValue = ["worker": .string(settings.worker)]
        do {
            let body = try await client.request(
                .POST,
                "rpc/release_news_url_claims",
                body: try JSONEncoder().encode(arguments),
                action: "releasing leases",
                context: context
            )
            let released = (try? JSONDecoder().decode(Int.self, from: body)) ?? 0
            if released > 0 { context.logger.info("released the leases of rows not finished", metadata: ["rows": "\(released)"]) }
        } catch {
            context.logger.warning("could not release leases; they expire after leaseSeconds", metadata: ["error": "\(error)"])
        }
    }

    /// Where a paged read has got to.
    struct Cursor {
        /// The last row's date (as the server wrote it) and id.
        var last: (date: String?, id: String)?
        /// The `--url-ids` chunks still to read, the current one first.
        var idChunks: [[UUID]] = []
        var read = 0
        /// Rows claimed so far: never more than the run's limit.
        var claimed = 0
        /// Where the next claim starts: the last claimed row's date (as the server wrote it) and id.
        var position = ClaimPosition<(date: String?, id: String)>()
        /// Whether the database's `claim_news_urls` takes a position (migration 008); `false` once
        /// it refused one, so this run's claims walk from the head as before.
        var positions = true
        var exhausted = false
        var started = false
    }

    public func items(_ query: ItemQuery, context: StageContext) -> AsyncThrowingStream<SourceElement, any Error> {
        let cursor = Mutex(Cursor())
        return .pages { [self] in
            if cursor.withLock({ $0.exhausted }) { return nil }
            return try await self.page(query, cursor: cursor, context: context)
        }
    }

    /// Reads the next page (or claim) and moves the cursor.
    func page(_ query: ItemQuery, cursor: borrowing Mutex<Cursor>, context: StageContext) async throws -> [SourceElement] {
        var elements: [SourceElement] = []
        let first = cursor.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        if first, let wanted = query.ids {
            let parsed = NewsURLsSettings.parseIDs(wanted)
            elements = parsed.rejections
            let chunks = stride(from: 0, to: parsed.ids.count, by: Self.idsPerRequest).map {
                Array(parsed.ids[$0..<min($0 + Self.idsPerRequest, parsed.ids.count)])
            }
            cursor.withLock { $0.idChunks = chunks }
            if chunks.isEmpty {
                cursor.withLock { $0.exhausted = true }
                return elements
            }
        }
        var mode = query.resummarize ? NewsURLsMode.all : settings.mode
        if mode == .claim {
            if query.publisher != nil || query.ids != nil {
                throw PipelineError(.misconfigured, "claim mode hands out rows in order; it cannot filter by --publisher or --url-ids")
            }
            // A dry run leases nothing: it reads what a claim would find.
            if query.dryRun {
                mode = .unsummarized
            } else {
                return elements + (try await claim(limit: query.limit, cursor: cursor, context: context)).map(SourceElement.item)
            }
        }

        let state = cursor.withLock { ($0.last, $0.idChunks.first, $0.read) }
        var pageSize = settings.pageSize
        if let limit = query.limit { pageSize = max(0, min(pageSize, limit - state.2)) }
        if pageSize == 0 {
            cursor.withLock { $0.exhausted = true }
            return elements
        }
        let rows = try await read(
            mode: mode,
            publisher: query.publisher ?? settings.publisher,
            ids: state.1,
            after: state.0,
            pageSize: pageSize,
            context: context
        )
        cursor.withLock { cursor in
            cursor.read += rows.count
            if let final = rows.last { cursor.last = (final.dateText, final.item.id) }
            if rows.count < pageSize {
                // This chunk (or the whole table) is done; go on with the next chunk of ids.
                cursor.last = nil
                if !cursor.idChunks.isEmpty { cursor.idChunks.removeFirst() }
                cursor.exhausted = cursor.idChunks.isEmpty || (query.limit.map { cursor.read >= $0 } ?? false)
            }
        }
        return elements + rows.map { .item($0.item) }
    }

    /// One page of `news_urls` in the stable order, after `after`.
    func read(
        mode: NewsURLsMode,
        publisher: String?,
        ids: [UUID]?,
        after: (date: String?, id: String)?,
        pageSize: Int,
        context: StageContext
    ) async throws -> [(item: WorkItem, dateText: String?)] {
        var select = "id,url,title,publisher,publication_date"
        var query: [(String, String)] = []
        switch mode {
        case .unsummarized:
            // Anti-joins run by the database: no summary, and no attempts row that says the
            // URL was given up on or is not due yet ('now' is PostgreSQL's current time).
            select += ",context_summaries!left(id),blocked:summarization_attempts!left(news_url_id)"
            query += [
                ("context_summaries", "is.null"),
                ("blocked", "is.null"),
                ("blocked.or", "(attempts.gte.\(settings.maxItemAttempts),next_attempt_at.gt.now)"),
            ]
        case .all where settings.skipUnchanged:
            select += ",context_summaries!left(content_hash,prompt_version)"
        case .all, .claim:
            break
        }
        query.insert(("select", select), at: 0)
        if let publisher = PublisherFilter.normalize(publisher) {
            query.append(("publisher", "imatch.\(PublisherFilter.regularExpression(publisher))"))
        }
        if let since = settings.since { query.append(("publication_date", "gte.\(ISO8601.string(from: since))")) }
        if let ids { query.append(("id", "in.(\(ids.map { $0.uuidString.lowercased() }.joined(separator: ",")))")) }
        if let after {
            if let date = after.date {
                query.append(
                    ("or", "(publication_date.lt.\"\(date)\",and(publication_date.eq.\"\(date)\",id.lt.\(after.id)),publication_date.is.null)")
                )
            } else {
                query.append(("and", "(publication_date.is.null,id.lt.\(after.id))"))
            }
        }
        query += [("order", "publication_date.desc.nullslast,id.desc"), ("limit", String(pageSize))]
        let body = try await client.request(.GET, "news_urls", query: query, action: "reading news_urls", context: context)
        return try Self.rows(body)
    }

    /// Claims the next batch; with `pollSeconds`, an empty claim waits and claims again.
    /// Never claims more rows in all than `limit`.
    func claim(limit: Int?, cursor: borrowing Mutex<Cursor>, context: StageContext) async throws -> [WorkItem] {
        while true {
            let claimed = cursor.withLock { $0.claimed }
            let batch = min(settings.claimBatchSize, limit.map { $0 - claimed } ?? Int.max)
            guard batch > 0 else {
                cursor.withLock { $0.exhausted = true }
                return []
            }
            var arguments: [String: JSONValue] = [
                "worker": .string(settings.worker),
                "batch_size": .number(Double(batch)),
                "lease_seconds": .number(Double(settings.leaseSeconds)),
                "max_item_attempts": .number(Double(settings.maxItemAttempts)),
            ]
            let resume = cursor.withLock { $0.positions ? $0.position.start() : nil }
            if let resume {
                arguments["resume_date"] = resume.date.map(JSONValue.string) ?? .null
                arguments["resume_id"] = .string(resume.id)
            }
            let body: Data
            do {
                body = try await client.request(
                    .POST,
                    "rpc/claim_news_urls",
                    body: try JSONEncoder().encode(JSONValue.object(arguments)),
                    action: "claiming news_urls",
                    context: context
                )
            } catch let error as PipelineError where resume != nil && ["PGRST202", "42883"].contains(error.code) {
                // No function of that signature: a schema from before migration 008, whose claim
                // takes no position. Claim from the head for the rest of the run, as it always did.
                cursor.withLock { $0.positions = false }
                context.logger.notice(
                    "claim_news_urls takes no position here (the schema predates migration 008); claims walk from the head",
                    metadata: [
                        "hint": "apply the newer schema: paste `summarize db schema` into the Supabase SQL editor", "error": "\(error.message)",
                    ]
                )
                continue
            }
            let claimedRows = try Self.rows(body)
            let rows = claimedRows.map(\.item)
            cursor.withLock { state in
                state.claimed += rows.count
                state.position.handedOut(last: claimedRows.last.map { ($0.dateText, $0.item.id) })
            }
            if !rows.isEmpty { return rows }
            guard let poll = settings.pollSeconds else {
                cursor.withLock { $0.exhausted = true }
                return []
            }
            context.logger.debug("nothing to claim; waiting", metadata: ["seconds": "\(poll)"])
            try await context.clock.sleep(for: .seconds(poll))
        }
    }

    /// Counts the failure in `summarization_attempts` through `/rpc/record_summarization_failure`;
    /// a failure to record is logged, never fatal.
    public func recordFailure(_ failure: FailureRecord, context: StageContext) async {
        guard UUID(uuidString: failure.newsURLID) != nil else { return }
        let arguments: JSONValue = [
            "item": .string(failure.newsURLID), "error_kind": .string(failure.errorKind.name), "error_message": .string(failure.message),
            "max_item_attempts": .number(Double(settings.maxItemAttempts)),
        ]
        do {
            _ = try await client.request(
                .POST,
                "rpc/record_summarization_failure",
                body: try JSONEncoder().encode(arguments),
                action: "recording a failure",
                context: context
            )
        } catch {
            context.logger.warning("could not record the failed attempt", metadata: ["item": "\(failure.newsURLID)", "error": "\(error)"])
        }
    }

    /// Rows of a PostgREST answer as work items; the URL is used exactly as stored.
    static func rows(_ body: Data) throws -> [(item: WorkItem, dateText: String?)] {
        guard let rows = (try? JSONDecoder().decode(JSONValue.self, from: body))?.arrayValue else {
            throw PipelineError(
                .transient,
                "Supabase sent rows that are not a JSON array: \(String(decoding: body.prefix(200), as: UTF8.self))",
                reason: "bad-rows"
            )
        }
        return try rows.map { row in
            guard let object = row.objectValue, let id = object["id"]?.stringValue, let url = object["url"]?.stringValue else {
                throw PipelineError(.invalidContent, "a news_urls row without id or url: \(row)", reason: "bad-row")
            }
            let dateText = object["publication_date"]?.stringValue
            // A to-one embedding is an object; older PostgREST versions send a one-element array.
            let stored = object["context_summaries"].flatMap { $0.objectValue ?? $0.arrayValue?.first?.objectValue }
            var summary: StoredSummary?
            if let hash = stored?["content_hash"]?.stringValue, let version = stored?["prompt_version"]?.stringValue {
                summary = StoredSummary(contentHash: hash, promptVersion: version)
            }
            let item = WorkItem(
                id: id.lowercased(),
                url: url,
                title: object["title"]?.stringValue,
                publisher: object["publisher"]?.stringValue,
                publishedAt: dateText.flatMap(Self.date),
                storedSummary: summary
            )
            return (item, dateText)
        }
    }

    /// A PostgreSQL timestamp as PostgREST writes it: `2025-09-01T12:00:00.123456+00:00`.
    static func date(_ text: String) -> Date? {
        if let date = ISO8601.date(from: text) { return date }
        // Microseconds are more than the ISO 8601 parser takes; keep milliseconds.
        guard let dot = text.firstIndex(of: "."), let zone = text[dot...].firstIndex(where: { $0 == "+" || $0 == "-" || $0 == "Z" }) else {
            return nil
        }
        let fraction = text[text.index(after: dot)..<zone].prefix(3)
        return ISO8601.date(from: text[..<dot] + "." + fraction + text[zone...])
    }
}

extension SupabaseSource {
    /// The `supabase` source plugin.
    public static let plugin = Plugin(
        type: "supabase",
        summary:
            "news_urls from Supabase over PostgREST: unsummarized rows (embedded anti-join), leased claims via /rpc/, or all rows; keyset paging.",
        keys: SupabaseProject.configKeys + Settings.configKeys,
        runOptions: [.publisher, .urlIDs, .resummarize],
        .source { config, environment in
            let project = try SupabaseProject(config: config)
            let source = SupabaseSource(
                projectURL: project.url,
                apiKey: project.apiKey,
                settings: try Settings.decode(config),
                logger: environment.logger
            )
            environment.services.add(source)
            return source
        }
    )
}
