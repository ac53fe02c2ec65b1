import Foundation
import SummarizerCore
import Synchronization

/// A fake OpenAI-compatible chat-completions server on 127.0.0.1, with scripted replies.
///
/// It checks the bearer key (when it has one), the model, the message list and, for
/// `response_format: json_schema` with `strict: true`, the rules OpenAI enforces on strict
/// schemas: every property required and `additionalProperties: false` on every object.
public final class FakeOpenAIServer: Sendable {
    /// What the server answers the next request with.
    public enum Reply: Sendable {
        /// A valid JSON summary: the given fields, or ones made from the request's schema.
        case summary(JSONValue? = nil)
        /// The assistant's text as given, finish reason `stop`.
        case text(String)
        /// 429 with a `Retry-After` header value (seconds).
        case rateLimited(retryAfter: String)
        /// 429 `insufficient_quota`.
        case insufficientQuota
        /// An error status (500, 503...).
        case status(Int)
        /// finish reason `content_filter`.
        case contentFilter
        /// finish reason `length`, half a JSON object.
        case length
        /// A `refusal` message instead of content.
        case refusal(String)
    }

    /// A request the server received.
    public struct Recorded: Sendable {
        /// The request's headers, names lowercased.
        public var headers: [String: String]
        /// The request's JSON body.
        public var body: JSONValue
    }

    struct State {
        var queue: [Reply] = []
        var requests: [Recorded] = []
        var violations: [String] = []
    }

    /// The key required as a bearer token; `nil` accepts requests without one (a local server).
    public let apiKey: String?
    /// The models the server knows; others answer 404.
    public let models: Set<String>
    private let state = Mutex(State())
    private let server: Mutex<LocalHTTPServer?> = Mutex(nil)

    private init(apiKey: String?, models: Set<String>) {
        self.apiKey = apiKey
        self.models = models
    }

    /// Starts a server on a free loopback port.
    public static func start(
        apiKey: String? = "test-openai-key",
        models: Set<String> = ["gpt-4o-mini", "llama3.1:8b"]
    ) async throws
        -> FakeOpenAIServer
    {
        let fake = FakeOpenAIServer(apiKey: apiKey, models: models)
        let server = try await LocalHTTPServer.start { [fake] request in fake.handle(request) }
        fake.server.withLock { $0 = server }
        return fake
    }

    /// The base URL to configure, ending in `/v1`.
    public var baseURL: String { (server.withLock { $0?.baseURL } ?? "") + "/v1" }

    /// Stops the server.
    public func shutdown() async throws {
        try await server.withLock { $0 }?.shutdown()
    }

    /// Queues replies for the next requests, in order; with none queued, a valid summary.
    public func enqueue(_ replies: Reply...) {
        state.withLock { $0.queue += replies }
    }

    /// Every request received, in order.
    public var requests: [Recorded] { state.withLock { $0.requests } }

    /// Requests that broke the wire protocol, in words; a test expects none.
    public var protocolViolations: [String] { state.withLock { $0.violations } }

