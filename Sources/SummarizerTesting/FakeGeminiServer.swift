import Foundation
import SummarizerCore
import Synchronization

/// A fake Gemini API on 127.0.0.1 that speaks `generateContent` as Google documents it, with
/// scripted replies and faults.
///
/// It enforces the wire rules the real service has or that this project promises: the key in
/// the `x-goog-api-key` header (a key in the query string is refused and recorded as a protocol
/// violation), a known model, a well-formed request, a `responseSchema` in Gemini's OpenAPI
/// subset, and no tools together with JSON mode. Replies come from, in order: a queue for
/// requests whose text contains a marker (``script(whenPromptContains:_:)``), the global queue
/// (``enqueue(_:)``), else a valid summary made from the request.
public final class FakeGeminiServer: Sendable {
    /// One scripted answer.
    public enum Reply: Sendable {
        /// A valid JSON summary: the given fields, or ones made from the request.
        case summary(JSONValue? = nil)
        /// The model's text as given (e.g. invalid JSON), finish reason STOP.
        case text(String)
        /// 429 with a per-minute quota and `RetryInfo.retryDelay` (e.g. `"1.5s"`).
        case rateLimitPerMinute(retryDelay: String)
        /// 429 with a per-day quota.
        case quotaPerDay
        /// An error status with Google's error JSON (500, 503, 504...).
        case status(Int)
        /// A candidate that stopped for `reason` (SAFETY, RECITATION...), with no usable text.
        case finish(String)
        /// `promptFeedback.blockReason`, no candidates.
        case blocked(String)
        /// A reply cut at the token limit (finishReason MAX_TOKENS, half a JSON object).
        case maxTokens
        /// URL-context metadata with this retrieval status (`nil`: no metadata at all), and a
        /// valid summary as the text.
        case urlContext(status: String?)
        /// 400 INVALID_ARGUMENT with reason API_KEY_INVALID.
        case invalidKey
        /// 403 PERMISSION_DENIED.
        case permissionDenied
        /// 400 FAILED_PRECONDITION (e.g. no free tier in the region).
        case failedPrecondition
        /// 400 INVALID_ARGUMENT for this request only.
        case badRequest(String)
    }

    /// A request the server received.
    public struct Recorded: Sendable {
        /// The request's path and query.
        public var uri: String
        /// The request's headers, names lowercased.
        public var headers: [String: String]
        /// The request's JSON body.
        public var body: JSONValue
        /// The model named in the path.
        public var model: String
    }

    /// When a well-formed request arrived and the status it was answered with.
    public struct Answered: Sendable {
        /// Arrival time (wall clock, comparable with other processes' clocks on this machine).
        public var receivedAt: Date
        /// The HTTP status of the answer.
        public var status: Int
    }

    struct State {
        var queue: [Reply] = []
        var markers: [(marker: String, replies: [Reply])] = []
        var requests: [Recorded] = []
        var violations: [String] = []
        var answered: [Answered] = []
        /// A project rate limit the client is not told: more than this many requests in any
        /// second answer a per-minute 429.
        var hiddenLimit: (perSecond: Int, retryDelay: String)?
        var accepted: [Date] = []
        /// Requests answered normally before the per-day quota is spent.
        var dailyQuota: Int?
    }

    /// The only key the server accepts.
    public let apiKey: String
    /// The models the server knows; others answer 404.
    public let models: Set<String>
    /// Thinking tokens reported per call.
    public let thoughtsTokens = 11
    /// Tool-use tokens reported per URL-context call (the page the tool read).
    public let toolUseTokens = 1500
    private let state = Mutex(State())
    private let server: Mutex<LocalHTTPServer?> = Mutex(nil)

    private init(apiKey: String, models: Set<String>) {
        self.apiKey = apiKey
        self.models = models
    }

    /// Starts the fake on an ephemeral port.
    public static func start(
        apiKey: String = "test-gemini-key",
        models: Set<String> = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite"]
    ) async throws -> FakeGeminiServer {
        let fake = FakeGeminiServer(apiKey: apiKey, models: models)
        let server = try await LocalHTTPServer.start { [fake] request in fake.handle(request) }
        fake.server.withLock { $0 = server }
        return fake
    }

    /// The base URL to configure as the summarizer's `baseURL`.
    public var baseURL: String { server.withLock { $0?.baseURL ?? "" } }

    /// Stops the server.
    public func shutdown() async throws {
        try await server.withLock { $0 }?.shutdown()
    }

    /// Queues replies for the next requests, in order.
    public func enqueue(_ replies: Reply...) {
        state.withLock { $0.queue += replies }
    }

