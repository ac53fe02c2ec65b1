import Foundation

/// The shape of a summary, as data: which fields the LLM fills, their types and allowed values.
///
/// One schema drives everything that depends on the shape: the `responseSchema` sent to Gemini,
/// the `json_schema` sent to OpenAI-compatible servers (both written by `LLMBackends`, which
/// knows those wire formats), the description put into the prompt when
/// a backend cannot use structured output, and the local validation of every reply. The default
/// is ``news``, the original module's fields; a config may load its own from a JSON Schema file
/// (``init(jsonSchema:file:)``).
///
/// Field names are snake_case, as the LLM writes them and as records store them. Fields named
/// like the news schema's (`summary`, `key_points`, `players_mentioned`...) land in the
/// ``Summary``'s typed properties; any other field is kept in ``Summary/extraFields``.
public struct SummarySchema: Sendable, Hashable {
    /// What a field holds.
    public enum FieldType: Sendable, Hashable {
        /// Free text.
        case text
        /// A list of short texts.
        case textList
        /// One of a fixed set of values.
        case choice([String])
    }

    /// One field of the summary.
    public struct Field: Sendable, Hashable {
        /// The field's name, snake_case as the LLM writes it.
        public var name: String
        /// What values the field takes.
        public var type: FieldType
        /// Whether the reply must contain the key (it may still be `null` when ``nullable``).
        public var required: Bool
        /// Whether `null` is allowed ("none in the article").
        public var nullable: Bool
        /// What the model should put there; sent with the schema.
        public var description: String

        /// A field; `description` goes to the model.
        public init(_ name: String, _ type: FieldType, required: Bool = true, nullable: Bool = false, description: String) {
            self.name = name
            self.type = type
            self.required = required
            self.nullable = nullable
            self.description = description
        }
    }

    /// A short name, e.g. `news`; sent to OpenAI-compatible servers as the schema's name.
    public var name: String
    /// The fields, in the order the model should write them.
    public var fields: [Field]

    /// A schema named `name` with `fields` in order.
    public init(name: String, fields: [Field]) {
        self.name = name
        self.fields = fields
    }

    /// The original module's fields and allowed values.
    public static let news = SummarySchema(
        name: "news",
        fields: [
            Field(
                "summary",
                .text,
                description: "3 to 5 paragraphs separated by blank lines, stating only facts from the article."
            ),
            Field("key_points", .textList, description: "5 to 7 factual takeaways from the article, one sentence each."),
            Field(
                "players_mentioned",
                .textList,
                description: "People named in the article as \"FirstName LastName\"; an empty list when none."
            ),
            Field("teams_mentioned", .textList, description: "Official names of the teams the article names; an empty list when none."),
            Field(
                "game_references",
                .textList,
                description: "Games the article refers to, as \"Team1 vs Team2, Week X\"; an empty list when none."
            ),
            Field(
                "injury_updates",
                .text,
                nullable: true,
                description: "Injury news the article reports, or null when it reports none."
            ),
            Field("article_type", .choice(Summary.articleTypes), description: "The kind of article."),
            Field("sentiment", .choice(Summary.sentiments), description: "The overall tone of the article."),
            Field("content_quality", .choice(Summary.contentQualities), description: "How informative and well-sourced the article is."),
        ]
    )

    /// The record keys a schema field may not take, because records already use them.
    static let reservedNames: Set<String> = [
        "news_url_id", "url", "title", "summary_text", "llm_model", "prompt_version", "fallback_used", "tokens",
        "processing_time_seconds", "generated_at", "extractor", "content_hash", "fetch_method", "input_truncated",
        "retrieval_status", "cost_usd",
    ]

    // MARK: - Loading

