import SummarizerCore

/// The `generateContent` wire types (camelCase JSON, as the REST API speaks it).
enum GeminiWire {
    struct Request: Encodable {
        struct Part: Codable {
            var text: String?
        }

        struct Content: Encodable {
            var role: String?
            var parts: [Part]
        }

        struct GenerationConfig: Encodable {
            var temperature: Double
            var maxOutputTokens: Int
            var responseMimeType: String?
            var responseSchema: JSONValue?
            var thinkingConfig: ThinkingConfig?
        }

        struct ThinkingConfig: Encodable {
            var thinkingBudget: Int
        }

        var contents: [Content]
        var systemInstruction: Content?
        var tools: [JSONValue]?
        var generationConfig: GenerationConfig
    }

    struct Response: Decodable {
        var candidates: [Candidate]?
        var promptFeedback: PromptFeedback?
        var usageMetadata: UsageMetadata?
        var modelVersion: String?
    }

    struct Candidate: Decodable {
        var content: Content?
        var finishReason: String?
        var urlContextMetadata: URLContextMetadata?

        enum CodingKeys: String, CodingKey {
            case content, finishReason, urlContextMetadata
            case snakeURLContextMetadata = "url_context_metadata"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            content = try container.decodeIfPresent(Content.self, forKey: .content)
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
            // The REST API writes camelCase; some proxies pass the SDKs' snake_case through.
            urlContextMetadata =
                try container.decodeIfPresent(URLContextMetadata.self, forKey: .urlContextMetadata)
                ?? container.decodeIfPresent(URLContextMetadata.self, forKey: .snakeURLContextMetadata)
        }
    }

    struct Content: Decodable {
        struct Part: Decodable {
            var text: String?
            /// Thought summaries are not part of the answer.
            var thought: Bool?
        }
        var parts: [Part]?
    }

    struct URLContextMetadata: Decodable {
        struct Entry: Decodable {
            var retrievedUrl: String?
            var urlRetrievalStatus: String?
        }
        var urlMetadata: [Entry]?
    }

    struct PromptFeedback: Decodable {
        var blockReason: String?
    }

    struct UsageMetadata: Decodable {
        var promptTokenCount: Int?
        var cachedContentTokenCount: Int?
        var candidatesTokenCount: Int?
        var toolUsePromptTokenCount: Int?
        var thoughtsTokenCount: Int?
        var totalTokenCount: Int?

        var tokens: TokenUsage {
            TokenUsage(
                prompt: promptTokenCount ?? 0,
                output: candidatesTokenCount ?? 0,
                toolUse: toolUsePromptTokenCount ?? 0,
                thoughts: thoughtsTokenCount ?? 0,
                cached: cachedContentTokenCount ?? 0,
                total: totalTokenCount
            )
        }
    }

    struct ErrorEnvelope: Decodable {
        struct Body: Decodable {
            var code: Int?
            var message: String?
            var status: String?
            var details: [JSONValue]?
        }
        var error: Body
    }
}
