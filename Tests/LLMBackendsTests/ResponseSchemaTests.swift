import SummarizerCore
import Testing

@testable import LLMBackends

@Suite("response schemas for the LLM wire formats")
struct ResponseSchemaTests {
    @Test func aCustomSchemaKeepsItsOrderAndStrictModeMakesOptionalFieldsNullable() throws {
        let schema = SummarySchema(
            name: "match_report",
            fields: [
                .init("summary", .text, description: "Two paragraphs."),
                .init("score", .text, description: "Final score"),
                .init("mvp", .text, required: false, nullable: true, description: "Most valuable player"),
                .init("venue", .choice(["home", "away", "neutral"]), description: "Where it was played"),
            ]
        )
        // OpenAI's strict mode wants every key required: optional fields become nullable.
        let openAI = try #require(schema.openAIResponseSchema.objectValue)
        #expect(openAI["required"] == ["summary", "score", "mvp", "venue"])
        #expect(openAI["properties"]?.objectValue?["mvp"]?.objectValue?["type"] == ["string", "null"])
        #expect(openAI["properties"]?.objectValue?["venue"]?.objectValue?["type"] == "string")
        // Gemini keeps the order and says which fields are required.
        let gemini = try #require(schema.geminiResponseSchema.objectValue)
        #expect(gemini["propertyOrdering"] == ["summary", "score", "mvp", "venue"])
        #expect(gemini["required"] == ["summary", "score", "venue"])
        #expect(gemini["properties"]?.objectValue?["mvp"]?.objectValue?["nullable"] == true)
    }
}
