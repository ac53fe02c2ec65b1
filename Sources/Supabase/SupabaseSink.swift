import Foundation
import JSONHTTP
import NIOHTTP1
import NewsTables
import SummarizerCore

/// Upserts records into a Supabase table over PostgREST (`supabase` sink): one
/// `POST /{table}?on_conflict=news_url_id` per batch with
/// `Prefer: resolution=merge-duplicates,return=minimal`, so a re-run never duplicates.
///
/// Every object of a batch has the same keys (PostgREST refuses mixed keys). A batch rejected
/// for its data (a constraint violation, a bad value) is split in halves until the bad rows are
/// alone; they are reported in the ``WriteReceipt`` with PostgREST's code, message and hint, and
/// every good row is stored. 5xx, 429 and connection failures are thrown for the retry
/// middleware. ``prepare(context:)`` checks key and table before the run takes its first item.
public final class SupabaseSink: Sink, PipelineService {
    let client: PostgRESTClient
    let table: String
    let columns: SummaryColumns

    /// - Parameters:
    ///   - projectURL: the project URL, e.g. `https://abcd.supabase.co` (no trailing slash).
    ///   - apiKey: the service-role key; sent in headers only.
    ///   - columns: which record fields go into which columns of `table`.
    public init(
        projectURL: String,
        apiKey: String,
        table: String = "context_summaries",
        columns: SummaryColumns = SummaryColumns(),
        timeout: Duration = .seconds(30)
    ) {
        self.client = PostgRESTClient(projectURL: projectURL, apiKey: apiKey, timeout: timeout)
        self.table = table
        self.columns = columns
    }

    public func run() async {
        await client.http.run()
    }

    /// `select={key}&limit=1`: a wrong URL, a bad key or a missing table fails here, with a
    /// message saying which, before any item is fetched or summarized.
    public func prepare(context: StageContext) async throws {
        do {
            _ = try await client.request(
                .GET,
                table,
                query: [("select", columns.keyColumn), ("limit", "1")],
                action: "checking the table \(table)",
                context: context
            )
        } catch let error as PipelineError {
            var failure = error
            if failure.kind == .transient || failure.kind == .invalidContent || failure.kind == .rateLimited {
                failure.kind = .misconfigured
            }
            failure.isRetryable = false
            throw failure
        }
    }

    /// Ids asked about in one request: 100 UUIDs make a URL of about 4 KB, within what proxies
    /// in front of PostgREST accept.
    static let idsPerRequest = 100

    /// The ids of `ids` that have a row: `GET /{table}?select=news_url_id&news_url_id=in.(...)`,
    /// 100 ids a request; ids that are no UUID cannot have one.
    public func heldIDs(among ids: [String], context: StageContext) async throws -> Set<String>? {
        var byKey: [String: String] = [:]
        for id in ids where UUID(uuidString: id) != nil { byKey[id.lowercased()] = id }
        let keys = Array(byKey.keys)
        let key = columns.keyColumn
        var held: Set<String> = []
        for start in stride(from: 0, to: keys.count, by: Self.idsPerRequest) {
            let chunk = keys[start..<min(start + Self.idsPerRequest, keys.count)]
            let body = try await client.request(
                .GET,
                table,
                query: [("select", key), (key, "in.(\(chunk.joined(separator: ",")))")],
                action: "asking \(table) which items it holds",
                context: context
            )
            guard let rows = (try? JSONDecoder().decode(JSONValue.self, from: body))?.arrayValue else {
                throw PipelineError(.transient, "Supabase sent rows of \(table) that are not a JSON array", reason: "bad-rows")
            }
            for row in rows {
                if let found = row.objectValue?[key]?.stringValue?.lowercased(), let id = byKey[found] { held.insert(id) }
            }
        }
        return held
    }

    public func write(_ batch: [SummaryRecord], context: StageContext) async throws -> WriteReceipt {
        var rejected: [String: PipelineError] = [:]
        try await upsert(batch[...], rejected: &rejected, context: context)
        return WriteReceipt(rejected: rejected)
    }

    /// Upserts `rows`; a data error splits them until each bad row is alone and rejected.
    func upsert(_ rows: ArraySlice<SummaryRecord>, rejected: inout [String: PipelineError], context: StageContext) async throws {
        try await writeIsolatingBadRows(rows, rejected: &rejected) { part in
            _ = try await client.request(
                .POST,
                table,
                query: [("on_conflict", columns.keyColumn)],
                headers: [("Prefer", "resolution=merge-duplicates,return=minimal")],
                body: Data(columns.jsonArray(part).utf8),
                action: "upserting into \(table)",
                context: context
            )
        }
    }

    public func finish() async throws {}
}

extension SupabaseSink {
    /// The `supabase` sink plugin.
    public static let plugin = Plugin(
        type: "supabase",
        summary: "Upserts records into Supabase over PostgREST on news_url_id, one request per batch; bad rows are isolated and dead-lettered.",
        keys: SupabaseProject.configKeys + SupabaseSinkSettings.configKeys + [SummaryColumns.configKey],
        .sink { config, environment in
            let project = try SupabaseProject(config: config)
            let settings = try config.decode(SupabaseSinkSettings.self)
            let sink = SupabaseSink(
                projectURL: project.url,
                apiKey: project.apiKey,
                table: settings.table,
                columns: try SummaryColumns(config: config),
                timeout: settings.timeout
            )
            environment.services.add(sink)
            return sink
        }
    )
}
