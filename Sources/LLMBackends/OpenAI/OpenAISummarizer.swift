import Foundation
import JSONHTTP
import NIOHTTP1
import SummarizerCore

/// Summarizes with any OpenAI-compatible chat-completions endpoint (`openai`): OpenAI itself,
/// Ollama, vLLM, the llama.cpp server.
///
/// Asks for `response_format: json_schema` (strict) generated from the summary schema; servers
/// without it can use `json_object` or plain prompting (`structuredOutput`). Every reply is
/// validated locally, with one repair attempt. The key, optional for local servers, travels as a
/// bearer token only.
public struct OpenAISummarizer: Summarizer {
    /// The `openai` plugin's settings.
    public struct Configuration: Sendable {
        public enum StructuredOutput: String, Sendable {
            /// `response_format: {type: json_schema, strict: true}`.
            case jsonSchema
            /// `response_format: {type: json_object}`, with the schema in the prompt.
            case jsonObject
            /// No `response_format`; the schema in the prompt.
            case none
        }

        public var apiKey: String?
        public var model: String
        public var baseURL = "https://api.openai.com/v1"
        public var temperature = 0.1
        public var maxOutputTokens = 4096
        /// `max_tokens` (widely supported) or `max_completion_tokens` (OpenAI's newer name).
        public var maxTokensField = "max_tokens"
        public var structuredOutput = StructuredOutput.jsonSchema
        public var timeout: Duration = .seconds(120)
        public var maxConnections = 16

        public init(model: String, apiKey: String? = nil) {
            self.model = model
            self.apiKey = apiKey
        }
    }

    public let configuration: Configuration
    public let prompt: SummaryPrompt
    let meter: Meter
    let http: JSONHTTPClient

    public init(configuration: Configuration, prompt: SummaryPrompt = SummaryPrompt(), prices: PriceTable = PriceTable(), budget: CostBudget? = nil) {
        self.configuration = configuration
        self.prompt = prompt
        self.meter = Meter(price: prices.price(for: configuration.model), budget: budget, maxOutputTokens: configuration.maxOutputTokens)
        self.http = JSONHTTPClient(timeout: configuration.timeout, maxConnections: configuration.maxConnections)
    }

    /// The prompt version: the prompt and every generation setting that changes answers.
    public var promptVersion: String {
        prompt.version(
            settings: "openai;temperature=\(configuration.temperature);maxOutputTokens=\(configuration.maxOutputTokens)"
                + ";structuredOutput=\(configuration.structuredOutput.rawValue)")
    }

    public func summarize(_ request: SummaryRequest, context: StageContext) async throws -> SummaryResult {
        guard request.article != nil else {
            throw PipelineError(.misconfigured, "the openai summarizer reads article text; it cannot read URLs")
        }
        let rendered = prompt.render(request, structuredOutput: configuration.structuredOutput == .jsonSchema)
        let outcome = try await StructuredReply.summarize(prompt: prompt, context: context) { repair in
            var messages: [JSONValue] = [
                .object(["role": .string("system"), "content": .string(prompt.systemInstruction)]),
                .object(["role": .string("user"), "content": .string(rendered.text)]),
            ]
            var inputTokens = rendered.estimatedTokens
            if let repair {
                messages.append(.object(["role": .string("assistant"), "content": .string(repair.previousReply)]))
                messages.append(.object(["role": .string("user"), "content": .string(repair.message)]))
                inputTokens += InputBudget.estimatedTokens(repair.previousReply + repair.message)
            }
            var body: [String: JSONValue] = [
                "model": .string(configuration.model),
                "messages": .array(messages),
                "temperature": .number(configuration.temperature),
                configuration.maxTokensField: .number(Double(configuration.maxOutputTokens)),
            ]
            switch configuration.structuredOutput {
            case .jsonSchema:
                body["response_format"] = .object([
                    "type": .string("json_schema"),
                    "json_schema": .object([
                        "name": .string(prompt.schema.name + "_summary"), "strict": .bool(true),
                        "schema": prompt.schema.openAIResponseSchema,
                    ]),
                ])
            case .jsonObject:
                body["response_format"] = .object(["type": .string("json_object")])
            case .none:
                break
            }
            return try await call(.object(body), estimatedInputTokens: inputTokens, context: context)
        }
        return SummaryResult(
            summary: outcome.summary, model: configuration.model, promptVersion: promptVersion, tokens: outcome.spend.tokens,
            inputTruncated: rendered.inputTruncated, costUSD: outcome.spend.costUSD)
    }

