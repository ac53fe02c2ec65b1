import Logging
import SummarizerCore
import Synchronization

/// Appends one JSON object per record to a file (`jsonl`), flushed to disk per batch.
///
/// The file is opened and locked when the run starts (a dry run does neither), an incomplete
/// last line left by a crash is cut off, and with `resume` (the default) the sink answers which
/// items the file holds, so a run started again skips them or writes them only to the other
/// sinks that lack them, and no id is written to the file twice.
///
/// The ids of the file are read once, at the first question, and kept in memory with those
/// written since (about 25 bytes per record, see ``IDSet``); the file itself has no index to ask.
public final class JSONLinesSink: Sink {
    let file: JSONLinesFile
    let resume: Bool
    private let ids = Mutex<IDSet?>(nil)

    /// A sink appending to the file at `path`; with `resume`, the ids it holds count as delivered.
    public init(path: String, resume: Bool = true) {
        file = JSONLinesFile(path: path, locking: .forRun)
        self.resume = resume
    }

    public func prepare(context: StageContext) async throws {
        let cut = try file.open()
        if cut > 0 {
            context.logger.warning(
                "cut off an incomplete last line (a run was interrupted while writing it; its items are done again)",
                metadata: ["path": "\(file.path)", "bytes": "\(cut)"]
            )
        }
    }

    /// The ids of `ids` the file holds; with `resume` off, none (everything is written again).
    public func heldIDs(among ids: [String], context: StageContext) async throws -> Set<String>? {
        guard resume else { return [] }
        let known = try knownIDs()
        return Set(ids.filter(known.contains))
    }

    private func knownIDs() throws(PipelineError) -> IDSet {
        if let known = ids.withLock({ $0 }) { return known }
        let read = try file.readIDs()
        return ids.withLock { state in
            let known = state ?? read
            state = known
            return known
        }
    }

    public func write(_ batch: [SummaryRecord], context: StageContext) async throws -> WriteReceipt {
        try file.append(batch)
        if resume {
            ids.withLock { state in
                guard state != nil else { return }
                for record in batch { state?.insert(record.newsURLID) }
            }
        }
        return .allStored
    }

    public func finish() async throws {
        file.close()
    }

    /// What the `jsonl` sink's config sets.
    struct Settings: PluginSettings {
        var path = ""
        var resume = true

        static let keys: [SettingKey<Self>] = [
            SettingKey("path", \.path, as: .path, required: true, doc: "The output file, e.g. out/summaries.jsonl."),
            SettingKey(
                "resume",
                \.resume,
                doc:
                    "Skip the items whose records the file already holds (a run started again after a crash or a stop); false summarizes them again and appends."
            ),
        ]
    }

    /// The `jsonl` sink plugin.
    public static let plugin = Plugin(
        type: "jsonl",
        summary: "Appends one JSON object per record to a file; folders are created, each batch is flushed to disk.",
        keys: Settings.configKeys,
        .sink { config, _ in
            let settings = try config.decode(Settings.self)
            return JSONLinesSink(path: settings.path, resume: settings.resume)
        }
    )
}

/// Appends one JSON object per failed item to a file: the default dead-letter sink.
///
/// The file holds one line per item: a failure is appended (durably, under the file's lock, so
/// nothing is lost in a crash), and when the run ends the lines of an item that failed before
/// are merged into one, its history and failed runs added up, and the lines of items delivered
/// since are dropped; that rewrite is atomic (a new file renamed over the old one) under the
/// same lock. A crash before it leaves both lines, merged by the next run or replay.
public struct JSONLinesDeadLetterSink: DeadLetterSink {
    let file: JSONLinesFile
    let index: DeadLetterIndex

    /// A dead-letter sink appending to the file at `path`.
    public init(path: String) {
        file = JSONLinesFile(path: path, locking: .perAppend)
        index = DeadLetterIndex(path: path)
    }

    public func write(_ failures: [FailureRecord], context: StageContext) async throws {
        try file.append(failures)
        index.appended(failures)
    }

    public func earlierFailures(of ids: [String], context: StageContext) async throws -> [String: EarlierFailure] {
        try index.earlierFailures(of: ids)
    }

    public func resolved(_ ids: [String], context: StageContext) async {
        index.resolved(ids)
    }

    public func finish() async throws {
        file.close()
        guard index.needsCompaction else { return }
        let resolved = index.resolvedIDs
        let since = index.loadedAt
        try DeadLetterFile.rewrite(path: file.path) { lines in
            DeadLetterFile.compact(lines, dropping: resolved, failedBefore: since).lines
        }
        index.reset()
    }

    /// What the `jsonl` dead-letter sink's config sets.
    struct Settings: PluginSettings {
        var path = "out/failed.jsonl"

        static let keys: [SettingKey<Self>] = [SettingKey("path", \.path, as: .path, doc: "The dead-letter file.")]
    }

    /// The `jsonl` dead-letter plugin.
    public static let plugin = Plugin(
        type: "jsonl",
        summary: "Appends one JSON object per failed item (stage, error kind, attempts) to a file.",
        keys: Settings.configKeys,
        .deadLetter { config, _ in JSONLinesDeadLetterSink(path: try config.decode(Settings.self).path) }
    )
}
