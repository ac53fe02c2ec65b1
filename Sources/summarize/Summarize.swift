import ArgumentParser
import Builtins
import Foundation
import HTMLExtraction
import LLMBackends
import LocalPlugins
import Logging
import Postgres
import Resilience
import SummarizerCore
import Supabase
import Telemetry
import WebFetch

/// The `summarize` command: turns lists of news article URLs into structured summaries.
@main
struct Summarize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize",
        abstract: "Fetch news articles, extract them, summarize them with an LLM, and store the summaries.",
        discussion: """
            The pipeline is described by a JSON config (default ./config.json): a source of URLs, a fetcher, \
            an extractor, a summarizer and one or more sinks. Records go to standard output only when a \
            stdout sink is configured; logs and the run report go to standard error.

            Exit codes: 0 nothing failed; 1 some items failed; 2 the run stopped early (a deadline included); \
            64 usage error; 78 configuration error; 130 or 143 stopped by SIGINT or SIGTERM.
            """,
        version: Summarize.version,
        subcommands: [
            RunCommand.self, ValidateCommand.self, ExplainCommand.self, ExtractCommand.self, PluginsCommand.self, SchemaCommand.self,
            DatabaseCommand.self, NewPluginCommand.self, ReplayCommand.self, WorkerCommand.self, ServeCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )

    /// The program's version, as `--version` prints it and the run reports and metrics carry it.
    static let version = "0.1.0"

    /// A logger writing to standard error in the format `LOG_FORMAT` names (text unless it says
    /// json), for the commands without `--log-format`; an unknown format falls back to text.
    static func logger(label: String, level: Logger.Level) -> Logger {
        let format = ProcessInfo.processInfo.environment["LOG_FORMAT"].flatMap { ConsoleLogHandler.Format(rawValue: $0.lowercased()) } ?? .text
        var logger = Logger(label: label) { ConsoleLogHandler(label: $0, format: format) }
        logger.logLevel = level
        return logger
    }

    /// Every plugin the program knows, composed from the plugin modules.
    static func registry() -> PluginRegistry {
        var registry = PluginRegistry()
        for list in [
            BuiltinPlugins.all, WebFetchPlugins.all, HTMLExtractionPlugins.all, LLMBackendsPlugins.all, PostgresPlugins.all,
            SupabasePlugins.all, LocalPluginsPlugins.all, ResiliencePlugins.all,
        ] {
            registry.register(contentsOf: list)
        }
        for scope in PostgresPlugins.rateLimitScopes { registry.register(rateLimitScope: scope) }
        for scope in PostgresPlugins.costLedgerScopes { registry.register(costLedgerScope: scope) }
        registry.setDefaultMiddleware(ResiliencePlugins.defaultChains)
        return registry
    }
}

/// Exit codes with a meaning (sysexits.h where one fits).
enum ExitCodes {
    static let usage = ExitCode(64)
    static let configuration = ExitCode(78)
}