    func call(_ body: JSONValue, estimatedInputTokens: Int, context: StageContext) async throws -> LLMReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(body)
        var headers: [(String, String)] = []
        if let key = configuration.apiKey, !key.isEmpty { headers.append(("Authorization", "Bearer \(key)")) }
        return try await meter.metered(estimatedInputTokens: estimatedInputTokens, context: context) {
            let response = try await http.post(
                "\(configuration.baseURL)/chat/completions", headers: headers, body: data, service: "the OpenAI-compatible server",
                context: context)
            guard response.status == 200 else {
                throw Self.error(
                    status: response.status, headers: response.headers, body: response.body, model: configuration.model,
                    secret: configuration.apiKey)
            }
            let decoded: ChatResponse
            do {
                decoded = try JSONDecoder().decode(ChatResponse.self, from: response.body)
            } catch {
                throw PipelineError(
                    .transient, "the OpenAI-compatible server sent a reply that is not a chat completion", reason: "unreadable-reply")
            }
            return (decoded, decoded.usage?.tokens)
        } interpret: { decoded, spend in
            guard let choice = decoded.choices?.first else {
                throw PipelineError(.invalidOutput, "the server returned no choices", reason: "no-choices", spend: spend)
            }
            if let refusal = choice.message?.refusal, !refusal.isEmpty {
                throw PipelineError(.contentFiltered, "the model refused: \(refusal)", reason: "refusal", spend: spend)
            }
            switch choice.finishReason {
            case "length":
                throw PipelineError(
                    .invalidOutput, "the reply was cut at maxOutputTokens (\(configuration.maxOutputTokens)) before it was complete",
                    reason: "max-tokens", code: "length", hint: "raise maxOutputTokens in the summarizer's config", spend: spend)
            case "content_filter":
                throw PipelineError(
                    .contentFiltered, "the server's content filter withheld the answer", reason: "filtered", code: "content_filter",
                    spend: spend)
            default:
                return LLMReply(text: choice.message?.content ?? "", spend: spend, modelVersion: decoded.model)
            }
        }
    }

    /// Maps an error answer onto the taxonomy. OpenAI writes `{"error": {"message", "type",
    /// "code"}}`; Ollama and others `{"error": "message"}`.
    static func error(status: Int, headers: HTTPHeaders, body: Data, model: String, secret: String?) -> PipelineError {
        var message = String(decoding: body.prefix(300), as: UTF8.self)
        var code: String?
        if let value = try? JSONValue.parse(body), let error = value.objectValue?["error"] {
            if let text = error.stringValue {
                message = text
            } else if let object = error.objectValue {
                message = object["message"]?.stringValue ?? message
                code = object["code"]?.stringValue ?? object["type"]?.stringValue
            }
        }
        message = scrub(message, secret: secret)
        let shownCode = code.map { "\(status) \($0)" } ?? String(status)
        switch status {
        case 401, 403:
            return PipelineError(
                .unauthorized, "the server refused the API key (\(shownCode)): \(message)", reason: "unauthorized", code: shownCode,
                hint: "set OPENAI_API_KEY (or apiKey) to a key the server accepts")
        case 404:
            return PipelineError(
                .misconfigured, "the server does not know the model \"\(model)\" or the endpoint (\(shownCode)): \(message)",
                reason: "unknown-model", code: shownCode, hint: "check model and baseURL (it should end in /v1)")
        case 429 where code == "insufficient_quota":
            return PipelineError(
                .quotaExhausted, "the account's quota is spent (\(shownCode)): \(message)", reason: "insufficient-quota", code: shownCode,
                hint: "the remaining items are left for the next run")
        case 429:
            return PipelineError(
                .rateLimited, "rate limit reached (\(shownCode)): \(message)", reason: "rate-limited", code: shownCode,
                retryAfter: retryAfter(headers))
        case 408, 409, 500...599:
            return PipelineError(.transient, "the server failed (\(shownCode)): \(message)", reason: "http-\(status)", code: shownCode)
        default:
            return PipelineError(.invalidContent, "the server rejected the request (\(shownCode)): \(message)", reason: "llm-bad-request", code: shownCode)
        }
    }

    struct ChatResponse: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable {
                var content: String?
                var refusal: String?
            }
            var message: Message?
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case message, finishReason = "finish_reason"
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
                case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
                case promptTokensDetails = "prompt_tokens_details", completionTokensDetails = "completion_tokens_details"
            }

            /// Reasoning tokens are part of `completion_tokens` on the wire; here they are thoughts.
            var tokens: TokenUsage {
                let reasoning = completionTokensDetails?.reasoningTokens ?? 0
                let completion = completionTokens ?? 0
                return TokenUsage(
                    prompt: promptTokens ?? 0, output: max(0, completion - reasoning), thoughts: reasoning,
                    cached: promptTokensDetails?.cachedTokens ?? 0, total: totalTokens)
            }
        }

        var model: String?
        var choices: [Choice]?
        var usage: Usage?
    }
}

