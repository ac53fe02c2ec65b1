import Foundation
import Logging
import NewsTables
import PostgresNIO
import SummarizerCore

/// Upserts records into PostgreSQL (`postgres` sink): multi-row statements keyed on
/// `news_url_id`, so a re-run after a crash never duplicates.
///
/// A batch the database rejects for its data (a bad row) is split in halves until the bad rows
/// are alone; they are reported in the ``WriteReceipt`` with the SQLSTATE and message, and every
/// good row is stored. Connection and resource errors are thrown as `transient`, for the retry
/// middleware. ``prepare(context:)`` checks the table before the run takes its first item.
public final class PostgresSink: Sink, PipelineService {
    let url: DatabaseURL
    let table: String
    let columns: SummaryColumns
    let client: PostgresClient
    let logger: Logger
    /// The longest one statement (or the start-up check) may take, connecting included.
    let timeout: Duration

    /// - Parameter columns: which record fields go into which columns of `table`.
    public init(
        url: DatabaseURL,
        table: String = "context_summaries",
        columns: SummaryColumns = SummaryColumns(),
        timeout: Duration = .seconds(30),
        logger: Logger
    ) {
        self.url = url
        self.table = table
        self.logger = logger
        self.timeout = timeout
        self.columns = columns
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
        let sql = "select \(Self.quoted(columns.keyColumn)) from \(Self.quoted(table)) limit 1"
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
        try await checkUniqueKey(context: context)
    }

    /// Upserts need a unique key on the key column; a table made by another schema may lack it.
    /// Then the check counts the duplicated keys, so the error says whether `db migrate` can add it.
    func checkUniqueKey(context: StageContext) async throws {
        let client = client
        let logger = context.logger
        let table = table
        let key = columns.keyColumn
        let action = "checking the table \(table) at \(url)"
        do {
            let duplicates = try await withTimeout(timeout, action) { () async throws -> Int? in
                let unique = try await client.query(
                    """
                    select exists (
                        select 1 from pg_index i
                        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                        where i.indrelid = to_regclass(\(Self.quoted(table))) and i.indisunique and i.indnkeyatts = 1
                          and i.indpred is null and a.attname = \(key))
                    """,
                    logger: logger
                )
                for try await exists in unique.decode(Bool.self) where exists { return nil }
                let count = try await client.query(
                    PostgresQuery(
                        unsafeSQL: "select count(*) from (select 1 from \(Self.quoted(table)) group by \(Self.quoted(key)) having count(*) > 1) d"
                    ),
                    logger: logger
                )
                for try await duplicates in count.decode(Int.self) { return duplicates }
                return 0
            }
            if let duplicates {
                throw UniqueKeyProblem.error(table: table, column: key, duplicates: duplicates, action: action)
            }
        } catch let error as PipelineError where error.code == "42P10" {
            throw error
        } catch {
            var failure = pipelineError(fromDatabase: error, doing: "checking the table \(table) at \(url)")
            if failure.kind == .invalidContent || failure.kind == .transient { failure.kind = .misconfigured }
            failure.isRetryable = false
            throw failure
        }
    }

    /// Ids asked about in one statement.
    static let idsPerQuery = 500

    /// The ids of `ids` that have a row, by a query for exactly those ids (500 at a time, on the
    /// key's unique index); ids that are no UUID cannot have one.
    public func heldIDs(among ids: [String], context: StageContext) async throws -> Set<String>? {
        var byKey: [String: String] = [:]
        for id in ids where UUID(uuidString: id) != nil { byKey[id.lowercased()] = id }
        let keys = Array(byKey.keys)
        let client = client
        let logger = context.logger
        let sql =
            "select \(Self.quoted(columns.keyColumn))::text from \(Self.quoted(table)) where \(Self.quoted(columns.keyColumn)) = any($1::text[]::uuid[])"
        var held: Set<String> = []
        for start in stride(from: 0, to: keys.count, by: Self.idsPerQuery) {
            let chunk = Array(keys[start..<min(start + Self.idsPerQuery, keys.count)])
            let action = "asking \(table) at \(url) which items it holds"
            do {
                let found = try await withTimeout(timeout, action) { () async throws -> [String] in
                    var binds = PostgresBindings(capacity: 1)
                    binds.append(TextArray(chunk.map { Optional($0) }))
                    var found: [String] = []
                    for try await key in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode(String.self) {
                        found.append(key)
                    }
                    return found
                }
                for key in found { if let id = byKey[key] { held.insert(id) } }
            } catch {
                throw pipelineError(fromDatabase: error, doing: action)
            }
        }
        return held
    }

    /// Connections one batch is spread over, and the fewest rows worth a statement of their own.
    static let parallelStatements = 4
    static let rowsPerStatement = 250

