import Foundation
import SummarizerCore

/// Stores records (`__PLUGIN__` sink).
///
/// The skeleton appends one tab-separated line per record (news URL id, URL, summary)
/// to `path`. A record counts as written once `write` returns; report rows the target
/// refused in the receipt (they go to the dead-letter sink) and throw `.transient`
/// for failures a retry may fix. `prepare` may check the target before the run.
public actor __TYPE__: Sink {
    /// What the config sets: a struct, so each key binds to a property and takes its default.
    public struct Settings: PluginSettings {
        /// Required: the config must give it.
        public var path = ""

        public init() {}

        public static let keys: [SettingKey<Self>] = [
            SettingKey("path", \.path, as: .path, required: true, doc: "The file to append to.")
        ]
    }

    let path: String

    public init(path: String) {
        self.path = path
    }

    public func write(_ batch: [SummaryRecord], context: StageContext) async throws -> WriteReceipt {
        let lines = batch.map { record in
            [record.newsURLID, record.url, record.summary.summary]
                .map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
                .joined(separator: "\t") + "\n"
        }
        // An actor: one batch at a time, so lines of two batches never interleave.
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw PipelineError(.misconfigured, "cannot create \(path)", reason: "unwritable")
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(lines.joined().utf8))
        try handle.synchronize()
        return WriteReceipt()
    }

    public func finish() async throws {}

    /// The `__PLUGIN__` sink plugin: its config keys and how to build it from them.
    public static let plugin = Plugin(
        type: "__PLUGIN__",
        summary: "Appends one tab-separated line per record (generated skeleton; describe yours here).",
        keys: Settings.configKeys,
        .sink { config, _ in __TYPE__(path: try config.decode(Settings.self).path) }
    )
}