extension OpenAISummarizer {
    /// The `openai` summarizer plugin.
    public static let plugin = Plugin(
        PluginSpec(
            type: "openai", role: .summarizer,
            summary: "Any OpenAI-compatible chat-completions server (OpenAI, Ollama, vLLM, llama.cpp): json_schema output, usage and cost.",
            keys: [
                ConfigKey("model", .string, required: true, doc: "The model name the server knows, e.g. gpt-4o-mini or llama3.1:8b; --model overrides."),
                ConfigKey(
                    "baseURL", .string, default: .string("https://api.openai.com/v1"), environment: ["OPENAI_BASE_URL"],
                    doc: "The API base, ending in /v1 (Ollama: http://127.0.0.1:11434/v1); OPENAI_BASE_URL overrides."),
                ConfigKey(
                    "apiKey", .string, secret: true, environment: ["OPENAI_API_KEY"],
                    doc: "Sent as a bearer token; optional for local servers. Set OPENAI_API_KEY or write \"${OPENAI_API_KEY}\"."),
                ConfigKey("temperature", .number, default: .number(0.1), minimum: 0, doc: "Sampling temperature."),
                ConfigKey("maxOutputTokens", .integer, default: .number(4096), minimum: 1, doc: "The reply's token limit; a cut reply fails the item as invalidOutput."),
                ConfigKey(
                    "maxTokensField", .string, default: .string("max_tokens"), allowed: ["max_tokens", "max_completion_tokens"],
                    doc: "The request field for maxOutputTokens: max_tokens (most servers) or max_completion_tokens (OpenAI's reasoning models)."),
                ConfigKey(
                    "structuredOutput", .string, default: .string("jsonSchema"), allowed: ["jsonSchema", "jsonObject", "none"],
                    doc: "jsonSchema: response_format json_schema (strict); jsonObject: JSON mode with the schema in the prompt; none: the schema in the prompt only."),
                ConfigKey(
                    "prices", .object,
                    doc: "USD per million tokens by model, as for gemini; no built-in prices (needed with run.maxCostUSD)."),
                ConfigKey("timeoutSeconds", .number, default: .number(120), minimum: 1, doc: "The longest one call may take."),
                ConfigKey("maxConnections", .integer, default: .number(16), minimum: 1, doc: "Pooled connections to the server."),
            ] + SummaryPrompt.configKeys,
            runOptions: [.model]),
        .summarizer { config, environment in
            var settings = Configuration(model: environment.runOptions.model ?? config.string("model")!, apiKey: config.string("apiKey"))
            settings.baseURL = try checkedBaseURL(config.string("baseURL")!, config: config)
            settings.temperature = config.double("temperature")!
            settings.maxOutputTokens = config.int("maxOutputTokens")!
            settings.maxTokensField = config.string("maxTokensField")!
            settings.structuredOutput = Configuration.StructuredOutput(rawValue: config.string("structuredOutput")!) ?? .jsonSchema
            settings.timeout = .seconds(fromConfig: config.double("timeoutSeconds")!)
            settings.maxConnections = config.int("maxConnections")!
            let prices = try PriceTable.parse(config["prices"], over: PriceTable(), config: config)
            try checkBudget(environment.costBudget, prices: prices, model: settings.model, config: config)
            let summarizer = OpenAISummarizer(
                configuration: settings, prompt: try SummaryPrompt(config: config), prices: prices, budget: environment.costBudget)
            environment.services.add(summarizer.http)
            return summarizer
        }
    )
}
