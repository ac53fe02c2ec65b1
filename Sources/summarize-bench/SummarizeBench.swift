import ArgumentParser

/// `summarize-bench`: benchmark programs that print figures (run them in a release build).
@main
struct SummarizeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize-bench",
        abstract: "Benchmarks for the summarize pipeline; run with `swift run -c release summarize-bench SUBCOMMAND`.",
        discussion: "Each benchmark prints a table and, as its last line, one JSON object with its figures.",
        subcommands: [
            ResilienceBenchmark.self, FetchBenchmark.self, ExtractBenchmark.self, DatabaseBenchmark.self, ClaimBenchmark.self, SinkBenchmark.self,
            PipelineBenchmark.self, SharedLimitBenchmark.self, SharedLimitWorker.self,
        ]
    )
}
