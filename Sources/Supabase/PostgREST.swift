import Foundation
import JSONHTTP
import NIOHTTP1
import NewsTables
import SummarizerCore

/// A client for a Supabase project's REST API (PostgREST): `{url}/rest/v1/{table}` and
/// `{url}/rest/v1/rpc/{function}`, the key in the `apikey` and `Authorization` headers (never in
/// the URL), PostgREST's error JSON mapped onto pipeline errors.
final class PostgRESTClient: Sendable {
    /// The project URL, e.g. `https://abcd.supabase.co`, without a trailing slash.
    let projectURL: String
    private let apiKey: String
    let http: JSONHTTPClient

    init(projectURL: String, apiKey: String, timeout: Duration, maxConnections: Int = 4) {
        self.projectURL = projectURL
        self.apiKey = apiKey
        self.http = JSONHTTPClient(timeout: timeout, maxConnections: maxConnections, maxResponseBytes: 64 << 20)
    }

    /// PostgREST's error body.
    struct ErrorBody: Decodable {
        var code: String?
        var message: String?
        var details: String?
        var hint: String?
    }

    /// Characters left as they are in a query value; PostgREST's operators (`eq.`, `in.(...)`,
    /// `or=(...)`) stay readable, everything else (`+` in a time zone, `&`, spaces) is escaped.
    private static let queryValueCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~,()*:!")

    /// `{url}/rest/v1/{path}?name=value&...` with every value percent-encoded.
    func url(_ path: String, _ query: [(String, String)]) -> String {
        var text = "\(projectURL)/rest/v1/\(path)"
        for (index, (name, value)) in query.enumerated() {
            text += index == 0 ? "?" : "&"
            text += name.addingPercentEncoding(withAllowedCharacters: Self.queryValueCharacters) ?? name
            text += "="
            text += value.addingPercentEncoding(withAllowedCharacters: Self.queryValueCharacters) ?? value
        }
        return text
    }

    /// Sends one request and returns the body of a 2xx answer; any other status is thrown as the
    /// pipeline error its PostgREST code calls for, naming `action`.
    func request(
        _ method: HTTPMethod,
        _ path: String,
        query: [(String, String)] = [],
        headers: [(String, String)] = [],
        body: Data? = nil,
        action: String,
        context: StageContext
    ) async throws -> Data {
        let response = try await http.send(
            method,
            url(path, query),
            headers: [("apikey", apiKey), ("Authorization", "Bearer \(apiKey)")] + headers,
            body: body,
            service: "Supabase at \(projectURL)",
            context: context
        )
        guard (200..<300).contains(response.status) else {
            throw error(status: response.status, headers: response.headers, body: response.body, action: action)
        }
        return response.body
    }

    /// A PostgREST error answer as a pipeline error. Row problems (constraint violations, bad
    /// values) are `invalidContent`, which a sink isolates by splitting the batch; problems with
    /// the table, the key or the request shape stop the run; 5xx, 503 and 429 are retried.
    func error(status: Int, headers: HTTPHeaders, body: Data, action: String) -> PipelineError {
        let parsed = try? JSONDecoder().decode(ErrorBody.self, from: body)
        let code = parsed?.code
        var message = parsed?.message ?? String(decoding: body.prefix(300), as: UTF8.self)
        if let details = parsed?.details, !details.isEmpty { message += " (\(details))" }
        message = scrub(message, secret: apiKey)
        let text = "\(action): Supabase answered \(status)\(code.map { " \($0)" } ?? ""): \(message)"
        let reason = code.map { "postgrest-\($0)" } ?? "http-\(status)"
        let schemaHint = "create the tables and functions: paste the output of `summarize db schema` into the Supabase SQL editor"
        switch (status, code) {
        case (401, _), (403, _), (_, "PGRST301"), (_, "PGRST300"), (_, "42501"):
            return PipelineError(
                .unauthorized,
                text,
                reason: reason,
                code: code,
                hint: "set apiKey (or SUPABASE_SERVICE_KEY) to the project's service-role key"
            )
        case (_, "42P01"), (_, "PGRST205"), (_, "42883"), (_, "PGRST202"), (404, _):
            return PipelineError(.misconfigured, text, reason: reason, code: code, hint: schemaHint)
        case (_, "42P10"):
            let table = action.split(separator: " ").last.map(String.init) ?? "the table"
            var error = UniqueKeyProblem.error(table: table, column: "news_url_id", duplicates: nil, action: action)
            error.message += ": \(message)"
            return error
        case (_, "PGRST204"), (_, "42703"), (_, "PGRST102"), (_, "PGRST100"):
            // A missing unique constraint or column, mixed keys, a malformed query: every batch
            // would fail the same way, so no row is to blame.
            return PipelineError(.misconfigured, text, reason: reason, code: code, hint: parsed?.hint ?? schemaHint)
        case (408, _), (429, _):
            return PipelineError(.rateLimited, text, reason: reason, code: code, retryAfter: retryAfter(headers))
        case (500...599, _):
            return PipelineError(.transient, text, reason: reason, code: code, hint: parsed?.hint, retryAfter: retryAfter(headers))
        default:
            // 400 and 409: 23505 unique, 23503 foreign key, 23502 not null, 22P02 bad input.
            return PipelineError(.invalidContent, text, reason: reason, code: code, hint: parsed?.hint)
        }
    }
}
