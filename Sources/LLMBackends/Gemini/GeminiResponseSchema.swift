import SummarizerCore

extension SummarySchema {
    /// Gemini's `responseSchema`: the OpenAPI 3 subset it accepts (`type`, `properties`,
    /// `required`, `items`, `enum`, `nullable`, `description`, `propertyOrdering`).
    public var geminiResponseSchema: JSONValue {
        var properties: [String: JSONValue] = [:]
        for field in fields {
            var property: [String: JSONValue] = ["description": .string(field.description)]
            switch field.type {
            case .text:
                property["type"] = .string("STRING")
            case .textList:
                property["type"] = .string("ARRAY")
                property["items"] = .object(["type": .string("STRING")])
            case .choice(let values):
                property["type"] = .string("STRING")
                property["enum"] = .array(values.map(JSONValue.string))
            }
            if field.nullable { property["nullable"] = .bool(true) }
            properties[field.name] = .object(property)
        }
        return .object([
            "type": .string("OBJECT"),
            "properties": .object(properties),
            "required": .array(fields.filter(\.required).map { .string($0.name) }),
            "propertyOrdering": .array(fields.map { .string($0.name) }),
        ])
    }
}
