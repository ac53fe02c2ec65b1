import Foundation
import JSONHTTP
import SummarizerCore

/// Summarizes with Google Gemini's `generateContent` (`gemini`).
///
/// In `content` mode (the default) the model reads our extracted text and answers in JSON mode
/// with a `responseSchema` generated from the summary schema. In `urlContext` mode the model
/// reads the page itself with the `url_context` tool; when Google reports that retrieval failed
/// (or reports nothing), the summarizer throws a URL-retrieval failure and the orchestrator
/// falls back to fetching, extracting and content mode. The tool modes (`urlContext`,
/// grounding) cannot use JSON mode on Gemini 2.5, so there the schema goes into the prompt.
/// Every reply is validated locally, with one repair attempt.
///
/// The API key travels only in the `x-goog-api-key` header: never in a URL, a log line or an error.
public struct GeminiSummarizer: Summarizer {
    /// The `gemini` plugin's settings.
    public struct Configuration: PluginSettings {
        /// What the model reads.
        public enum Mode: String, Sendable, CaseIterable, ConfigValueConvertible {
            case content, urlContext
        }

        /// Required; empty only until a config or the caller sets it.
        public var apiKey = ""
        /// The model name, e.g. `gemini-2.5-flash`.
        public var model = "gemini-2.5-flash"
        /// The API's base URL; tests point it at a local fake.
        public var baseURL = "https://generativelanguage.googleapis.com"
        /// Sampling temperature; low keeps summaries factual.
        public var temperature = 0.1
        /// The reply's token limit, thinking included on 2.5 models.
        public var maxOutputTokens = 8192
        /// Gemini 2.5's thinking budget in tokens; `nil` leaves the model's default.
        public var thinkingBudget: Int?
        /// Whether the model reads our extracted text or the page itself.
        public var mode = Mode.content
        /// Adds the `google_search` tool (`--enable-grounding`).
        public var grounding = false
        /// The longest one call may take.
        public var timeout: Duration = .seconds(120)
        /// Pooled connections to the API.
        public var maxConnections = 16

        /// The defaults, with no key yet.
        public init() {}

        /// The defaults with `apiKey`.
        public init(apiKey: String) {
            self.apiKey = apiKey
        }

        public static let keys: [SettingKey<Self>] = [
            SettingKey(
                "apiKey",
                \.apiKey,
                required: true,
                secret: true,
                environment: ["GEMINI_API_KEY"],
                doc: "The API key, sent only in the x-goog-api-key header. Set GEMINI_API_KEY or write \"${GEMINI_API_KEY}\"."
            ),
            SettingKey("model", \.model, environment: ["GEMINI_MODEL"], doc: "The model; GEMINI_MODEL and --model override."),
            SettingKey(
                "baseURL",
                \.baseURL,
                environment: ["GEMINI_BASE_URL"],
                doc: "The API's base URL (scheme and host, no query); GEMINI_BASE_URL overrides; tests point it at a local fake."
            ),
            SettingKey(
                "mode",
                \.mode,
                doc:
                    "content: the model reads our extracted text. urlContext: the model reads the page with the url_context tool; on a failed retrieval we fetch and extract it ourselves (fallback_used)."
            ),
            SettingKey("temperature", \.temperature, minimum: 0, doc: "Sampling temperature; low keeps summaries factual."),
            SettingKey(
                "maxOutputTokens",
                \.maxOutputTokens,
                minimum: 1,
                doc: "The reply's token limit (thinking included on 2.5 models); a cut reply fails the item as invalidOutput."
            ),
            SettingKey(
                "thinkingBudget",
                \.thinkingBudget,
                minimum: 0,
                doc: "Gemini 2.5 thinking budget in tokens (0 turns thinking off on Flash); unset: the model's default."
            ),
            SettingKey("grounding", \.grounding, doc: "Add the google_search tool (--enable-grounding); the schema then goes into the prompt."),
            SettingKey("timeoutSeconds", \.timeout, minimum: 1, doc: "The longest one call may take."),
            SettingKey("maxConnections", \.maxConnections, minimum: 1, doc: "Pooled connections to the API."),
        ]
    }

    /// Prices in USD per million tokens as Google published them for paid-tier text prompts up
    /// to 200k tokens (2025). Check https://ai.google.dev/gemini-api/docs/pricing and override
    /// them with the `prices` key.
    public static let defaultPrices = PriceTable([
        "gemini-2.5-pro": ModelPrice(inputPerMillion: 1.25, outputPerMillion: 10.00, cachedInputPerMillion: 0.125),
        "gemini-2.5-flash": ModelPrice(inputPerMillion: 0.30, outputPerMillion: 2.50, cachedInputPerMillion: 0.03),
        "gemini-2.5-flash-lite": ModelPrice(inputPerMillion: 0.10, outputPerMillion: 0.40, cachedInputPerMillion: 0.01),
        "gemini-2.0-flash": ModelPrice(inputPerMillion: 0.10, outputPerMillion: 0.40, cachedInputPerMillion: 0.025),
    ])