    /// Upserts `batch`; a large batch goes out as up to four statements at once, on the pool's
    /// connections, so the server works on it with more than one core.
    public func write(_ batch: [SummaryRecord], context: StageContext) async throws -> WriteReceipt {
        let parts = max(1, min(Self.parallelStatements, batch.count / Self.rowsPerStatement))
        guard parts > 1 else {
            var rejected: [String: PipelineError] = [:]
            try await upsert(batch[...], rejected: &rejected, context: context)
            return WriteReceipt(rejected: rejected)
        }
        let size = (batch.count + parts - 1) / parts
        let rejected = try await withThrowingTaskGroup(of: [String: PipelineError].self) { group in
            for start in stride(from: 0, to: batch.count, by: size) {
                let part = batch[start..<min(start + size, batch.count)]
                group.addTask {
                    var rejected: [String: PipelineError] = [:]
                    try await self.upsert(part, rejected: &rejected, context: context)
                    return rejected
                }
            }
            return try await group.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
        }
        return WriteReceipt(rejected: rejected)
    }

    /// Upserts `rows`; a data error splits them until each bad row is alone and rejected.
    func upsert(_ rows: ArraySlice<SummaryRecord>, rejected: inout [String: PipelineError], context: StageContext) async throws {
        let client = client
        let logger = context.logger
        try await writeIsolatingBadRows(
            rows,
            rejected: &rejected,
            classify: { pipelineError(fromDatabase: $0, doing: "upserting into \(table)") },
            write: { part in
                let query = statement(for: part)
                try await withTimeout(timeout, "upserting into \(table) at \(url)") {
                    _ = try await client.query(query, logger: logger)
                }
            }
        )
    }

    /// One `insert ... select ... from unnest($1::text[], ...) on conflict (key) do update`: one
    /// array parameter per column, cast to the column's type in SQL, so binding and parsing stay
    /// cheap at any batch size (and far below PostgreSQL's 65,535-parameter limit).
    func statement(for rows: ArraySlice<SummaryRecord>) -> PostgresQuery {
        let arrays = columns.textColumns(rows)
        var binds = PostgresBindings(capacity: arrays.count)
        for array in arrays { binds.append(TextArray(array)) }
        let names = columns.names.map(Self.quoted)
        let values = zip(columns.columns.indices, columns.columns).map { index, column in "v\(index)::\(column.column.sqlType)" }
        let updates = columns.names.filter { $0 != columns.keyColumn }.map { "\(Self.quoted($0)) = excluded.\(Self.quoted($0))" }
        let sql = """
            insert into \(Self.quoted(table)) (\(names.joined(separator: ", "))) \
            select \(values.joined(separator: ", ")) \
            from unnest(\(arrays.indices.map { "$\($0 + 1)::text[]" }.joined(separator: ", "))) as u(\(arrays.indices.map { "v\($0)" }.joined(separator: ", "))) \
            on conflict (\(Self.quoted(columns.keyColumn))) do update set \(updates.joined(separator: ", "))
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    public func finish() async throws {}
}

extension PostgresSink {
    /// What the `postgres` sink's config sets besides the database and the columns.
    struct Settings: PluginSettings {
        var table = "context_summaries"
        var timeout: Duration = .seconds(30)

        static let keys: [SettingKey<Self>] = [
            SettingKey("table", \.table, doc: "The table to upsert into."),
            SettingKey(
                "timeoutSeconds",
                \.timeout,
                minimum: 1,
                doc:
                    "The longest one statement (or the start-up check) may take, connecting included; an unreachable database stops the run after it."
            ),
        ]
    }

    /// The `postgres` sink plugin.
    public static let plugin = Plugin(
        type: "postgres",
        summary: "Upserts records into PostgreSQL on news_url_id, one statement per batch; bad rows are isolated and dead-lettered.",
        keys: [DatabaseURL.configKey] + Settings.configKeys + [SummaryColumns.configKey],
        .sink { config, environment in
            let url = try DatabaseURL(config: config)
            let settings = try config.decode(Settings.self)
            let sink = PostgresSink(
                url: url,
                table: settings.table,
                columns: try SummaryColumns(config: config),
                timeout: settings.timeout,
                logger: environment.logger
            )
            environment.services.add(sink)
            return sink
        }
    )
}

/// A `text[]` parameter whose elements may be null; PostgresNIO's own arrays take no nulls.
struct TextArray: PostgresNonThrowingEncodable {
    var elements: [String?]

    init(_ elements: [String?]) { self.elements = elements }

    static var psqlType: PostgresDataType { .textArray }
    static var psqlFormat: PostgresFormat { .binary }

    /// The binary array format: dimensions, null flag, element type, then per dimension its
    /// length and lower bound, then each element as a length (-1 for null) and its bytes.
    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(elements.isEmpty ? 0 : 1, as: Int32.self)
        buffer.writeInteger(elements.contains(nil) ? 1 : 0, as: Int32.self)
        buffer.writeInteger(PostgresDataType.text.rawValue)
        guard !elements.isEmpty else { return }
        buffer.writeInteger(Int32(elements.count))
        buffer.writeInteger(1, as: Int32.self)
        for element in elements {
            if let element {
                let lengthIndex = buffer.writerIndex
                buffer.writeInteger(0, as: Int32.self)
                let written = buffer.writeString(element)
                buffer.setInteger(Int32(written), at: lengthIndex)
            } else {
                buffer.writeInteger(-1, as: Int32.self)
            }
        }
    }
}
