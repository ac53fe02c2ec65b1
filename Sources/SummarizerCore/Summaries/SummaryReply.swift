import Foundation

/// Why an LLM reply is not a valid summary: every problem, each with its JSON pointer.
public struct SchemaViolations: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, one line each.
    public var problems: [String]

    /// Violations listing `problems`.
    public init(_ problems: [String]) {
        self.problems = problems
    }

    public var description: String {
        problems.joined(separator: "; ")
    }
}

extension SummarySchema {
    /// Parses and validates a model's reply text.
    ///
    /// Tolerates what models add around JSON when they were asked for it in the prompt (a
    /// Markdown fence, a sentence before or after the object), and nothing else: a missing
    /// required field, a wrong type, a value outside its enum or an empty summary is a violation.
    public func decode(replyText text: String) -> Result<Summary, SchemaViolations> {
        guard let json = Self.jsonObjectText(in: text) else {
            let shown = text.isEmpty ? "an empty reply" : "no JSON object in the reply"
            return .failure(SchemaViolations([shown]))
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(Data(json.utf8))
        } catch {
            return .failure(SchemaViolations(["the reply is not valid JSON"]))
        }
        return decode(value)
    }

    /// Validates a parsed reply and builds the summary from it.
    public func decode(_ value: JSONValue) -> Result<Summary, SchemaViolations> {
        guard let object = value.objectValue else {
            return .failure(SchemaViolations(["the reply is \(value.typeName), not a JSON object"]))
        }
        var problems: [String] = []
        var values: [String: JSONValue] = [:]
        for field in fields {
            let pointer = JSONPointer([field.name])
            guard let raw = object[field.name] else {
                if field.required { problems.append("\(pointer): missing") }
                continue
            }
            if raw == .null {
                if field.nullable || !field.required {
                    values[field.name] = .null
                } else {
                    problems.append("\(pointer): null is not allowed")
                }
                continue
            }
            switch field.type {
            case .text:
                guard let text = raw.stringValue else {
                    problems.append("\(pointer): expected a string, got \(raw.typeName)")
                    continue
                }
                let trimmed = text.trimmingWhitespace
                if field.name == "summary", trimmed.isEmpty {
                    problems.append("\(pointer): empty")
                    continue
                }
                values[field.name] = .string(trimmed)
            case .textList:
                guard let items = raw.arrayValue else {
                    problems.append("\(pointer): expected an array of strings, got \(raw.typeName)")
                    continue
                }
                var texts: [JSONValue] = []
                for (index, item) in items.enumerated() {
                    guard let text = item.stringValue else {
                        problems.append("\(pointer.appending(index)): expected a string, got \(item.typeName)")
                        continue
                    }
                    let trimmed = text.trimmingWhitespace
                    if !trimmed.isEmpty { texts.append(.string(trimmed)) }
                }
                values[field.name] = .array(texts)
            case .choice(let allowed):
                guard let text = raw.stringValue else {
                    problems.append("\(pointer): expected a string, got \(raw.typeName)")
                    continue
                }
                // "Injury Report" and "injury-report" mean "injury_report"; anything else is wrong.
                let wanted = Self.normalizedChoice(text)
                guard let match = allowed.first(where: { Self.normalizedChoice($0) == wanted }) else {
                    problems.append("\(pointer): \"\(text)\" is not one of \(allowed.joined(separator: ", "))")
                    continue
                }
                values[field.name] = .string(match)
            }
        }
        guard problems.isEmpty else { return .failure(SchemaViolations(problems)) }
        return .success(Summary(fields: values))
    }

    static func normalizedChoice(_ text: String) -> String {
        var normalized = String.UnicodeScalarView()
        for scalar in text.trimmingWhitespace.lowercased().unicodeScalars {
            normalized.append(scalar == " " || scalar == "-" ? "_" : scalar)
        }
        return String(normalized)
    }

    /// The outermost `{...}` of a reply, without a Markdown fence or text around it.
    static func jsonObjectText(in text: String) -> String? {
        guard let start = text.firstIndex(of: "{"), let end = text.lastIndex(of: "}"), start < end else { return nil }
        return String(text[start...end])
    }

    /// A summary with every field empty or null, for a schema-shaped placeholder in tests.
    public func emptyValues() -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for field in fields {
            switch field.type {
            case .text: values[field.name] = field.nullable ? .null : .string("")
            case .textList: values[field.name] = .array([])
            case .choice(let allowed): values[field.name] = field.nullable ? .null : .string(allowed.first ?? "")
            }
        }
        return values
    }
}

extension Summary {
    /// The field names of the news schema that map onto typed properties.
    static let typedFieldNames: Set<String> = [
        "summary", "key_points", "players_mentioned", "teams_mentioned", "game_references", "injury_updates",
        "article_type", "sentiment", "content_quality",
    ]

    /// Builds a summary from validated field values: news fields into the typed properties, the
    /// rest into ``extraFields``.
    public init(fields values: [String: JSONValue]) {
        func strings(_ name: String) -> [String] { values[name]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        self.init(
            summary: values["summary"]?.stringValue ?? "",
            keyPoints: strings("key_points"),
            playersMentioned: strings("players_mentioned"),
            teamsMentioned: strings("teams_mentioned"),
            gameReferences: strings("game_references"),
            injuryUpdates: values["injury_updates"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            articleType: values["article_type"]?.stringValue,
            sentiment: values["sentiment"]?.stringValue,
            contentQuality: values["content_quality"]?.stringValue,
            extraFields: values.filter { !Self.typedFieldNames.contains($0.key) }
        )
    }

    /// The summary's fields by schema name, the inverse of ``init(fields:)``.
    public var fieldValues: [String: JSONValue] {
        var values = extraFields
        values["summary"] = .string(summary)
        values["key_points"] = .array(keyPoints.map(JSONValue.string))
        values["players_mentioned"] = .array(playersMentioned.map(JSONValue.string))
        values["teams_mentioned"] = .array(teamsMentioned.map(JSONValue.string))
        values["game_references"] = .array(gameReferences.map(JSONValue.string))
        values["injury_updates"] = injuryUpdates.map(JSONValue.string) ?? .null
        values["article_type"] = articleType.map(JSONValue.string) ?? .null
        values["sentiment"] = sentiment.map(JSONValue.string) ?? .null
        values["content_quality"] = contentQuality.map(JSONValue.string) ?? .null
        return values
    }
}
