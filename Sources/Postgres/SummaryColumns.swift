import Foundation
import SummarizerCore

/// The columns of `context_summaries` a ``SummaryRecord`` fills, under the names a sink's
/// `columns` mapping gives them; shared by the `postgres` and `supabase` sinks so both write the
/// same row for the same record.
///
/// Rows are written as one JSON array per batch: PostgREST takes it as the request body, and
/// the `postgres` sink hands it to `json_populate_recordset` as a single parameter, which keeps
/// a 1,000-row statement cheap to bind and parse.
public struct SummaryColumns: Sendable {
    /// A value as it goes into the JSON row.
    enum Value {
        case text(String?)
        case strings([String])
        case json(String)
        case integer(Int)
        case double(Double?)
        case bool(Bool)
        case date(Date)
    }

    /// One column: the record field it comes from, its SQL type in the shipped schema, its value.
    struct Column: Sendable {
        var field: String
        var sqlType: String
        var value: @Sendable (SummaryRecord) -> Value
    }

    /// Every field a sink can write, under its default column name (the shipped schema's).
    static let fields: [Column] = [
        Column(field: "news_url_id", sqlType: "uuid") { .text($0.newsURLID) },
        Column(field: "summary_text", sqlType: "text") { .text($0.summaryText) },
        Column(field: "summary", sqlType: "text") { .text($0.summary.summary) },
        Column(field: "key_points", sqlType: "jsonb") { .strings($0.summary.keyPoints) },
        Column(field: "players_mentioned", sqlType: "jsonb") { .strings($0.summary.playersMentioned) },
        Column(field: "teams_mentioned", sqlType: "jsonb") { .strings($0.summary.teamsMentioned) },
        Column(field: "game_references", sqlType: "jsonb") { .strings($0.summary.gameReferences) },
        Column(field: "injury_updates", sqlType: "text") { .text($0.summary.injuryUpdates) },
        Column(field: "article_type", sqlType: "text") { .text($0.summary.articleType) },
        Column(field: "sentiment", sqlType: "text") { .text($0.summary.sentiment) },
        Column(field: "content_quality", sqlType: "text") { .text($0.summary.contentQuality) },
        Column(field: "extra_fields", sqlType: "jsonb") { .json(encodeJSON($0.summary.extraFields)) },
        Column(field: "llm_model", sqlType: "text") { .text($0.llmModel) },
        Column(field: "prompt_version", sqlType: "text") { .text($0.promptVersion) },
        Column(field: "fallback_used", sqlType: "boolean") { .bool($0.fallbackUsed) },
        Column(field: "content_hash", sqlType: "text") { .text($0.contentHash) },
        Column(field: "extractor", sqlType: "text") { .text($0.extractor) },
        Column(field: "fetch_method", sqlType: "text") { .text($0.fetchMethod) },
        Column(field: "retrieval_status", sqlType: "text") { .text($0.retrievalStatus) },
        Column(field: "input_truncated", sqlType: "boolean") { .bool($0.inputTruncated) },
        Column(field: "prompt_tokens", sqlType: "integer") { .integer($0.tokens.prompt) },
        Column(field: "output_tokens", sqlType: "integer") { .integer($0.tokens.output) },
        Column(field: "tool_use_tokens", sqlType: "integer") { .integer($0.tokens.toolUse) },
        Column(field: "thoughts_tokens", sqlType: "integer") { .integer($0.tokens.thoughts) },
        Column(field: "cached_tokens", sqlType: "integer") { .integer($0.tokens.cached) },
        Column(field: "total_tokens", sqlType: "integer") { .integer($0.tokens.total) },
        Column(field: "cost_usd", sqlType: "double precision") { .double($0.costUSD) },
        Column(field: "processing_time_seconds", sqlType: "double precision") { .double($0.processingTimeSeconds) },
        Column(field: "generated_at", sqlType: "timestamptz") { .date($0.generatedAt) },
    ]

