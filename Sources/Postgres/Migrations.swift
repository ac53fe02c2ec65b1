import Foundation
import Logging
import NewsTables
import PostgresNIO
import SummarizerCore

/// The database schema this project ships (`Sources/Postgres/SQL/*.sql`) and how it is applied.
///
/// Each file is one migration, applied once, in name order, inside a transaction, under an
/// advisory lock so that two workers migrating at once do not race; applied versions are kept in
/// `summarizer_migrations`. The SQL itself is also written to be safe to run twice.
public enum Migrations {
    /// One migration file.
    public struct Migration: Sendable {
        /// The migration's version, from its file name; applied in order.
        public var version: String
        /// The statements it runs, in one transaction.
        public var sql: String
    }

    /// The shipped migrations, in order.
    public static func all() throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "SQL", withExtension: nil) else {
            throw PipelineError(.misconfigured, "the schema files are missing from this installation (the Postgres resource bundle)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        return try names.map { name in
            Migration(
                version: String(name.dropLast(4)),
                sql: try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            )
        }
    }

    /// Every migration's SQL, as `summarize db schema` prints it.
    public static func script() throws -> String {
        try all().map { "-- migration \($0.version)\n\($0.sql)" }.joined(separator: "\n")
    }

    /// An arbitrary constant naming this project's advisory lock.
    static let lockKey: Int64 = 0x5355_4D4D_4152_495A

    /// Applies the migrations not applied yet; returns the versions it applied.
    @discardableResult
    public static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.withConnection { connection in
            try await connection.query("select pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                try await connection.query(
                    "create table if not exists summarizer_migrations (version text primary key, applied_at timestamptz not null default now())",
                    logger: logger
                )
                var applied: Set<String> = []
                for try await version in try await connection.query("select version from summarizer_migrations", logger: logger)
                    .decode(String.self)
                {
                    applied.insert(version)
                }
                var done: [String] = []
                for migration in try all() where !applied.contains(migration.version) {
                    try await connection.withTransaction(logger: logger) { connection in
                        for statement in statements(in: migration.sql) {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query("insert into summarizer_migrations (version) values (\(migration.version))", logger: logger)
                    }
                    logger.info("applied migration", metadata: ["version": "\(migration.version)"])
                    done.append(migration.version)
                }
                try await connection.query("select pg_advisory_unlock(\(lockKey))", logger: logger)
                return done
            } catch {
                _ = try? await connection.query("select pg_advisory_unlock(\(lockKey))", logger: logger)
                throw error
            }
        }
    }

    /// Splits a script into statements at the semicolons outside quotes, comments and
    /// dollar-quoted bodies (the extended protocol takes one statement at a time).
    static func statements(in sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let characters = Array(sql)
        var index = 0
        func flush() {
            let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { statements.append(trimmed) }
            current = ""
        }
        while index < characters.count {
            let character = characters[index]
            let next: Character? = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case "-" where next == "-":
                // A line comment: skipped.
                while index < characters.count, characters[index] != "\n" { index += 1 }
                continue
            case "/" where next == "*":
                index += 2
                while index + 1 < characters.count, !(characters[index] == "*" && characters[index + 1] == "/") { index += 1 }
                index += 2
                continue
            case "'", "\"":
                current.append(character)
                index += 1
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == character {
                        // A doubled quote is an escaped quote, not the end.
                        if index + 1 < characters.count, characters[index + 1] == character {
                            current.append(characters[index + 1])
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    index += 1
                }
                continue
            case "$":
                // A dollar quote: $$ or $tag$ ... the same tag.
                var end = index + 1
                while end < characters.count, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" { end += 1 }
                if end < characters.count, characters[end] == "$" {
                    let tag = String(characters[index...end])
                    current += tag
                    index = end + 1
                    let rest = String(characters[index...])
                    if let close = rest.range(of: tag) {
                        current += rest[..<close.upperBound]
                        index += rest.distance(from: rest.startIndex, to: close.upperBound)
                    } else {
                        current += rest
                        index = characters.count
                    }
                    continue
                }
                current.append(character)
            case ";":
                flush()
            default:
                current.append(character)
            }
            index += 1
        }
        flush()
        return statements
    }
}