    func handle(_ request: LocalHTTPServer.Request) -> LocalHTTPServer.Response {
        guard request.method == "POST", request.path == "/v1/chat/completions" else {
            return Self.error(404, "Unknown request URL: \(request.method) \(request.path)", code: "unknown_url")
        }
        if let apiKey, request.headers["authorization"] != "Bearer \(apiKey)" {
            return Self.error(401, "Incorrect API key provided.", code: "invalid_api_key")
        }
        guard let body = try? JSONValue.parse(request.body), let object = body.objectValue else {
            return Self.error(400, "We could not parse the JSON body of your request.", code: "invalid_json")
        }
        state.withLock { $0.requests.append(Recorded(headers: request.headers, body: body)) }
        guard let model = object["model"]?.stringValue, models.contains(model) else {
            return Self.error(404, "The model `\(object["model"]?.stringValue ?? "")` does not exist.", code: "model_not_found")
        }
        if let problem = Self.shapeProblem(object) {
            state.withLock { $0.violations.append(problem) }
            return Self.error(400, problem, code: "invalid_request_error")
        }
        let reply = state.withLock { $0.queue.isEmpty ? nil : $0.queue.removeFirst() } ?? .summary(nil)
        switch reply {
        case .summary(let given):
            return completion(content: FakeGeminiServer.encode(given ?? Self.summary(for: object)), finish: "stop", model: model, request: request)
        case .text(let text):
            return completion(content: text, finish: "stop", model: model, request: request)
        case .length:
            return completion(content: #"{"summary": "The Pioneers beat"#, finish: "length", model: model, request: request)
        case .contentFilter:
            return completion(content: nil, finish: "content_filter", model: model, request: request)
        case .refusal(let text):
            return completion(content: nil, finish: "stop", model: model, request: request, refusal: text)
        case .rateLimited(let after):
            return Self.error(429, "Rate limit reached for requests per min.", code: "rate_limit_exceeded", headers: [("Retry-After", after)])
        case .insufficientQuota:
            return Self.error(429, "You exceeded your current quota, please check your plan and billing details.", code: "insufficient_quota")
        case .status(let code):
            return Self.error(code, "The server had an error while processing your request (scripted \(code)).", code: "server_error")
        }
    }

    private func completion(
        content: String?,
        finish: String,
        model: String,
        request: LocalHTTPServer.Request,
        refusal: String? = nil
    )
        -> LocalHTTPServer.Response
    {
        var message: [String: JSONValue] = ["role": "assistant", "content": content.map(JSONValue.string) ?? .null]
        message["refusal"] = refusal.map(JSONValue.string) ?? .null
        let prompt = request.body.count / 4
        let completion = (content?.utf8.count ?? 0) / 4 + 5
        let body: JSONValue = [
            "id": "chatcmpl-fake", "object": "chat.completion", "model": .string(model),
            "choices": [["index": 0, "message": .object(message), "finish_reason": .string(finish)]],
            "usage": [
                "prompt_tokens": .number(Double(prompt)), "completion_tokens": .number(Double(completion)),
                "total_tokens": .number(Double(prompt + completion)),
                "prompt_tokens_details": ["cached_tokens": 0], "completion_tokens_details": ["reasoning_tokens": 5],
            ],
        ]
        return .json(200, FakeGeminiServer.encode(body))
    }

    static func shapeProblem(_ request: [String: JSONValue]) -> String? {
        guard let messages = request["messages"]?.arrayValue, !messages.isEmpty else { return "messages must be a non-empty array" }
        for (index, message) in messages.enumerated() {
            guard let role = message.objectValue?["role"]?.stringValue, ["system", "user", "assistant"].contains(role),
                message.objectValue?["content"]?.stringValue != nil
            else { return "messages[\(index)] needs a role and string content" }
        }
        guard let format = request["response_format"]?.objectValue else { return nil }
        switch format["type"]?.stringValue {
        case "json_object", "text": return nil
        case "json_schema":
            guard let spec = format["json_schema"]?.objectValue, spec["name"]?.stringValue?.isEmpty == false,
                let schema = spec["schema"]
            else { return "response_format.json_schema needs a name and a schema" }
            if spec["strict"]?.boolValue == true { return strictProblem(schema, path: "schema") }
            return nil
        default:
            return "response_format.type must be text, json_object or json_schema"
        }
    }

    /// OpenAI's strict-mode rules: every object lists all its properties as required and
    /// forbids additional ones.
    public static func strictProblem(_ schema: JSONValue, path: String) -> String? {
        guard let object = schema.objectValue else { return nil }
        if let properties = object["properties"]?.objectValue {
            let required = Set(object["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            if required != Set(properties.keys) {
                return
                    "Invalid schema for response_format: In context=(\(path)), 'required' is required to be supplied and to be an array including every key in properties."
            }
            if object["additionalProperties"] != .bool(false) {
                return "Invalid schema for response_format: In context=(\(path)), 'additionalProperties' is required to be supplied and to be false."
            }
            for (name, property) in properties {
                if let problem = strictProblem(property, path: "\(path).properties.\(name)") { return problem }
            }
        }
        if let items = object["items"] { return strictProblem(items, path: "\(path).items") }
        return nil
    }

    /// A valid summary shaped by the request's schema (or the news schema).
    static func summary(for request: [String: JSONValue]) -> JSONValue {
        let texts = (request["messages"]?.arrayValue ?? []).compactMap { $0.objectValue?["content"]?.stringValue }.joined(separator: "\n")
        let format = request["response_format"]?.objectValue?["json_schema"]?.objectValue?["schema"]
        var geminiShaped: [String: JSONValue] = [:]
        if let properties = format?.objectValue?["properties"]?.objectValue {
            // Reuse the Gemini fake's filler by describing the properties the way it reads them.
            var converted: [String: JSONValue] = [:]
            for (name, property) in properties {
                var object = property.objectValue ?? [:]
                let types = object["type"]?.arrayValue?.compactMap(\.stringValue) ?? [object["type"]?.stringValue ?? "string"]
                object["type"] = .string(types.first { $0 != "null" } ?? "string")
                if types.contains("null") { object["nullable"] = true }
                if let values = object["enum"]?.arrayValue { object["enum"] = .array(values.filter { $0 != .null }) }
                converted[name] = .object(object)
            }
            geminiShaped["generationConfig"] = ["responseSchema": ["properties": .object(converted)]]
        }
        return FakeGeminiServer.summary(for: geminiShaped, texts: texts)
    }

    static func error(_ status: Int, _ message: String, code: String, headers: [(String, String)] = []) -> LocalHTTPServer.Response {
        let body: JSONValue = ["error": ["message": .string(message), "type": "invalid_request_error", "code": .string(code)]]
        return .json(status, FakeGeminiServer.encode(body), headers: headers)
    }
}
