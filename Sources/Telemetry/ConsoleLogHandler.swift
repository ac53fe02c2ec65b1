import Foundation
import Logging

/// A swift-log handler writing one line per message to a ``Console``: text (the default) or a
/// JSON object per line (`--log-format json`), for Cloud Logging, CloudWatch and the like.
///
/// A JSON line has `timestamp` (RFC 3339, UTC, milliseconds), `level`, `message`, `logger` (the
/// label) and the metadata as fields of their own; a metadata key that would shadow one of those
/// is written with a `metadata.` prefix.
public struct ConsoleLogHandler: LogHandler {
    /// How lines are written.
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    /// The logger's label.
    public let label: String
    /// The line format.
    public let format: Format
    let console: Console

    /// Messages below this level are dropped.
    public var logLevel: Logger.Level = .info
    /// Metadata added to every message of the logger.
    public var metadata: Logger.Metadata = [:]
    /// Metadata added from the task's context, such as a trace id.
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler for `label` writing `format` lines to `console`.
    public init(label: String, format: Format, console: Console = .standardError) {
        self.label = label
        self.format = format
        self.console = console
    }

    /// One metadata value of the logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one line.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        let now = Date()
        switch format {
        case .text:
            console.writeLine(Self.textLine(date: now, level: event.level, label: label, message: "\(event.message)", metadata: merged))
        case .json:
            console.writeLine(Self.jsonLine(date: now, level: event.level, label: label, message: "\(event.message)", metadata: merged))
        }
    }

    static let textTime = Date.ISO8601FormatStyle()

    static let jsonTime = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The text line: the shape of swift-log's stream handler (time, level, label, metadata, message).
    static func textLine(date: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(textTime.format(date)) \(level) \(label) :\(fields.isEmpty ? "" : " \(fields)") \(message)"
    }

    static let reservedKeys: Set<String> = ["timestamp", "level", "message", "logger"]

    /// The JSON line, keys sorted after the four fixed ones.
    static func jsonLine(date: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var line = "{\"timestamp\":\(quoted(jsonTime.format(date))),\"level\":\(quoted(level.rawValue)),"
        line += "\"message\":\(quoted(message)),\"logger\":\(quoted(label))"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            let name = reservedKeys.contains(key) ? "metadata.\(key)" : key
            line += ",\(quoted(name)):\(json(value))"
        }
        return line + "}"
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .stringConvertible(let convertible): quoted(convertible.description)
        case .array(let values): "[" + values.map(json).joined(separator: ",") + "]"
        case .dictionary(let entries):
            "{" + entries.sorted { $0.key < $1.key }.map { "\(quoted($0.key)):\(json($0.value))" }.joined(separator: ",") + "}"
        }
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var output = "\""
        output.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                output += String(format: "\\u%04x", scalar.value)
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