    /// Queues replies for requests whose text contains `marker`; the last one repeats.
    public func script(whenPromptContains marker: String, _ replies: [Reply]) {
        state.withLock { $0.markers.append((marker, replies)) }
    }

    /// Every request so far, in arrival order.
    public var requests: [Recorded] { state.withLock { $0.requests } }

    /// Every well-formed request's arrival time and answer status, in arrival order.
    public var answered: [Answered] { state.withLock { $0.answered } }

    /// Answers a per-minute 429 (with `retryDelay`) to every request beyond `perSecond` in any
    /// one-second window, as a project quota the client does not know of would.
    public func limitRate(perSecond: Int, retryDelay: String) {
        state.withLock { $0.hiddenLimit = (perSecond, retryDelay) }
    }

    /// After `requests` more requests answered normally, answers every request with the
    /// per-day quota 429, as a spent daily quota does.
    public func spendDailyQuota(after requests: Int) {
        state.withLock { $0.dailyQuota = requests }
    }

    /// Requests that broke a wire rule, described.
    public var protocolViolations: [String] { state.withLock { $0.violations } }

    // MARK: - Handling

    func handle(_ request: LocalHTTPServer.Request) -> LocalHTTPServer.Response {
        let prefix = "/v1beta/models/"
        let suffix = ":generateContent"
        guard request.method == "POST", request.path.hasPrefix(prefix), request.path.hasSuffix(suffix) else {
            return Self.error(404, "NOT_FOUND", "The requested URL \(request.path) was not found on this server.")
        }
        let model = String(request.path.dropFirst(prefix.count).dropLast(suffix.count))
        if let query = request.query, query.split(separator: "&").contains(where: { $0.hasPrefix("key=") }) {
            state.withLock { $0.violations.append("API key in the query string of \(request.path)") }
            return Self.error(400, "INVALID_ARGUMENT", "test fake: send the API key in the x-goog-api-key header, never in the URL")
        }
        guard let key = request.headers["x-goog-api-key"] else {
            return Self.error(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers. Please use an API key."
            )
        }
        guard key == apiKey else {
            return Self.error(
                400,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
                details: [["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"]]
            )
        }
        guard models.contains(model) else {
            return Self.error(
                404,
                "NOT_FOUND",
                "models/\(model) is not found for API version v1beta, or is not supported for generateContent."
            )
        }
        guard let body = try? JSONValue.parse(request.body), let object = body.objectValue else {
            return Self.error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        }
        state.withLock { $0.requests.append(Recorded(uri: request.uri, headers: request.headers, body: body, model: model)) }
        if let problem = Self.shapeProblem(object) {
            state.withLock { $0.violations.append(problem) }
            return Self.error(400, "INVALID_ARGUMENT", problem)
        }

        let texts = Self.texts(object)
        let urlMode = (object["tools"]?.arrayValue ?? []).contains { $0.objectValue?["url_context"] != nil }
        let reply =
            quotaReply() ?? nextReply(texts: texts) ?? (urlMode ? .urlContext(status: "URL_RETRIEVAL_STATUS_SUCCESS") : .summary(nil))
        let response = answer(reply, request: object, texts: texts, requestBytes: request.body.count, urlMode: urlMode)
        state.withLock { $0.answered.append(Answered(receivedAt: Date(), status: response.status)) }
        return response
    }

    /// The quota answer for a request arriving now, if a quota refuses it.
    private func quotaReply() -> Reply? {
        state.withLock { state in
            let now = Date()
            if let left = state.dailyQuota {
                if left <= 0 { return .quotaPerDay }
                state.dailyQuota = left - 1
            }
            guard let limit = state.hiddenLimit else { return nil }
            state.accepted.removeAll { now.timeIntervalSince($0) >= 1 }
            guard state.accepted.count < limit.perSecond else { return .rateLimitPerMinute(retryDelay: limit.retryDelay) }
            state.accepted.append(now)
            return nil
        }
    }

    private func nextReply(texts: String) -> Reply? {
        state.withLock { state in
            if let index = state.markers.firstIndex(where: { texts.contains($0.marker) }) {
                let replies = state.markers[index].replies
                guard let first = replies.first else { return nil }
                if replies.count > 1 { state.markers[index].replies.removeFirst() }
                return first
            }
            return state.queue.isEmpty ? nil : state.queue.removeFirst()
        }
    }

