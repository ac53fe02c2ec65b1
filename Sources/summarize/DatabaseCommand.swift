import ArgumentParser
import Foundation
import Logging
import NewsTables
import Postgres
import SummarizerCore

/// `summarize db`: the database schema this project ships.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Print or apply the database schema (tables, the claim function, attempts bookkeeping).",
        subcommands: [Schema.self, Migrate.self]
    )

    struct Schema: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the SQL of every migration, e.g. to paste into Supabase's SQL editor."
        )

        func run() async throws {
            print(try Migrations.script())
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the migrations not applied yet to the database in DATABASE_URL; safe to run twice.",
            discussion: """
                Prefer DATABASE_URL over --database-url: the environment keeps the password out of the process list. \
                Each migration runs in a transaction, under an advisory lock, and is recorded in summarizer_migrations.
                """
        )

        @Option(help: ArgumentHelp("postgres://user:password@host:5432/database (default: DATABASE_URL).", valueName: "url"))
        var databaseURL: String?

        @Flag(name: .shortAndLong, help: "Log at debug level.")
        var verbose = false

        func run() async throws {
            guard let text = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !text.isEmpty else {
                StandardError.print("no database: set DATABASE_URL (or pass --database-url)")
                throw ExitCodes.usage
            }
            let url: DatabaseURL
            do {
                url = try DatabaseURL(text)
            } catch {
                StandardError.print(error.message)
                throw ExitCodes.usage
            }
            let logger = Summarize.logger(label: "summarize", level: verbose ? .debug : .warning)
            do {
                let logger = logger
                let applied = try await withPostgresClient(url, logger: logger) { client in
                    try await Migrations.migrate(client, logger: logger)
                }
                print(applied.isEmpty ? "\(url): up to date" : "\(url): applied \(applied.joined(separator: ", "))")
            } catch {
                StandardError.print(pipelineError(fromDatabase: error, doing: "migrating \(url)").description)
                throw ExitCode(2)
            }
        }
    }
}
