import SummarizerCore
import Testing

@testable import LLMBackends

@Suite("response schemas for the LLM wire formats")
struct ResponseSchemaTests {
    @Test func aCustomSchemaKeepsItsOrderAndStrictModeMakesOptionalFieldsNullable() throws {
        let file: JSONValue = [
            "title": "match_report", "type": "object",
            "propertyOrdering": ["summary", "score", "mvp", "venue"],
            "properties": [
                "summary": ["type": "string", "description": "Two paragraphs."],
                "score": ["type": "string", "description": "Final score"],
                "mvp": ["type": ["string", "null"]],
                "venue": ["type": "string", "enum": ["home", "away", "neutral"]],
            ],
            "required": ["summary", "score", "venue"],
        ]
        let schema = try SummarySchema(jsonSchema: file, file: "match.json")
        // OpenAI's strict mode wants every key required: optional fields become nullable.
        let openAI = try #require(schema.openAIResponseSchema.objectValue)
        #expect(openAI["required"] == ["summary", "score", "mvp", "venue"])
        #expect(openAI["properties"]?.objectValue?["mvp"]?.objectValue?["type"] == ["string", "null"])
        #expect(schema.geminiResponseSchema.objectValue?["propertyOrdering"] == ["summary", "score", "mvp", "venue"])
    }
}
