import Logging
import NewsTables
import PostgresNIO
import SummarizerCore

/// Runs `body` with a pooled client for `url`; the pool runs beside it and is shut down after.
public func withPostgresClient<T: Sendable>(
    _ url: DatabaseURL,
    logger: Logger,
    _ body: @escaping @Sendable (PostgresClient) async throws -> T
) async throws -> T {
    let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger.forPool())
    return try await withServices([client]) { try await body(client) }
}

// The pool's `run()` is what a pipeline service is: it serves until cancelled.
extension PostgresClient: PipelineService {}

/// Listens on `channel` through one of `client`'s connections until cancelled, handing each
/// notification's payload to `received`, and listens again a second after a lost connection. A
/// lost notification costs only time: what it announced is in a table the next statement reads.
func listen(
    on channel: String,
    client: PostgresClient,
    logger: Logger,
    _ received: @escaping @Sendable (String) async -> Void
) async {
    while !Task.isCancelled {
        do {
            try await client.withConnection { connection in
                try await connection.listen(on: channel) { notifications in
                    for try await notification in notifications {
                        await received(notification.payload)
                    }
                }
            }
        } catch {
            if Task.isCancelled { return }
            logger.debug("listening failed; listening again in a second", metadata: ["channel": "\(channel)", "error": "\(error)"])
        }
        try? await Task.sleep(for: .seconds(1))
    }
}

/// A database error as a pipeline error, with the server's message and SQLSTATE when it sent
/// them. PostgresNIO's own description hides details on purpose; this keeps the useful ones
/// (never the connection's password, which the server does not echo).
public func pipelineError(fromDatabase error: any Error, doing action: String) -> PipelineError {
    if let error = error as? PipelineError { return error }
    guard let error = error as? PSQLError else { return PipelineError.from(error) }
    if let message = error.serverInfo?[.message] {
        let state = error.serverInfo?[.sqlState]
        if state == "42P10" {
            // Every batch would fail the same way: no row is to blame.
            return UniqueKeyProblem.error(table: "the table", column: "its key column", duplicates: nil, action: action)
        }
        let hint = error.serverInfo?[.hint]
        // Connection and resource problems (08xxx, 53xxx, 57P0x) pass; the rest say our SQL or data is wrong.
        let transient = state.map { $0.hasPrefix("08") || $0.hasPrefix("53") || $0.hasPrefix("57P") || $0 == "40001" || $0 == "40P01" } ?? false
        let missing = state == "42P01" || state == "42883"
        let kind: PipelineError.Kind =
            transient
            ? .transient : state == "28P01" || state == "28000" || state == "42501" ? .unauthorized : missing ? .misconfigured : .invalidContent
        return PipelineError(
            kind,
            "\(action): \(message)",
            reason: "sqlstate-\(state ?? "unknown")",
            code: state,
            hint: missing ? "run `summarize db migrate` to create the tables and functions" : hint
        )
    }
    return PipelineError(.transient, "\(action): \(error.code)", reason: "database-connection")
}

/// Runs `body`, failing with a `transient` error naming `action` when it takes longer than
/// `timeout`. The pool retries unreachable servers for ever, so every statement is bounded here.
///
/// The caller stops waiting at the limit even when the statement does not end: a query
/// PostgresNIO has sent waits for the server's answer whatever its task is told, and on a
/// connection that went silent (a peer or path gone without a reset) that lasts until TCP gives
/// up. Waiting for it is how a run could hang with no task busy and no connection open. What an
/// abandoned statement does later is harmless: sink writes are idempotent upserts, claims come
/// back when their lease expires, reservations leave tokens unused.
func withTimeout<T: Sendable>(_ timeout: Duration, _ action: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    switch try await withAbandoningTimeLimit(timeout, body) {
    case .finished(let value):
        return value
    case .expired:
        throw PipelineError(
            .transient,
            "\(action): no answer within \(timeout.seconds) s (is the database reachable?)",
            reason: "database-timeout"
        )
    }
}

extension Logger {
    /// The logger for a connection pool: its retry chatter only at debug level runs.
    func forPool() -> Logger {
        var logger = self
        if logger.logLevel > .debug { logger.logLevel = .warning }
        return logger
    }
}
