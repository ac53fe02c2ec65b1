import Foundation
import Logging
import PostgresNIO
import SummarizerCore
import SummarizerTesting
import Synchronization

/// A fake Supabase REST API (PostgREST) on 127.0.0.1 that runs every request against a real
/// PostgreSQL, so constraint errors, types and functions are the database's own.
///
/// It implements the subset the `supabase` stages use, with PostgREST's wire behaviour:
/// - `GET /rest/v1/{table}`: `select` with columns and to-one embeddings
///   (`[alias:]child!left(cols)`, joined on the child's foreign key to the parent's `id`);
///   filters `eq`, `neq`, `lt`, `lte`, `gt`, `gte`, `is`, `in`, with `or=(...)`/`and=(...)`
///   trees and double-quoted values; `alias=is.null` on an embedding (the anti-join) and
///   `alias.col=...`/`alias.or=(...)` filters inside it; `order` with `nullsfirst`/`nullslast`;
///   `limit`, `offset` and `Range`; `Content-Range` on the answer.
/// - `POST /rest/v1/{table}` with a JSON array: `on_conflict` and
///   `Prefer: resolution=merge-duplicates|ignore-duplicates`; mixed keys are `PGRST102`.
/// - `POST /rest/v1/rpc/{function}` with named arguments.
/// - Errors as `{code, message, details, hint}` with PostgREST's status for the SQLSTATE
///   (23505/23503 → 409, 23502/22P02/42P10 → 400, 42P01 → 404, 08xxx/53xxx → 503); a wrong
///   key is a 401.
///
/// ``failNext(_:status:)`` makes the next requests fail, to exercise retries.
public final class FakePostgREST: Sendable {
    /// The HTTP server on loopback; its base URL is the project URL.
    public let server: LocalHTTPServer
    /// The key requests must carry in `apikey` and `Authorization: Bearer`.
    public let apiKey: String
    private let state: Mutex<State>

    struct State {
        var requests: [String] = []
        var failures: [(status: Int, body: String, matching: String)] = []
        var foreignKeys: [String: String] = [:]
    }

    /// The project URL to configure the `supabase` stages with.
    public var projectURL: String { server.baseURL }

    /// Every request line seen (`GET /rest/v1/news_urls?...`), oldest first.
    public var requests: [String] { state.withLock { $0.requests } }

    private init(server: LocalHTTPServer, apiKey: String) {
        self.server = server
        self.apiKey = apiKey
        self.state = Mutex(State())
    }

    /// Starts the fake in front of `client`, which the caller runs.
    public static func start(client: PostgresClient, apiKey: String = "test-service-key", logger: Logger) async throws -> FakePostgREST {
        let holder = Holder()
        let server = try await LocalHTTPServer.start { request in
            guard let fake = holder.fake.withLock({ $0 }) else { return .json(503, "{}") }
            return await fake.handle(request, client: client, logger: logger)
        }
        let fake = FakePostgREST(server: server, apiKey: apiKey)
        holder.fake.withLock { $0 = fake }
        return fake
    }

    private final class Holder: Sendable {
        let fake = Mutex<FakePostgREST?>(nil)
    }

    /// Stops the server.
    public func shutdown() async throws {
        try await server.shutdown()
    }

    /// The next `count` requests whose request line starts with `matching` (e.g.
    /// `POST /rest/v1/context_summaries`) answer `status` with a PostgREST error body, before
    /// touching the database.
    public func failNext(
        _ count: Int,
        status: Int = 503,
        code: String = "PGRST000",
        message: String = "Database client error. Retrying the connection.",
        matching: String = ""
    ) {
        let body = Self.errorJSON(code: code, message: message, details: nil, hint: nil)
        state.withLock { $0.failures += Array(repeating: (status, body, matching), count: count) }
    }

    /// Forgets the failures still queued by ``failNext(_:status:code:message:matching:)``: the
    /// server is healthy again.
    public func clearFailures() {
        state.withLock { $0.failures = [] }
    }

    // MARK: - Requests

    struct Failure: Error {
        var status: Int
        var code: String
        var message: String
        var details: String?
        var hint: String?
    }

