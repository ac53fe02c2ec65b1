import Foundation
import SummarizerCore

/// Writes records to standard output (`stdout`): readable text, or JSON lines.
///
/// Standard output carries only records; logs and the report go to standard error, so
/// `summarize run | jq` works with `"format": "jsonl"`.
public struct StdoutSink: Sink {
    /// How records are printed.
    public enum Format: String, Sendable, CaseIterable, ConfigValueConvertible {
        case text, jsonl
    }

    /// What the `stdout` plugin's config sets.
    struct Settings: PluginSettings {
        var format = Format.text

        static let keys: [SettingKey<Self>] = [SettingKey("format", \.format, doc: "text or jsonl.")]
    }

    /// How records are printed.
    public var format: Format
    let write: @Sendable ([UInt8]) -> Void

    /// A sink printing to standard output.
    public init(format: Format) {
        self.init(format: format) { bytes in
            FileHandle.standardOutput.write(Data(bytes))
        }
    }

    /// A sink printing through `write`, for tests.
    public init(format: Format, write: @escaping @Sendable ([UInt8]) -> Void) {
        self.format = format
        self.write = write
    }

    public func write(_ batch: [SummaryRecord], context: StageContext) async throws -> WriteReceipt {
        var output = ""
        switch format {
        case .jsonl:
            let encoder = JSONLinesFile.encoder()
            for record in batch {
                output += String(decoding: try encoder.encode(record), as: UTF8.self) + "\n"
            }
        case .text:
            for record in batch {
                output += Self.render(record) + "\n\n"
            }
        }
        OutputGate.write { write(Array(output.utf8)) }
        return .allStored
    }

    public func finish() async throws {}

    static func render(_ record: SummaryRecord) -> String {
        let rule = String(repeating: "=", count: 72)
        var header = "\(rule)\n\(record.title ?? "(untitled)")\n\(record.url)"
        header += "\nid \(record.newsURLID) · \(record.llmModel) · \(record.tokens.total) tokens"
        return header + "\n" + String(repeating: "-", count: 72) + "\n" + record.summaryText
    }

    /// The `stdout` sink plugin.
    public static let plugin = Plugin(
        type: "stdout",
        summary: "Prints records to standard output, as readable text or JSON lines.",
        keys: Settings.configKeys,
        .sink { config, _ in StdoutSink(format: try config.decode(Settings.self).format) }
    )
}
