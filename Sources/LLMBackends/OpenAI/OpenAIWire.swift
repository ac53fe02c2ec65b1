import SummarizerCore

/// The chat-completions answer, as far as it is read.
extension OpenAISummarizer {
    struct ChatResponse: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
                var refusal: String?
            }
            var message: Message?
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case message
                case finishReason = "finish_reason"
            }
        }

        struct Usage: Decodable {
            struct PromptDetails: Decodable {
                var cachedTokens: Int?
                enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
            }
            struct CompletionDetails: Decodable {
                var reasoningTokens: Int?
                enum CodingKeys: String, CodingKey { case reasoningTokens = "reasoning_tokens" }
            }
            var promptTokens: Int?
            var completionTokens: Int?
            var totalTokens: Int?
            var promptTokensDetails: PromptDetails?
            var completionTokensDetails: CompletionDetails?

            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens"
                case completionTokens = "completion_tokens"
                case totalTokens = "total_tokens"
                case promptTokensDetails = "prompt_tokens_details"
                case completionTokensDetails = "completion_tokens_details"
            }

            /// Reasoning tokens are part of `completion_tokens` on the wire; here they are thoughts.
            var tokens: TokenUsage {
                let reasoning = completionTokensDetails?.reasoningTokens ?? 0
                let completion = completionTokens ?? 0
                return TokenUsage(
                    prompt: promptTokens ?? 0,
                    output: max(0, completion - reasoning),
                    thoughts: reasoning,
                    cached: promptTokensDetails?.cachedTokens ?? 0,
                    total: totalTokens
                )
            }
        }

        var model: String?
        var choices: [Choice]?
        var usage: Usage?
    }
}
