import SummarizerCore

/// Appends one JSON object per record to a file (`jsonl`), flushed to disk per batch.
///
/// The folder is created on first write, so a dry run creates nothing.
public struct JSONLinesSink: Sink {
    let file: JSONLinesFile

    public init(path: String) {
        file = JSONLinesFile(path: path)
    }

    public func write(_ batch: [SummaryRecord], context: StageContext) async throws -> WriteReceipt {
        try file.append(batch)
        return .allStored
    }

    public func finish() async throws {
        file.close()
    }

    /// The `jsonl` sink plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "jsonl", role: .sink,
            summary: "Appends one JSON object per record to a file; folders are created, each batch is flushed to disk.",
            keys: [ConfigKey("path", .path, required: true, doc: "The output file, e.g. out/summaries.jsonl.")]),
        .sink { config, _ in JSONLinesSink(path: config.string("path")!) }
    )
}

/// Appends one JSON object per failed item to a file: the default dead-letter sink.
public struct JSONLinesDeadLetterSink: DeadLetterSink {
    let file: JSONLinesFile

    public init(path: String) {
        file = JSONLinesFile(path: path)
    }

    public func write(_ failures: [FailureRecord], context: StageContext) async throws {
        try file.append(failures)
    }

    public func finish() async throws {
        file.close()
    }

    /// The `jsonl` dead-letter plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "jsonl", role: .deadLetter,
            summary: "Appends one JSON object per failed item (stage, error kind, attempts) to a file.",
            keys: [ConfigKey("path", .path, default: .string("out/failed.jsonl"), doc: "The dead-letter file.")]),
        .deadLetter { config, _ in JSONLinesDeadLetterSink(path: config.string("path")!) }
    )
}