    /// Reads a schema from a JSON Schema object: `{"title", "type": "object", "properties", "required"}`.
    ///
    /// Properties may be `{"type": "string"}`, `{"type": ["string", "null"]}`, `{"type": "array",
    /// "items": {"type": "string"}}` or a string with `"enum"`; each may have a `"description"`. A
    /// `summary` text property is required, since every record's `summary_text` is built around it.
    /// Problems are reported with JSON pointers into the file.
    public init(jsonSchema: JSONValue, file: String) throws(ConfigError) {
        var problems: [ConfigProblem] = []
        func problem(_ pointer: JSONPointer, _ message: String) {
            problems.append(ConfigProblem(pointer, message))
        }
        guard let root = jsonSchema.objectValue else {
            throw ConfigError(file: file, problems: [ConfigProblem(.root, "a summary schema must be a JSON object")])
        }
        if let type = root["type"], type.stringValue != "object" {
            problem(JSONPointer(["type"]), "the schema's type must be \"object\"")
        }
        guard let properties = root["properties"]?.objectValue, !properties.isEmpty else {
            throw ConfigError(file: file, problems: [ConfigProblem(JSONPointer(["properties"]), "a summary schema needs \"properties\"")])
        }
        let required = Set(root["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        for name in required where properties[name] == nil {
            problem(JSONPointer(["required"]), "\"\(name)\" is required but not among the properties")
        }

        // Properties keep the file's order when it gives one (`propertyOrdering`); JSON objects
        // themselves carry no order, so otherwise the order is alphabetical with `summary` first.
        let declaredOrder = root["propertyOrdering"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let order =
            declaredOrder.filter { properties[$0] != nil }
            + properties.keys.filter { !declaredOrder.contains($0) }.sorted { lhs, rhs in
                lhs == "summary" ? true : rhs == "summary" ? false : lhs < rhs
            }

        var fields: [Field] = []
        for name in order {
            let pointer = JSONPointer(["properties", name])
            guard let property = properties[name]?.objectValue else {
                problem(pointer, "a property must be an object")
                continue
            }
            if Self.reservedNames.contains(name) {
                problem(pointer, "\"\(name)\" is a record field; name the property differently")
                continue
            }
            if name.isEmpty
                || !name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") })
            {
                problem(pointer, "property names must be letters, digits and underscores")
                continue
            }
            var typeNames: [String] = []
            if let single = property["type"]?.stringValue {
                typeNames = [single]
            } else if let several = property["type"]?.arrayValue?.compactMap(\.stringValue) {
                typeNames = several
            }
            let nullable = typeNames.contains("null") || property["nullable"]?.boolValue == true
            let base = typeNames.filter { $0 != "null" }
            let description = property["description"]?.stringValue ?? ""
            let type: FieldType
            switch base {
            case ["string"]:
                if let values = property["enum"]?.arrayValue {
                    let choices = values.compactMap(\.stringValue)
                    guard !choices.isEmpty, choices.count == values.filter({ $0 != .null }).count else {
                        problem(pointer.appending("enum"), "enum values must be strings")
                        continue
                    }
                    type = .choice(choices)
                } else {
                    type = .text
                }
            case ["array"]:
                guard property["items"]?.objectValue?["type"]?.stringValue == "string" else {
                    problem(pointer.appending("items"), "lists must be lists of strings: \"items\": {\"type\": \"string\"}")
                    continue
                }
                type = .textList
            default:
                problem(
                    pointer.appending("type"),
                    "unsupported type \(property["type"]?.description ?? "(none)"); use \"string\", [\"string\", \"null\"], an enum of strings, or an array of strings"
                )
                continue
            }
            fields.append(Field(name, type, required: required.contains(name), nullable: nullable, description: description))
        }
        if let summary = fields.first(where: { $0.name == "summary" }) {
            if summary.type != .text || summary.nullable {
                problem(JSONPointer(["properties", "summary"]), "\"summary\" must be a non-null string")
            }
            if !required.contains("summary") {
                problem(JSONPointer(["required"]), "\"summary\" must be required")
            }
        } else if problems.isEmpty {
            problem(JSONPointer(["properties"]), "a summary schema needs a \"summary\" string property")
        }
        guard problems.isEmpty else { throw ConfigError(file: file, problems: problems) }
        self.name = root["title"]?.stringValue ?? "summary"
        self.fields = fields
    }

    /// Reads a schema file (see ``init(jsonSchema:file:)``).
    public static func load(path: String) throws(ConfigError) -> SummarySchema {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(.root, "cannot read the schema file: \(error.localizedDescription)")])
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(data)
        } catch {
            throw ConfigError(file: path, problems: [ConfigProblem(.root, "the schema file is not valid JSON")])
        }
        return try SummarySchema(jsonSchema: value, file: path)
    }

    // MARK: - Generated forms

    /// The schema as JSON Schema (the form ``init(jsonSchema:file:)`` reads), sorted for hashing.
    public var jsonSchema: JSONValue {
        var properties: [String: JSONValue] = [:]
        for field in fields {
            var property: [String: JSONValue] = ["description": .string(field.description)]
            switch field.type {
            case .text:
                property["type"] = field.nullable ? .array([.string("string"), .string("null")]) : .string("string")
            case .textList:
                property["type"] = .string("array")
                property["items"] = .object(["type": .string("string")])
            case .choice(let values):
                property["type"] = field.nullable ? .array([.string("string"), .string("null")]) : .string("string")
                property["enum"] = .array(values.map(JSONValue.string) + (field.nullable ? [.null] : []))
            }
            properties[field.name] = .object(property)
        }
        return .object([
            "title": .string(name),
            "type": .string("object"),
            "properties": .object(properties),
            "required": .array(fields.filter(\.required).map { .string($0.name) }),
            "propertyOrdering": .array(fields.map { .string($0.name) }),
        ])
    }

    /// The reply format in words, for prompts sent without structured output (Gemini's tool modes).
    public var promptDescription: String {
        var lines = ["Reply with one JSON object and nothing else (no Markdown fences), with these keys in this order:"]
        for field in fields {
            let type: String
            switch field.type {
            case .text: type = "string"
            case .textList: type = "array of strings"
            case .choice(let values): type = "one of " + values.map { "\"\($0)\"" }.joined(separator: ", ")
            }
            let nullable = field.nullable ? ", or null" : ""
            let optional = field.required ? "" : " (optional)"
            lines.append("- \"\(field.name)\"\(optional): \(type)\(nullable). \(field.description)")
        }
        return lines.joined(separator: "\n")
    }

    /// A stable text of the schema, for the prompt version.
    public var canonicalText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(jsonSchema)).map { String(decoding: $0, as: UTF8.self) } ?? name
    }
}
