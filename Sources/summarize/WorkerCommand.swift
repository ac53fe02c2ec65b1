import ArgumentParser
import SummarizerCore

/// `summarize worker`: a long-running claim-mode process, for a systemd unit or a Deployment.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Claim and summarize rows of news_urls until stopped: one of many workers sharing one table.",
        discussion: """
            Needs a postgres or supabase source, and runs it in claim mode (the config may say "mode": "claim" or \
            nothing; another mode is refused): each claim hands out rows no other worker holds, leased for \
            leaseSeconds. The worker renews the leases of the rows it works on every leaseSeconds/3, so a slow LLM \
            call keeps its row while a dead worker's rows come back soon. When nothing is left it waits for new rows: \
            a postgres worker is woken by the NOTIFY the schema's insert trigger sends, and every worker polls every \
            pollSeconds (default 30) in case a notification is lost. SIGINT or SIGTERM stops it as they stop run \
            (no new items, those started finish within run.shutdownGraceSeconds, sinks flushed, leases of rows not \
            started released; exit 130 or 143). Serve /metrics with --metrics-listen for probes and Prometheus.
            """
    )

    @OptionGroup var configOptions: ConfigOptions

    @OptionGroup(title: "Watching the run") var watchOptions: WatchOptions

    @Flag(name: .shortAndLong, help: "Log at debug level (overrides run.logLevel and LOG_LEVEL).")
    var verbose = false

    @Option(help: ArgumentHelp("Poll for new rows this often (default: the source's pollSeconds, else 30).", valueName: "seconds"))
    var pollSeconds: Double?

    /// The default poll when neither the flag nor the config sets one.
    static let defaultPollSeconds = 30.0

    func validate() throws {
        if let pollSeconds, !(pollSeconds > 0 && pollSeconds.isFinite) {
            throw ValidationError("--poll-seconds must be a positive number of seconds, got \(pollSeconds)")
        }
    }

    func run() async throws {
        let registry = Summarize.registry()
        var config = try configOptions.load(registry: registry, forRun: true)
        guard ["postgres", "supabase"].contains(config.source.type) else {
            StandardError.print(
                "summarize worker claims rows of news_urls: it needs a postgres or supabase source, and \(configOptions.config) has "
                    + "\"\(config.source.type)\" at /source/type; use summarize run for other sources"
            )
            throw ExitCodes.usage
        }
        let source = config.source.config
        if let mode = source.string("mode"), mode != "claim", source.origins["mode"] != .default {
            StandardError.print(
                "summarize worker claims rows: /source/mode is \"\(mode)\"; set it to \"claim\" or leave it out"
            )
            throw ExitCodes.usage
        }
        config.source.config.set("mode", .string("claim"), origin: .flag)
        if let pollSeconds {
            config.source.config.set("pollSeconds", .number(pollSeconds), origin: .flag)
        } else if source["pollSeconds"] == nil || source["pollSeconds"] == .null {
            config.source.config.set("pollSeconds", .number(Self.defaultPollSeconds), origin: .flag)
        }
        try await RunCommand.execute(
            config: config,
            registry: registry,
            options: RunOptions(),
            watchOptions: watchOptions,
            verbose: verbose,
            configPath: configOptions.config
        )
    }
}
