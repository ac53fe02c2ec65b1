import Foundation
import SummarizerCore

/// The columns of `context_summaries` a ``SummaryRecord`` fills, under the names a sink's
/// `columns` mapping gives them; shared by the `postgres` and `supabase` sinks so both write the
/// same row for the same record.
///
/// PostgREST takes a batch as one JSON array (``jsonArray(_:)``); the `postgres` sink binds it
/// as one `text[]` per column (``textColumns(_:)``), so a 1,000-row statement is cheap to bind
/// and parse.
public struct SummaryColumns: Sendable {
    /// A value as it goes into the JSON row.
    package enum Value {
        case text(String?)
        case strings([String])
        case json(String)
        case integer(Int)
        case double(Double?)
        case bool(Bool)
        case date(Date)
    }

    /// One column: the record field it comes from, its SQL type in the shipped schema, its value.
    package struct Column: Sendable {
        package var field: String
        package var sqlType: String
        package var value: @Sendable (SummaryRecord) -> Value
    }

    /// Every field a sink can write, under its default column name (the shipped schema's).
    package static let fields: [Column] = [
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
    package let columns: [(name: String, column: Column)]
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
        "columns",
        .object,
        doc: "Record field to column name, to fit an existing table: {\"summary_text\": \"text\", \"extra_fields\": null}; null leaves a field out."
    )

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

    /// `records` column by column as text (`nil` for SQL null): the `postgres` sink binds each
    /// column as one `text[]` and casts it in SQL, so a batch is a fixed number of parameters.
    package func textColumns(_ records: some Collection<SummaryRecord>) -> [[String?]] {
        var arrays = [[String?]](repeating: [], count: columns.count)
        for index in arrays.indices { arrays[index].reserveCapacity(records.count) }
        for record in records {
            for index in columns.indices {
                let text: String? =
                    switch columns[index].column.value(record) {
                    case .text(let text): text
                    case .strings(let list): String(decoding: Self.jsonList(list), as: UTF8.self)
                    case .json(let raw): raw
                    case .integer(let number): String(number)
                    case .double(let number): number.flatMap { $0.isFinite ? String($0) : nil }
                    case .bool(let flag): flag ? "true" : "false"
                    case .date(let date): Self.timestamp(date)
                    }
                arrays[index].append(text)
            }
        }
        return arrays
    }

    /// `date` in UTC as `2026-11-29T16:30:00.123Z`, without a formatter: it runs once per stored
    /// row and Foundation's ISO 8601 style costs more than the rest of the row's encoding.
    package static func timestamp(_ date: Date) -> String {
        // Whole seconds, then the fraction truncated to milliseconds, as Foundation's style does.
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        var seconds = time_t(whole)
        let milliseconds = Int32(min(999, ((interval - whole) * 1000).rounded(.down)))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(milliseconds, 3))Z"
    }

    static func jsonList(_ list: [String]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (position, item) in list.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            appendString(item, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// `records` as a JSON array of objects with the same keys (PostgREST refuses mixed keys),
    /// written byte by byte: this runs for every stored row and is much cheaper than an encoder.
    public func jsonArray(_ records: some Sequence<SummaryRecord>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        out.append(UInt8(ascii: "["))
        var firstRow = true
        for record in records {
            if !firstRow { out.append(UInt8(ascii: ",")) }
            firstRow = false
            out.append(UInt8(ascii: "{"))
            for (index, (name, column)) in columns.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.appendString(name, to: &out)
                out.append(UInt8(ascii: ":"))
                switch column.value(record) {
                case .text(let text?): Self.appendString(text, to: &out)
                case .text(nil), .double(nil): out += "null".utf8
                case .strings(let list): out += Self.jsonList(list)
                case .json(let raw): out += raw.utf8
                case .integer(let number): out += String(number).utf8
                case .double(let number?): out += (number.isFinite ? "\(number)" : "null").utf8
                case .bool(let flag): out += (flag ? "true" : "false").utf8
                case .date(let date): Self.appendString(Self.timestamp(date), to: &out)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `text` as a JSON string literal. Bytes of multi-byte characters are all 0x80 or
    /// above, so they pass through; only quotes, backslashes and control characters are escaped.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                out += [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(byte >> 4)],
                    hexDigits[Int(byte & 0xF)],
                ]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func encodeJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}