    /// The model, endpoint and generation settings.
    public let configuration: Configuration
    /// The schema, template and input budget.
    public let prompt: SummaryPrompt
    /// USD per million tokens by model, for the records' `cost_usd` and the budget.
    public let prices: PriceTable
    let meter: Meter
    let http: JSONHTTPClient

    /// A summarizer; with a `budget`, each call reserves its worst case first.
    public init(
        configuration: Configuration,
        prompt: SummaryPrompt = SummaryPrompt(),
        prices: PriceTable = Self.defaultPrices,
        budget: CostBudget? = nil
    ) {
        self.configuration = configuration
        self.prompt = prompt
        self.prices = prices
        self.meter = Meter(
            model: configuration.model,
            price: prices.price(for: configuration.model),
            budget: budget,
            maxOutputTokens: configuration.maxOutputTokens
        )
        self.http = JSONHTTPClient(timeout: configuration.timeout, maxConnections: configuration.maxConnections)
    }

    public var inputMode: SummaryInputMode {
        configuration.mode == .urlContext ? .url : .content
    }

    /// The prompt version: the prompt and every generation setting that changes answers.
    public var promptVersion: String {
        var settings = "gemini;temperature=\(configuration.temperature);maxOutputTokens=\(configuration.maxOutputTokens)"
        settings += ";mode=\(configuration.mode.rawValue);grounding=\(configuration.grounding)"
        if let budget = configuration.thinkingBudget { settings += ";thinkingBudget=\(budget)" }
        return prompt.version(settings: settings)
    }

    var endpoint: String {
        "\(configuration.baseURL)/v1beta/models/\(configuration.model):generateContent"
    }

    public func summarize(_ request: SummaryRequest, context: StageContext) async throws -> SummaryResult {
        var urlMode = false
        if case .url = request.input { urlMode = true }
        var tools: [JSONValue] = []
        if urlMode { tools.append(.object(["url_context": .object([:])])) }
        if configuration.grounding { tools.append(.object(["google_search": .object([:])])) }
        // Gemini 2.5 rejects tools together with JSON mode; then the schema goes into the prompt.
        let structured = tools.isEmpty
        let rendered = prompt.render(request, structuredOutput: structured)
        var retrievalStatus: String?

        let outcome = try await StructuredReply.summarize(prompt: prompt, context: context) { repair in
            var contents = [GeminiWire.Request.Content(role: "user", parts: [.init(text: rendered.text)])]
            var inputTokens = rendered.estimatedTokens + (urlMode ? prompt.maxInputTokens : 0)
            if let repair {
                contents.append(.init(role: "model", parts: [.init(text: repair.previousReply)]))
                contents.append(.init(role: "user", parts: [.init(text: repair.message)]))
                inputTokens += InputBudget.estimatedTokens(repair.previousReply + repair.message)
            }
            let body = GeminiWire.Request(
                contents: contents,
                systemInstruction: .init(role: nil, parts: [.init(text: prompt.systemInstruction)]),
                tools: tools.isEmpty ? nil : tools,
                generationConfig: .init(
                    temperature: configuration.temperature,
                    maxOutputTokens: configuration.maxOutputTokens,
                    responseMimeType: structured ? "application/json" : nil,
                    responseSchema: structured ? prompt.schema.geminiResponseSchema : nil,
                    thinkingConfig: configuration.thinkingBudget.map { .init(thinkingBudget: $0) }
                )
            )
            let reply = try await call(body, estimatedInputTokens: inputTokens, context: context)
            if urlMode, repair == nil {
                retrievalStatus = try checkRetrieval(reply.response, url: request.item.url, spend: reply.llm.spend)
            }
            return reply.llm
        }
        return SummaryResult(
            summary: outcome.summary,
            model: configuration.model,
            promptVersion: promptVersion,
            tokens: outcome.spend.tokens,
            inputTruncated: rendered.inputTruncated,
            costUSD: outcome.spend.costUSD,
            retrievalStatus: retrievalStatus
        )
    }