    func handle(_ request: LocalHTTPServer.Request, client: PostgresClient, logger: Logger) async -> LocalHTTPServer.Response {
        let line = "\(request.method) \(request.uri)"
        let injected = state.withLock { state -> (Int, String)? in
            state.requests.append(line)
            guard let index = state.failures.firstIndex(where: { line.hasPrefix($0.matching) }) else { return nil }
            let failure = state.failures.remove(at: index)
            return (failure.status, failure.body)
        }
        if let (status, body) = injected { return .json(status, body) }
        guard request.headers["apikey"] == apiKey, request.headers["authorization"] == "Bearer \(apiKey)" else {
            return .json(401, #"{"message":"Invalid API key","hint":"Double check your Supabase `anon` or `service_role` API key."}"#)
        }
        do {
            let path = request.path
            guard path.hasPrefix("/rest/v1/") else { throw Failure(status: 404, code: "PGRST125", message: "Invalid path specified in request URL") }
            let resource = String(path.dropFirst("/rest/v1/".count))
            let query = PostgRESTFilterSQL.parseQuery(request.query ?? "")
            if resource.hasPrefix("rpc/"), request.method == "POST" {
                return try await rpc(String(resource.dropFirst(4)), body: request.body, client: client, logger: logger)
            }
            try PostgRESTFilterSQL.checkIdentifier(resource)
            guard try await exists(table: resource, client: client, logger: logger) else {
                throw Failure(status: 404, code: "42P01", message: "relation \"public.\(resource)\" does not exist")
            }
            switch request.method {
            case "GET":
                return try await select(resource, query: query, range: request.headers["range"], client: client, logger: logger)
            case "POST":
                return try await insert(
                    resource,
                    query: query,
                    prefer: request.headers["prefer"] ?? "",
                    body: request.body,
                    client: client,
                    logger: logger
                )
            default:
                throw Failure(status: 405, code: "PGRST117", message: "Unsupported HTTP method: \(request.method)")
            }
        } catch let failure as Failure {
            return .json(failure.status, Self.errorJSON(code: failure.code, message: failure.message, details: failure.details, hint: failure.hint))
        } catch let error as PSQLError {
            let code = error.serverInfo?[.sqlState] ?? "08000"
            let status = error.serverInfo == nil ? 503 : Self.status(forSQLState: code)
            return .json(
                status,
                Self.errorJSON(
                    code: code,
                    message: error.serverInfo?[.message] ?? "connection to the database failed: \(error.code)",
                    details: error.serverInfo?[.detail],
                    hint: error.serverInfo?[.hint]
                )
            )
        } catch {
            return .json(500, Self.errorJSON(code: "PGRST000", message: "\(error)", details: nil, hint: nil))
        }
    }

    /// PostgREST's HTTP status for a SQLSTATE.
    static func status(forSQLState code: String) -> Int {
        switch code {
        case "23505", "23503": 409
        case "42P01": 404
        case "42883": 404
        case "42501": 403
        case "57014": 500
        case _ where code.hasPrefix("08") || code.hasPrefix("53"): 503
        case _ where code.hasPrefix("28"): 403
        default: 400
        }
    }

    static func errorJSON(code: String, message: String, details: String?, hint: String?) -> String {
        func quote(_ text: String?) -> String {
            guard let text else { return "null" }
            let data = (try? JSONEncoder().encode(text)) ?? Data("null".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        return #"{"code":\#(quote(code)),"details":\#(quote(details)),"hint":\#(quote(hint)),"message":\#(quote(message))}"#
    }

    func exists(table: String, client: PostgresClient, logger: Logger) async throws -> Bool {
        let rows = try await client.query("select to_regclass(\("public." + table))::text", logger: logger)
        for try await name in rows.decode(String?.self) { return name != nil }
        return false
    }

    /// The child's column that references the parent's `id`.
    func foreignKey(child: String, parent: String, client: PostgresClient, logger: Logger) async throws -> String {
        let key = "\(child)->\(parent)"
        if let known = state.withLock({ $0.foreignKeys[key] }) { return known }
        let rows = try await client.query(
            """
            select a.attname::text from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
            where c.contype = 'f' and c.conrelid = to_regclass(\(child)) and c.confrelid = to_regclass(\(parent))
            """,
            logger: logger
        )
        for try await column in rows.decode(String.self) {
            state.withLock { $0.foreignKeys[key] = column }
            return column
        }
        throw Failure(
            status: 400,
            code: "PGRST200",
            message: "Could not find a relationship between '\(parent)' and '\(child)' in the schema cache"
        )
    }

    // MARK: - Routes

    func select(
        _ table: String,
        query: [(String, String)],
        range: String?,
        client: PostgresClient,
        logger: Logger
    ) async throws -> LocalHTTPServer.Response {
        let reserved: Set = ["select", "order", "limit", "offset"]
        var columns: [String] = []
        var conditions: [String] = []
        var embeddings: [(alias: String, child: String, columns: [String])] = []
        for item in PostgRESTFilterSQL.splitTopLevel((query.first { $0.0 == "select" }?.1 ?? "*")[...]) {
            if let open = item.firstIndex(of: "("), item.hasSuffix(")") {
                var head = item[..<open]
                var alias: String?
                if let colon = head.firstIndex(of: ":") {
                    alias = String(head[..<colon])
                    head = head[head.index(after: colon)...]
                }
                let child = String(head.split(separator: "!").first ?? head)
                try PostgRESTFilterSQL.checkIdentifier(child)
                let inner = item[item.index(after: open)..<item.index(before: item.endIndex)]
                let names = inner.isEmpty ? [] : PostgRESTFilterSQL.splitTopLevel(inner).map(String.init)
                try names.forEach(PostgRESTFilterSQL.checkIdentifier)
                embeddings.append((alias ?? child, child, names))
            } else if item == "*" {
                columns.append("t.*")
            } else {
                try PostgRESTFilterSQL.checkIdentifier(String(item))
                columns.append("t.\(PostgRESTFilterSQL.quoted(String(item)))")
            }
        }
        // Filters inside embeddings (`alias.col=...`, `alias.or=(...)`) and on them (`alias=is.null`).
        var embeddedFilters: [String: [String]] = [:]
        var antiJoined: Set<String> = []
        for (name, value) in query where !reserved.contains(name) {
            if let dot = name.firstIndex(of: ".") {
                let alias = String(name[..<dot])
                embeddedFilters[alias, default: []].append(
                    try PostgRESTFilterSQL.filter(name: String(name[name.index(after: dot)...]), value: value, prefix: "e.")
                )
            } else if embeddings.contains(where: { $0.alias == name }) {
                guard value == "is.null" else { throw Failure(status: 400, code: "PGRST100", message: "only is.null filters an embedding here") }
                antiJoined.insert(name)
            } else {
                conditions.append(try PostgRESTFilterSQL.filter(name: name, value: value, prefix: "t."))
            }
        }
        for embedding in embeddings {
            let key = try await foreignKey(child: embedding.child, parent: table, client: client, logger: logger)
            let join = (["e.\(PostgRESTFilterSQL.quoted(key)) = t.id"] + (embeddedFilters[embedding.alias] ?? [])).joined(separator: " and ")
            if antiJoined.contains(embedding.alias) {
                conditions.append("not exists (select 1 from \(PostgRESTFilterSQL.quoted(embedding.child)) e where \(join))")
                columns.append("null::json as \(PostgRESTFilterSQL.quoted(embedding.alias))")
            } else {
                let names = embedding.columns.isEmpty ? "e.*" : embedding.columns.map { "e.\(PostgRESTFilterSQL.quoted($0))" }.joined(separator: ", ")
                columns.append(
                    "(select to_json(x) from (select \(names) from \(PostgRESTFilterSQL.quoted(embedding.child)) e where \(join) limit 1) x) as \(PostgRESTFilterSQL.quoted(embedding.alias))"
                )
            }
        }
        var sql = "select \(columns.joined(separator: ", ")) from \(PostgRESTFilterSQL.quoted(table)) t"
        if !conditions.isEmpty { sql += " where " + conditions.joined(separator: " and ") }
        if let order = query.first(where: { $0.0 == "order" })?.1 {
            let terms = try order.split(separator: ",").map { term -> String in
                let parts = term.split(separator: ".")
                try PostgRESTFilterSQL.checkIdentifier(String(parts[0]))
                var text = "t.\(PostgRESTFilterSQL.quoted(String(parts[0])))"
                for modifier in parts.dropFirst() {
                    switch modifier {
                    case "asc": text += " asc"
                    case "desc": text += " desc"
                    case "nullsfirst": text += " nulls first"
                    case "nullslast": text += " nulls last"
                    default: throw Failure(status: 400, code: "PGRST100", message: "\"failed to parse order (\(order))\"")
                    }
                }
                return text
            }
            sql += " order by " + terms.joined(separator: ", ")
        }
        var limit = query.first { $0.0 == "limit" }.flatMap { Int($0.1) }
        var offset = query.first { $0.0 == "offset" }.flatMap { Int($0.1) } ?? 0
        if let range, let dash = range.firstIndex(of: "-"), let low = Int(range[..<dash]) {
            offset = low
            if let high = Int(range[range.index(after: dash)...]) { limit = min(limit ?? Int.max, high - low + 1) }
        }
        if let limit { sql += " limit \(limit)" }
        if offset > 0 { sql += " offset \(offset)" }
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "select coalesce(json_agg(r), '[]'::json)::text, count(*)::int4 from (\(sql)) r"),
            logger: logger
        )
        for try await (json, count) in rows.decode((String, Int32).self) {
            let contentRange = count == 0 ? "*/*" : "\(offset)-\(offset + Int(count) - 1)/*"
            return .json(200, json, headers: [("Content-Range", contentRange)])
        }
        return .json(200, "[]", headers: [("Content-Range", "*/*")])
    }

    func insert(
        _ table: String,
        query: [(String, String)],
        prefer: String,
        body: Data,
        client: PostgresClient,
        logger: Logger
    ) async throws -> LocalHTTPServer.Response {
        let parsed = try? JSONDecoder().decode(JSONValue.self, from: body)
        guard let rows = parsed?.arrayValue?.compactMap(\.objectValue) ?? parsed?.objectValue.map({ [$0] }) else {
            throw Failure(status: 400, code: "PGRST102", message: "Empty or invalid json")
        }
        guard let keys = rows.first.map({ Set($0.keys) }) else { return .json(201, "") }
        guard rows.allSatisfy({ Set($0.keys) == keys }) else {
            throw Failure(status: 400, code: "PGRST102", message: "All object keys must match")
        }
        let names = keys.sorted()
        try names.forEach(PostgRESTFilterSQL.checkIdentifier)
        let list = names.map(PostgRESTFilterSQL.quoted).joined(separator: ", ")
        var sql = """
            insert into \(PostgRESTFilterSQL.quoted(table)) (\(list)) select \(list) from json_populate_recordset(null::\(PostgRESTFilterSQL.quoted(table)), $1::json)
            """
        let preferences = Set(prefer.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        if let target = query.first(where: { $0.0 == "on_conflict" })?.1 {
            let targets = target.split(separator: ",").map(String.init)
            try targets.forEach(PostgRESTFilterSQL.checkIdentifier)
            if preferences.contains("resolution=merge-duplicates") {
                let updates = names.filter { !targets.contains($0) }.map {
                    "\(PostgRESTFilterSQL.quoted($0)) = excluded.\(PostgRESTFilterSQL.quoted($0))"
                }
                sql +=
                    " on conflict (\(targets.map(PostgRESTFilterSQL.quoted).joined(separator: ", "))) do update set \(updates.joined(separator: ", "))"
            } else if preferences.contains("resolution=ignore-duplicates") {
                sql += " on conflict (\(targets.map(PostgRESTFilterSQL.quoted).joined(separator: ", "))) do nothing"
            }
        }
        var binds = PostgresBindings(capacity: 1)
        binds.append(String(decoding: body, as: UTF8.self))
        _ = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        return LocalHTTPServer.Response(status: 201)
    }

    func rpc(_ function: String, body: Data, client: PostgresClient, logger: Logger) async throws -> LocalHTTPServer.Response {
        try PostgRESTFilterSQL.checkIdentifier(function)
        let arguments = body.isEmpty ? [:] : (try? JSONDecoder().decode(JSONValue.self, from: body))?.objectValue
        guard let arguments else { throw Failure(status: 400, code: "PGRST102", message: "Empty or invalid json") }
        let list = try arguments.keys.sorted().map { name -> String in
            try PostgRESTFilterSQL.checkIdentifier(name)
            let value: String =
                switch arguments[name] ?? .null {
                case .bool(let flag): flag ? "true" : "false"
                case .number(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
                case .string(let text): PostgRESTFilterSQL.literal(text)
                case .null: "null"
                case let other: PostgRESTFilterSQL.literal(other.description)
                }
            return "\(PostgRESTFilterSQL.quoted(name)) => \(value)"
        }
        let call = "\(PostgRESTFilterSQL.quoted(function))(\(list.joined(separator: ", ")))"
        var returnsVoid = false
        let types = try await client.query(
            "select prorettype = 'void'::regtype from pg_proc where proname = \(function) and pronamespace = 'public'::regnamespace",
            logger: logger
        )
        var found = false
        for try await void in types.decode(Bool.self) {
            found = true
            returnsVoid = void
        }
        guard found else {
            throw Failure(
                status: 404,
                code: "PGRST202",
                message: "Could not find the function public.\(function) in the schema cache",
                hint: "create it: paste the output of `summarize db schema` into the SQL editor"
            )
        }
        if returnsVoid {
            _ = try await client.query(PostgresQuery(unsafeSQL: "select \(call)"), logger: logger)
            return LocalHTTPServer.Response(status: 204)
        }
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "select coalesce(json_agg(r), '[]'::json)::text from \(call) r"),
            logger: logger
        )
        for try await json in rows.decode(String.self) { return .json(200, json) }
        return .json(200, "[]")
    }
}