    private func answer(
        _ reply: Reply,
        request: [String: JSONValue],
        texts: String,
        requestBytes: Int,
        urlMode: Bool
    )
        -> LocalHTTPServer.Response
    {
        switch reply {
        case .summary(let given):
            let text = Self.encode(given ?? Self.summary(for: request, texts: texts))
            return candidate(text: text, finish: "STOP", requestBytes: requestBytes, urlMode: urlMode, urlStatus: nil)
        case .text(let text):
            return candidate(text: text, finish: "STOP", requestBytes: requestBytes, urlMode: urlMode, urlStatus: nil)
        case .urlContext(let status):
            let text = Self.encode(Self.summary(for: request, texts: texts))
            return candidate(text: text, finish: "STOP", requestBytes: requestBytes, urlMode: true, urlStatus: .some(status))
        case .finish(let reason):
            return candidate(text: nil, finish: reason, requestBytes: requestBytes, urlMode: urlMode, urlStatus: nil)
        case .maxTokens:
            return candidate(
                text: #"{"summary": "The Pioneers beat the"#,
                finish: "MAX_TOKENS",
                requestBytes: requestBytes,
                urlMode: urlMode,
                urlStatus: nil
            )
        case .blocked(let reason):
            return .json(
                200,
                Self.encode([
                    "promptFeedback": ["blockReason": .string(reason)],
                    "usageMetadata": ["promptTokenCount": .number(Double(requestBytes / 4)), "totalTokenCount": .number(Double(requestBytes / 4))],
                    "modelVersion": "fake-gemini",
                ])
            )
        case .rateLimitPerMinute(let delay):
            return Self.quotaFailure(quotaID: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", value: "10", retryDelay: delay)
        case .quotaPerDay:
            return Self.quotaFailure(quotaID: "GenerateRequestsPerDayPerProjectPerModel-FreeTier", value: "250", retryDelay: "41s")
        case .status(let code):
            let status = [500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"][code] ?? "UNKNOWN"
            return Self.error(code, status, "The service is currently unavailable (scripted \(code)).")
        case .invalidKey:
            return Self.error(
                400,
                "INVALID_ARGUMENT",
                "API key not valid. Please pass a valid API key.",
                details: [["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"]]
            )
        case .permissionDenied:
            return Self.error(403, "PERMISSION_DENIED", "The caller does not have permission")
        case .failedPrecondition:
            return Self.error(400, "FAILED_PRECONDITION", "User location is not supported for the API use without a billing account linked.")
        case .badRequest(let message):
            return Self.error(400, "INVALID_ARGUMENT", message)
        }
    }

    private func candidate(text: String?, finish: String, requestBytes: Int, urlMode: Bool, urlStatus: String??) -> LocalHTTPServer.Response {
        var candidate: [String: JSONValue] = ["finishReason": .string(finish), "index": 0]
        if let text {
            candidate["content"] = ["role": "model", "parts": [["text": .string(text)]]]
        }
        if let urlStatus, let status = urlStatus {
            candidate["urlContextMetadata"] = [
                "urlMetadata": [["retrievedUrl": "(the requested page)", "urlRetrievalStatus": .string(status)]]
            ]
        }
        let prompt = requestBytes / 4
        let output = (text?.utf8.count ?? 0) / 4
        let toolUse = urlMode ? toolUseTokens : 0
        var usage: [String: JSONValue] = [
            "promptTokenCount": .number(Double(prompt)), "candidatesTokenCount": .number(Double(output)),
            "thoughtsTokenCount": .number(Double(thoughtsTokens)),
            "totalTokenCount": .number(Double(prompt + output + thoughtsTokens + toolUse)),
        ]
        if urlMode { usage["toolUsePromptTokenCount"] = .number(Double(toolUse)) }
        return .json(
            200,
            Self.encode(["candidates": [.object(candidate)], "usageMetadata": .object(usage), "modelVersion": "fake-gemini"])
        )
    }

    // MARK: - Request checks

    /// What is wrong with a request's shape, as Google would reject it; `nil` when it is fine.
    static func shapeProblem(_ request: [String: JSONValue]) -> String? {
        guard let contents = request["contents"]?.arrayValue, !contents.isEmpty else {
            return "contents must be a non-empty array"
        }
        for (index, content) in contents.enumerated() {
            guard let object = content.objectValue, let parts = object["parts"]?.arrayValue, !parts.isEmpty,
                parts.allSatisfy({ $0.objectValue?["text"]?.stringValue != nil })
            else { return "contents[\(index)] needs parts with text" }
            if let role = object["role"]?.stringValue, role != "user", role != "model" {
                return "contents[\(index)].role must be user or model"
            }
        }
        if let first = contents.first?.objectValue?["role"]?.stringValue, first != "user" {
            return "the first content must come from the user"
        }
        let config = request["generationConfig"]?.objectValue ?? [:]
        let tools = request["tools"]?.arrayValue ?? []
        let json = config["responseMimeType"]?.stringValue == "application/json"
        if !tools.isEmpty, json {
            return "Tool use with a response mime type: 'application/json' is unsupported"
        }
        if let schema = config["responseSchema"] {
            guard json else { return "responseSchema requires responseMimeType application/json" }
            if let problem = schemaProblem(schema, path: "responseSchema") { return problem }
        }
        for key in request.keys where !["contents", "systemInstruction", "tools", "generationConfig", "safetySettings"].contains(key) {
            return "Invalid JSON payload received. Unknown name \"\(key)\": Cannot find field."
        }
        return nil
    }

    static let schemaKeys: Set<String> = [
        "type", "properties", "required", "items", "enum", "nullable", "description", "propertyOrdering", "format",
        "minItems", "maxItems", "minimum", "maximum", "title",
    ]

    static func schemaProblem(_ schema: JSONValue, path: String) -> String? {
        guard let object = schema.objectValue else { return "\(path) must be an object" }
        for key in object.keys where !schemaKeys.contains(key) {
            return "Invalid JSON payload received. Unknown name \"\(key)\" at '\(path)': Cannot find field."
        }
        let type = object["type"]?.stringValue?.uppercased()
        guard let type, ["STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT"].contains(type) else {
            return "\(path).type must be one of STRING, NUMBER, INTEGER, BOOLEAN, ARRAY, OBJECT"
        }
        for (name, property) in object["properties"]?.objectValue ?? [:] {
            if let problem = schemaProblem(property, path: "\(path).properties.\(name)") { return problem }
        }
        if let items = object["items"], let problem = schemaProblem(items, path: "\(path).items") { return problem }
        return nil
    }

    /// Every text of the request's contents, joined.
    public static func texts(_ request: [String: JSONValue]) -> String {
        (request["contents"]?.arrayValue ?? []).flatMap { $0.objectValue?["parts"]?.arrayValue ?? [] }
            .compactMap { $0.objectValue?["text"]?.stringValue }.joined(separator: "\n")
    }

    /// A valid summary for the request: shaped by its `responseSchema` when it sent one, else
    /// the news schema; the summary text quotes the start of the article.
    static func summary(for request: [String: JSONValue], texts: String) -> JSONValue {
        var article = texts
        if let start = texts.range(of: "<article>\n"), let end = texts.range(of: "\n</article>", range: start.upperBound..<texts.endIndex) {
            article = String(texts[start.upperBound..<end.lowerBound])
        }
        let lead = String(article.prefix(200)).trimmingCharacters(in: .whitespacesAndNewlines)
        let summaryText = "The article reports: " + (lead.isEmpty ? "(no text)" : lead)
        let schema = request["generationConfig"]?.objectValue?["responseSchema"]?.objectValue
        guard let properties = schema?["properties"]?.objectValue else {
            return [
                "summary": .string(summaryText), "key_points": [.string("It reports on the article's subject.")],
                "players_mentioned": [], "teams_mentioned": [], "game_references": [], "injury_updates": .null,
                "article_type": "news", "sentiment": "neutral", "content_quality": "medium",
            ]
        }
        var fields: [String: JSONValue] = [:]
        for (name, property) in properties {
            let object = property.objectValue ?? [:]
            if name == "summary" {
                fields[name] = .string(summaryText)
            } else if let first = object["enum"]?.arrayValue?.first {
                fields[name] = first
            } else if object["type"]?.stringValue?.uppercased() == "ARRAY" {
                fields[name] = ["It reports on the article's subject."]
            } else if object["nullable"]?.boolValue == true {
                fields[name] = .null
            } else {
                fields[name] = ""
            }
        }
        return .object(fields)
    }

    /// A 429 as Gemini sends it: a `QuotaFailure` naming the quota, and a `RetryInfo`.
    static func quotaFailure(quotaID: String, value: String, retryDelay: String) -> LocalHTTPServer.Response {
        error(
            429,
            "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and billing details.",
            details: [
                [
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        [
                            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                            "quotaId": .string(quotaID), "quotaValue": .string(value),
                        ]
                    ],
                ],
                ["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": .string(retryDelay)],
            ]
        )
    }

    static func error(_ code: Int, _ status: String, _ message: String, details: [JSONValue] = []) -> LocalHTTPServer.Response {
        var body: [String: JSONValue] = ["code": .number(Double(code)), "message": .string(message), "status": .string(status)]
        if !details.isEmpty { body["details"] = .array(details) }
        return .json(code, encode(["error": .object(body)]))
    }

    static func encode(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}
