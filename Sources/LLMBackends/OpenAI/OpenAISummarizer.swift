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
    public struct Configuration: PluginSettings {
        /// How the reply's JSON is asked for.
        public enum StructuredOutput: String, Sendable, CaseIterable, ConfigValueConvertible {
            /// `response_format: {type: json_schema, strict: true}`.
            case jsonSchema
            /// `response_format: {type: json_object}`, with the schema in the prompt.
            case jsonObject
            /// No `response_format`; the schema in the prompt.
            case none
        }

        /// Sent as a bearer token; optional for local servers.
        public var apiKey: String?
        /// Required; empty only until a config or the caller sets it.
        public var model = ""
        /// The API base, ending in `/v1`.
        public var baseURL = "https://api.openai.com/v1"
        /// Sampling temperature.
        public var temperature = 0.1
        /// The reply's token limit.
        public var maxOutputTokens = 4096
        /// `max_tokens` (widely supported) or `max_completion_tokens` (OpenAI's newer name).
        public var maxTokensField = "max_tokens"
        /// How the reply's JSON is asked for.
        public var structuredOutput = StructuredOutput.jsonSchema
        /// The longest one call may take.
        public var timeout: Duration = .seconds(120)
        /// Pooled connections to the server.
        public var maxConnections = 16

        /// The defaults, with no model yet.
        public init() {}

        /// The defaults for `model`, with an optional key.
        public init(model: String, apiKey: String? = nil) {
            self.model = model
            self.apiKey = apiKey
        }

        public static let keys: [SettingKey<Self>] = [
            SettingKey(
                "model",
                \.model,
                required: true,
                doc: "The model name the server knows, e.g. gpt-4o-mini or llama3.1:8b; --model overrides."
            ),
            SettingKey(
                "baseURL",
                \.baseURL,
                environment: ["OPENAI_BASE_URL"],
                doc: "The API base, ending in /v1 (Ollama: http://127.0.0.1:11434/v1); OPENAI_BASE_URL overrides."
            ),
            SettingKey(
                "apiKey",
                \.apiKey,
                secret: true,
                environment: ["OPENAI_API_KEY"],
                doc: "Sent as a bearer token; optional for local servers. Set OPENAI_API_KEY or write \"${OPENAI_API_KEY}\"."
            ),
            SettingKey("temperature", \.temperature, minimum: 0, doc: "Sampling temperature."),
            SettingKey(
                "maxOutputTokens",
                \.maxOutputTokens,
                minimum: 1,
                doc: "The reply's token limit; a cut reply fails the item as invalidOutput."
            ),
            SettingKey(
                "maxTokensField",
                \.maxTokensField,
                allowed: ["max_tokens", "max_completion_tokens"],
                doc: "The request field for maxOutputTokens: max_tokens (most servers) or max_completion_tokens (OpenAI's reasoning models)."
            ),
            SettingKey(
                "structuredOutput",
                \.structuredOutput,
                doc:
                    "jsonSchema: response_format json_schema (strict); jsonObject: JSON mode with the schema in the prompt; none: the schema in the prompt only."
            ),
            SettingKey("timeoutSeconds", \.timeout, minimum: 1, doc: "The longest one call may take."),
            SettingKey("maxConnections", \.maxConnections, minimum: 1, doc: "Pooled connections to the server."),
        ]
    }

    /// The model, endpoint and generation settings.
    public let configuration: Configuration
    /// The schema, template and input budget.
    public let prompt: SummaryPrompt
    let meter: Meter
    let http: JSONHTTPClient

    /// A summarizer; with a `budget`, each call reserves its worst case first.
    public init(configuration: Configuration, prompt: SummaryPrompt = SummaryPrompt(), prices: PriceTable = PriceTable(), budget: CostBudget? = nil) {
        self.configuration = configuration
        self.prompt = prompt
        self.meter = Meter(
            model: configuration.model,
            price: prices.price(for: configuration.model),
            budget: budget,
            maxOutputTokens: configuration.maxOutputTokens
        )
        self.http = JSONHTTPClient(timeout: configuration.timeout, maxConnections: configuration.maxConnections)
    }

    /// The prompt version: the prompt and every generation setting that changes answers.
    public var promptVersion: String {
        prompt.version(
            settings: "openai;temperature=\(configuration.temperature);maxOutputTokens=\(configuration.maxOutputTokens)"
                + ";structuredOutput=\(configuration.structuredOutput.rawValue)"
        )
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
            summary: outcome.summary,
            model: configuration.model,
            promptVersion: promptVersion,
            tokens: outcome.spend.tokens,
            inputTruncated: rendered.inputTruncated,
            costUSD: outcome.spend.costUSD
        )
    }

    func call(_ body: JSONValue, estimatedInputTokens: Int, context: StageContext) async throws -> LLMReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(body)
        var headers: [(String, String)] = []
        if let key = configuration.apiKey, !key.isEmpty { headers.append(("Authorization", "Bearer \(key)")) }
        return try await meter.metered(estimatedInputTokens: estimatedInputTokens, context: context) {
            let response = try await http.post(
                "\(configuration.baseURL)/chat/completions",
                headers: headers,
                body: data,
                service: "the OpenAI-compatible server",
                context: context
            )
            guard response.status == 200 else {
                throw Self.error(
                    status: response.status,
                    headers: response.headers,
                    body: response.body,
                    model: configuration.model,
                    secret: configuration.apiKey
                )
            }
            let decoded: ChatResponse
            do {
                decoded = try JSONDecoder().decode(ChatResponse.self, from: response.body)
            } catch {
                throw PipelineError(
                    .transient,
                    "the OpenAI-compatible server sent a reply that is not a chat completion",
                    reason: "unreadable-reply"
                )
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
                    .invalidOutput,
                    "the reply was cut at maxOutputTokens (\(configuration.maxOutputTokens)) before it was complete",
                    reason: "max-tokens",
                    code: "length",
                    hint: "raise maxOutputTokens in the summarizer's config",
                    spend: spend
                )
            case "content_filter":
                throw PipelineError(
                    .contentFiltered,
                    "the server's content filter withheld the answer",
                    reason: "filtered",
                    code: "content_filter",
                    spend: spend
                )
            default:
                return LLMReply(text: choice.message?.content ?? "", spend: spend, modelVersion: decoded.model)
            }
        }
    }
}

extension OpenAISummarizer {
    /// The `openai` summarizer plugin.
    public static let plugin = Plugin(
        type: "openai",
        summary: "Any OpenAI-compatible chat-completions server (OpenAI, Ollama, vLLM, llama.cpp): json_schema output, usage and cost.",
        keys: Configuration.configKeys
            + [PriceTable.configKey(doc: "USD per million tokens by model, as for gemini; no built-in prices (needed with run.maxCostUSD).")]
            + SummaryPrompt.configKeys,
        runOptions: [.model],
        .summarizer { config, environment in
            var settings = try config.decode(Configuration.self)
            if let model = environment.runOptions.model { settings.model = model }
            settings.baseURL = try checkedBaseURL(settings.baseURL, config: config)
            let prices = try PriceTable.parse(config["prices"], over: PriceTable(), config: config)
            try checkBudget(environment.costBudget, prices: prices, model: settings.model, config: config)
            let summarizer = OpenAISummarizer(
                configuration: settings,
                prompt: try SummaryPrompt(config: config),
                prices: prices,
                budget: environment.costBudget
            )
            environment.services.add(summarizer.http)
            return summarizer
        }
    )
}
