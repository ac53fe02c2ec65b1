import Logging
import SummarizerCore

/// Appends one JSON object per record to a file (`jsonl`), flushed to disk per batch.
///
/// The file is opened and locked when the run starts (a dry run does neither), an incomplete
/// last line left by a crash is cut off, and with `resume` (the default) the ids already in
/// the file are reported, so a run started again skips them.
public struct JSONLinesSink: Sink {
    let file: JSONLinesFile
    let resume: Bool

    public init(path: String, resume: Bool = true) {
        file = JSONLinesFile(path: path, locking: .forRun)
        self.resume = resume
    }

    public func prepare(context: StageContext) async throws {
        let cut = try file.open()
        if cut > 0 {
            context.logger.warning(
                "cut off an incomplete last line (a run was interrupted while writing it; its items are done again)",
                metadata: ["path": "\(file.path)", "bytes": "\(cut)"])
        }
    }

    public func storedIDs(context: StageContext) async throws -> Set<String>? {
        guard resume else { return nil }
        return try file.readIDs()
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
            keys: [
                ConfigKey("path", .path, required: true, doc: "The output file, e.g. out/summaries.jsonl."),
                ConfigKey(
                    "resume", .boolean, default: .bool(true),
                    doc: "Skip the items whose records the file already holds (a run started again after a crash or a stop); false summarizes them again and appends."),
            ]),
        .sink { config, _ in JSONLinesSink(path: config.string("path")!, resume: config.bool("resume")!) }
    )
}

/// Appends one JSON object per failed item to a file: the default dead-letter sink.
public struct JSONLinesDeadLetterSink: DeadLetterSink {
    let file: JSONLinesFile

    public init(path: String) {
        file = JSONLinesFile(path: path, locking: .perAppend)
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