    /// The record fields a sink can write.
    public static var fieldNames: [String] { fields.map(\.field) }

    /// The columns written, each with its (possibly renamed) column name.
    let columns: [(name: String, column: Column)]
    /// The column holding `news_url_id`, the upsert's conflict target.
    public let keyColumn: String

    /// The column names written, in order.
    public var names: [String] { columns.map(\.name) }

    /// - Parameter renaming: record field → column name; a field mapped to `nil` is not written.
    public init(renaming: [String: String?] = [:]) {
        var columns: [(String, Column)] = []
        for column in Self.fields {
            let name: String? = renaming[column.field] ?? column.field
            if let name { columns.append((name, column)) }
        }
        self.columns = columns
        self.keyColumn = columns.first { $0.1.field == "news_url_id" }?.0 ?? "news_url_id"
    }

    /// The `columns` key both database sinks take.
    public static let configKey = ConfigKey(
        "columns", .object,
        doc: "Record field to column name, to fit an existing table: {\"summary_text\": \"text\", \"extra_fields\": null}; null leaves a field out.")

    /// The mapping in a sink's `columns` key; a problem points at the entry.
    public init(config: PluginConfig) throws(ConfigError) {
        var names: [String: String?] = [:]
        let known = Set(Self.fieldNames)
        let pointer = config.pointer.appending("columns")
        for (field, value) in config["columns"]?.objectValue ?? [:] {
            guard known.contains(field) else {
                let suggestion = Suggestion.closest(to: field, in: known).map { "; did you mean \"\($0)\"?" } ?? ""
                throw ConfigError(pointer.appending(field), "not a record field\(suggestion)")
            }
            let required = field == "news_url_id" || field == "summary_text"
            switch value {
            case .null where !required:
                names[field] = .some(nil)
            case .string(let name) where !name.isEmpty:
                names[field] = .some(name)
            default:
                throw ConfigError(pointer.appending(field), "must be a column name\(required ? "" : " or null")")
            }
        }
        self.init(renaming: names)
    }

    /// `records` as a JSON array of objects with the same keys (PostgREST refuses mixed keys),
    /// written by hand: this runs for every stored row and is much cheaper than an encoder.
    public func jsonArray(_ records: some Sequence<SummaryRecord>) -> String {
        var out = "["
        var firstRow = true
        for record in records {
            if !firstRow { out += "," }
            firstRow = false
            out += "{"
            for (index, (name, column)) in columns.enumerated() {
                if index > 0 { out += "," }
                Self.appendString(name, to: &out)
                out += ":"
                switch column.value(record) {
                case .text(let text?): Self.appendString(text, to: &out)
                case .text(nil), .double(nil): out += "null"
                case .strings(let list):
                    out += "["
                    for (position, item) in list.enumerated() {
                        if position > 0 { out += "," }
                        Self.appendString(item, to: &out)
                    }
                    out += "]"
                case .json(let raw): out += raw
                case .integer(let number): out += String(number)
                case .double(let number?): out += number.isFinite ? "\(number)" : "null"
                case .bool(let flag): out += flag ? "true" : "false"
                case .date(let date): Self.appendString(ISO8601.string(from: date), to: &out)
                }
            }
            out += "}"
        }
        out += "]"
        return out
    }

    /// Appends `text` as a JSON string literal.
    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        var pending = text.unicodeScalars.startIndex
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let escape: String? =
                switch scalar {
                case "\"": "\\\""
                case "\\": "\\\\"
                case "\n": "\\n"
                case "\r": "\\r"
                case "\t": "\\t"
                case _ where scalar.value < 0x20: "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                default: nil
                }
            if let escape {
                out.unicodeScalars.append(contentsOf: scalars[pending..<index])
                out += escape
                pending = scalars.index(after: index)
            }
            index = scalars.index(after: index)
        }
        out.unicodeScalars.append(contentsOf: scalars[pending..<scalars.endIndex])
        out += "\""
    }

    static func encodeJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}