    /// One `generateContent` call: reserve, send, count, and turn refusals into errors.
    func call(
        _ body: GeminiWire.Request,
        estimatedInputTokens: Int,
        context: StageContext
    ) async throws -> (
        llm: LLMReply, response: GeminiWire.Response
    ) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(body)
        return try await meter.metered(estimatedInputTokens: estimatedInputTokens, context: context) {
            let response = try await http.post(
                endpoint,
                headers: [("x-goog-api-key", configuration.apiKey)],
                body: data,
                service: "Gemini",
                context: context
            )
            guard response.status == 200 else {
                throw GeminiErrors.error(
                    status: response.status,
                    body: response.body,
                    model: configuration.model,
                    secret: configuration.apiKey
                )
            }
            let decoded: GeminiWire.Response
            do {
                decoded = try JSONDecoder().decode(GeminiWire.Response.self, from: response.body)
            } catch {
                throw PipelineError(.transient, "Gemini sent a reply that is not a generateContent response", reason: "unreadable-reply")
            }
            return (decoded, decoded.usageMetadata?.tokens)
        } interpret: { decoded, spend in
            try interpret(decoded, spend: spend)
        }
    }

    /// The answer's text, or the error its refusal or cut means.
    func interpret(_ response: GeminiWire.Response, spend: Spend) throws -> (llm: LLMReply, response: GeminiWire.Response) {
        if let block = response.promptFeedback?.blockReason {
            throw PipelineError(
                .contentFiltered,
                "Gemini blocked the prompt (blockReason \(block))",
                reason: "blocked",
                code: block,
                spend: spend
            )
        }
        guard let candidate = response.candidates?.first else {
            throw PipelineError(.invalidOutput, "Gemini returned no candidates", reason: "no-candidates", spend: spend)
        }
        let finish = candidate.finishReason ?? "STOP"
        if finish == "MAX_TOKENS" {
            throw PipelineError(
                .invalidOutput,
                "the reply was cut at maxOutputTokens (\(configuration.maxOutputTokens)) before it was complete",
                reason: "max-tokens",
                code: finish,
                hint: "raise maxOutputTokens in the summarizer's config (thinking tokens count against it on Gemini 2.5)",
                spend: spend
            )
        }
        if GeminiErrors.filterReasons.contains(finish) {
            throw PipelineError(
                .contentFiltered,
                "Gemini withheld the answer (finishReason \(finish))",
                reason: "filtered",
                code: finish,
                spend: spend
            )
        }
        let text = (candidate.content?.parts ?? []).filter { $0.thought != true }.compactMap(\.text).joined()
        return (LLMReply(text: text, spend: spend, modelVersion: response.modelVersion), response)
    }

    /// In URL mode: the retrieval status of the page, or a URL-retrieval failure that makes the
    /// orchestrator fetch the page itself.
    func checkRetrieval(_ response: GeminiWire.Response, url: String, spend: Spend) throws -> String {
        let entries = response.candidates?.first?.urlContextMetadata?.urlMetadata ?? []
        let entry = entries.first { $0.retrievedUrl == url } ?? entries.first
        let status = entry?.urlRetrievalStatus ?? "none"
        guard status == "URL_RETRIEVAL_STATUS_SUCCESS" else {
            throw PipelineError(
                .invalidContent,
                "Gemini could not read the page (retrieval status \(status))",
                reason: PipelineError.urlRetrievalFailedReason,
                code: status,
                retryable: false,
                spend: spend
            )
        }
        return status
    }
}

extension GeminiSummarizer {
    /// The `gemini` summarizer plugin.
    public static let plugin = Plugin(
        type: "gemini",
        summary: "Google Gemini generateContent: structured JSON output, URL-context mode with fallback, token and cost accounting.",
        keys: Configuration.configKeys + [PriceTable.configKey(doc: pricesDoc)] + SummaryPrompt.configKeys,
        runOptions: [.model, .enableGrounding],
        .summarizer { config, environment in
            var settings = try config.decode(Configuration.self)
            if let model = environment.runOptions.model { settings.model = model }
            settings.baseURL = try checkedBaseURL(settings.baseURL, config: config)
            if environment.runOptions.enableGrounding { settings.grounding = true }
            guard !settings.model.isEmpty,
                settings.model.unicodeScalars.allSatisfy({
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._".unicodeScalars.contains($0))
                })
            else {
                throw config.problem("model", "\"\(settings.model)\" is not a model name (letters, digits, '-', '.', '_')")
            }
            let prices = try PriceTable.parse(config["prices"], over: defaultPrices, config: config)
            try checkBudget(environment.costBudget, prices: prices, model: settings.model, config: config)
            let summarizer = GeminiSummarizer(
                configuration: settings,
                prompt: try SummaryPrompt(config: config),
                prices: prices,
                budget: environment.costBudget
            )
            environment.services.add(summarizer.http)
            return summarizer
        }
    )

    static let pricesDoc =
        "USD per million tokens by model: {\"gemini-2.5-flash\": {\"inputPerMillion\": 0.3, \"outputPerMillion\": 2.5, \"cachedInputPerMillion\": 0.03}}; merged over the built-in table."
}
