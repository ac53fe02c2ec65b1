import Foundation
import Logging
import PostgresNIO
import SummarizerCore

/// Upserts records into PostgreSQL (`postgres` sink): one multi-row statement per batch, keyed on
/// `news_url_id`, so a re-run after a crash never duplicates.
///
/// A batch the database rejects for its data (a bad row) is split in halves until the bad rows
/// are alone; they are reported in the ``WriteReceipt`` with the SQLSTATE and message, and every
/// good row is stored. Connection and resource errors are thrown as `transient`, for the retry
/// middleware. ``prepare(context:)`` checks the table before the run takes its first item.
public final class PostgresSink: Sink, PipelineService {
    /// One column the sink writes: the record field it comes from, its SQL type, its value.
    struct Column: Sendable {
        enum Value {
            case text(String?)
            case integer(Int)
            case double(Double?)
            case bool(Bool)
            case date(Date)
        }

        var field: String
        var sqlType: String
        var value: @Sendable (SummaryRecord) -> Value
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    /// Every field the sink can write, under its default column name.
    static let fields: [Column] = [
        Column(field: "news_url_id", sqlType: "uuid") { .text($0.newsURLID) },
        Column(field: "summary_text", sqlType: "text") { .text($0.summaryText) },
        Column(field: "summary", sqlType: "text") { .text($0.summary.summary) },
        Column(field: "key_points", sqlType: "jsonb") { .text(json($0.summary.keyPoints)) },
        Column(field: "players_mentioned", sqlType: "jsonb") { .text(json($0.summary.playersMentioned)) },
        Column(field: "teams_mentioned", sqlType: "jsonb") { .text(json($0.summary.teamsMentioned)) },
        Column(field: "game_references", sqlType: "jsonb") { .text(json($0.summary.gameReferences)) },
        Column(field: "injury_updates", sqlType: "text") { .text($0.summary.injuryUpdates) },
        Column(field: "article_type", sqlType: "text") { .text($0.summary.articleType) },
        Column(field: "sentiment", sqlType: "text") { .text($0.summary.sentiment) },
        Column(field: "content_quality", sqlType: "text") { .text($0.summary.contentQuality) },
        Column(field: "extra_fields", sqlType: "jsonb") { .text(json($0.summary.extraFields)) },
        Column(field: "llm_model", sqlType: "text") { .text($0.llmModel) },
        Column(field: "prompt_version", sqlType: "text") { .text($0.promptVersion) },
        Column(field: "fallback_used", sqlType: "boolean") { .bool($0.fallbackUsed) },
        Column(field: "content_hash", sqlType: "text") { .text($0.contentHash) },
        Column(field: "extractor", sqlType: "text") { .text($0.extractor) },
        Column(field: "fetch_method", sqlType: "text") { .text($0.fetchMethod) },
        Column(field: "retrieval_status", sqlType: "text") { .text($0.retrievalStatus) },
        Column(field: "input_truncated", sqlType: "boolean") { .bool($0.inputTruncated) },
        Column(field: "prompt_tokens", sqlType: "integer") { .integer($0.tokens.prompt) },
        Column(field: "output_tokens", sqlType: "integer") { .integer($0.tokens.output) },
        Column(field: "tool_use_tokens", sqlType: "integer") { .integer($0.tokens.toolUse) },
        Column(field: "thoughts_tokens", sqlType: "integer") { .integer($0.tokens.thoughts) },
        Column(field: "cached_tokens", sqlType: "integer") { .integer($0.tokens.cached) },
        Column(field: "total_tokens", sqlType: "integer") { .integer($0.tokens.total) },
        Column(field: "cost_usd", sqlType: "double precision") { .double($0.costUSD) },
        Column(field: "processing_time_seconds", sqlType: "double precision") { .double($0.processingTimeSeconds) },
        Column(field: "generated_at", sqlType: "timestamptz") { .date($0.generatedAt) },
    ]

    let url: DatabaseURL
    let table: String
    /// The columns written, each with its (possibly renamed) column name.
    let columns: [(name: String, column: Column)]
    let keyColumn: String
    let client: PostgresClient
    let logger: Logger
    /// The longest one statement (or the start-up check) may take, connecting included.
    let timeout: Duration

    /// - Parameter columnNames: record field → column name; a field mapped to `nil` is not written.
    public init(
        url: DatabaseURL,
        table: String = "context_summaries",
        columnNames: [String: String?] = [:],
        timeout: Duration = .seconds(30),
        logger: Logger
    ) {
        self.url = url
        self.table = table
        self.logger = logger
        self.timeout = timeout
        var columns: [(String, Column)] = []
        for column in Self.fields {
            let name: String? = columnNames[column.field] ?? column.field
            if let name { columns.append((name, column)) }
        }
        self.columns = columns
        self.keyColumn = columns.first { $0.1.field == "news_url_id" }?.0 ?? "news_url_id"
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = 4
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger.forPool())
    }

