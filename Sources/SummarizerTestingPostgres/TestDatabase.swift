import Foundation
import Logging
import Postgres
import PostgresNIO
import SummarizerCore

/// A throwaway database per test, made in the cluster `DATABASE_URL` points at (Scripts/test.sh
/// starts one), so tests that claim and insert never see each other's rows.
public enum TestDatabase {
    static let environment = ProcessInfo.processInfo.environment

    /// Whether database tests run: with a DATABASE_URL, or under CI, where a missing one fails them.
    public static let available = environment["DATABASE_URL"] != nil || environment["CI"] == "true"

    /// A logger that drops everything, for the database clients of tests.
    public static let logger = Logger(label: "postgres-tests") { _ in SwiftLogNoOpLogHandler() }

    /// The connection string of `url`'s database on the test cluster, password included, for a
    /// child process's DATABASE_URL.
    public static func connectionString(for url: DatabaseURL) -> String? {
        guard let text = environment["DATABASE_URL"], var components = URLComponents(string: text), let database = url.database else { return nil }
        components.path = "/" + database
        return components.string
    }

    /// Creates a fresh database, runs `body` with its URL, and drops it.
    public static func with<T: Sendable>(_ body: @escaping @Sendable (DatabaseURL) async throws -> T) async throws -> T {
        guard let text = environment["DATABASE_URL"] else {
            throw PipelineError(.misconfigured, "DATABASE_URL is not set; run the tests with Scripts/test.sh")
        }
        let server = try DatabaseURL(text)
        let name = "summarize_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await withPostgresClient(server, logger: logger) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: "create database \(name)"), logger: logger)
        }
        var url = server
        url.database = name
        do {
            let result = try await body(url)
            try await drop(name, server: server)
            return result
        } catch {
            try? await drop(name, server: server)
            throw error
        }
    }

    /// A fresh database with the shipped schema applied, and a client on it.
    public static func withMigrated<T: Sendable>(_ body: @escaping @Sendable (DatabaseURL, PostgresClient) async throws -> T) async throws -> T {
        try await with { url in
            try await withPostgresClient(url, logger: logger) { client in
                try await Migrations.migrate(client, logger: logger)
                return try await body(url, client)
            }
        }
    }

    static func drop(_ name: String, server: DatabaseURL) async throws {
        try await withPostgresClient(server, logger: logger) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: "drop database if exists \(name) with (force)"), logger: logger)
        }
    }
}
