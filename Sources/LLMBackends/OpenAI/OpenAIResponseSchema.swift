import SummarizerCore

extension SummarySchema {
    /// The strict JSON Schema for OpenAI's `response_format: {type: json_schema}`: every key
    /// required (strict mode wants that; optional fields become nullable) and no others allowed.
    public var openAIResponseSchema: JSONValue {
        var properties: [String: JSONValue] = [:]
        for field in fields {
            let nullable = field.nullable || !field.required
            var property: [String: JSONValue] = ["description": .string(field.description)]
            switch field.type {
            case .text:
                property["type"] = nullable ? .array([.string("string"), .string("null")]) : .string("string")
            case .textList:
                property["type"] = nullable ? .array([.string("array"), .string("null")]) : .string("array")
                property["items"] = .object(["type": .string("string")])
            case .choice(let values):
                property["type"] = nullable ? .array([.string("string"), .string("null")]) : .string("string")
                property["enum"] = .array(values.map(JSONValue.string) + (nullable ? [.null] : []))
            }
            properties[field.name] = .object(property)
        }
        return .object([
            "type": .string("object"),
            "properties": .object(properties),
            "required": .array(fields.map { .string($0.name) }),
            "additionalProperties": .bool(false),
        ])
    }
}