    /// Runs the connection pool for the length of the run.
    public func run() async {
        await client.run()
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Checks that the table answers with the key column, before any item is processed.
    public func prepare(context: StageContext) async throws {
        let sql = "select \(Self.quoted(keyColumn)) from \(Self.quoted(table)) limit 1"
        let client = client
        let logger = context.logger
        do {
            try await withTimeout(timeout, "checking the table \(table) at \(url)") {
                _ = try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            }
        } catch {
            var failure = pipelineError(fromDatabase: error, doing: "checking the table \(table) at \(url)")
            if failure.kind == .invalidContent || failure.kind == .transient { failure.kind = .misconfigured }
            failure.isRetryable = false
            throw failure
        }
    }

    public func write(_ batch: [SummaryRecord], context: StageContext) async throws -> WriteReceipt {
        var rejected: [String: PipelineError] = [:]
        // PostgreSQL takes at most 65535 parameters per statement.
        let rowsPerStatement = max(1, 60_000 / max(1, columns.count))
        var start = batch.startIndex
        while start < batch.endIndex {
            let end = min(start + rowsPerStatement, batch.endIndex)
            try await upsert(batch[start..<end], rejected: &rejected, context: context)
            start = end
        }
        return WriteReceipt(rejected: rejected)
    }

    /// Upserts `rows`; a data error splits them until each bad row is alone and rejected.
    func upsert(_ rows: ArraySlice<SummaryRecord>, rejected: inout [String: PipelineError], context: StageContext) async throws {
        guard !rows.isEmpty else { return }
        do {
            let query = statement(for: rows)
            let client = client
            let logger = context.logger
            try await withTimeout(timeout, "upserting into \(table) at \(url)") {
                _ = try await client.query(query, logger: logger)
            }
        } catch {
            let failure = pipelineError(fromDatabase: error, doing: "upserting into \(table)")
            // Only a data error can be a bad row; anything else fails the whole batch for a retry.
            guard failure.kind == .invalidContent else { throw failure }
            if rows.count == 1, let row = rows.first {
                rejected[row.newsURLID] = failure
                return
            }
            let middle = rows.startIndex + rows.count / 2
            try await upsert(rows[..<middle], rejected: &rejected, context: context)
            try await upsert(rows[middle...], rejected: &rejected, context: context)
        }
    }

    /// One `insert ... values (...), (...) on conflict (key) do update` for `rows`.
    func statement(for rows: ArraySlice<SummaryRecord>) -> PostgresQuery {
        var binds = PostgresBindings(capacity: rows.count * columns.count)
        var tuples: [String] = []
        var index = 1
        for row in rows {
            var placeholders: [String] = []
            for (_, column) in columns {
                switch column.value(row) {
                case .text(let text): binds.append(text)
                case .integer(let number): binds.append(number)
                case .double(let number): binds.append(number)
                case .bool(let flag): binds.append(flag)
                case .date(let date): binds.append(date)
                }
                placeholders.append("$\(index)::\(column.sqlType)")
                index += 1
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let names = columns.map { Self.quoted($0.name) }
        let updates = columns.filter { $0.column.field != "news_url_id" }.map { "\(Self.quoted($0.name)) = excluded.\(Self.quoted($0.name))" }
        let sql = """
            insert into \(Self.quoted(table)) (\(names.joined(separator: ", "))) values \(tuples.joined(separator: ", ")) \
            on conflict (\(Self.quoted(keyColumn))) do update set \(updates.joined(separator: ", "))
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    public func finish() async throws {}
}

extension PostgresSink {
    /// The `postgres` sink plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "postgres", role: .sink,
            summary: "Upserts records into PostgreSQL on news_url_id, one statement per batch; bad rows are isolated and dead-lettered.",
            keys: [
                DatabaseURL.configKey,
                ConfigKey("table", .string, default: .string("context_summaries"), doc: "The table to upsert into."),
                ConfigKey(
                    "timeoutSeconds", .number, default: .number(30), minimum: 1,
                    doc: "The longest one statement (or the start-up check) may take, connecting included; an unreachable database stops the run after it."),
                ConfigKey(
                    "columns", .object,
                    doc: "Record field to column name, to fit an existing table: {\"summary_text\": \"text\", \"extra_fields\": null}; null leaves a field out."),
            ]),
        .sink { config, environment in
            let url = try DatabaseURL(config: config)
            var names: [String: String?] = [:]
            let known = Set(fields.map(\.field))
            for (field, value) in config["columns"]?.objectValue ?? [:] {
                guard known.contains(field) else {
                    let suggestion = Suggestion.closest(to: field, in: known).map { "; did you mean \"\($0)\"?" } ?? ""
                    throw ConfigError(config.pointer.appending("columns").appending(field), "not a record field\(suggestion)")
                }
                switch value {
                case .null where field != "news_url_id" && field != "summary_text":
                    names[field] = .some(nil)
                case .string(let name) where !name.isEmpty:
                    names[field] = .some(name)
                default:
                    throw ConfigError(
                        config.pointer.appending("columns").appending(field),
                        "must be a column name\(field == "news_url_id" || field == "summary_text" ? "" : " or null")")
                }
            }
            let sink = PostgresSink(
                url: url, table: config.string("table")!, columnNames: names,
                timeout: .milliseconds(Int64(config.double("timeoutSeconds")! * 1000)), logger: environment.logger)
            environment.services.add(sink)
            return sink
        }
    )
}

/// Registers the PostgreSQL plugins.
public func register(in registry: inout PluginRegistry) {
    registry.register(PostgresSink.plugin)
    registry.register(PostgresSource.plugin)
}
