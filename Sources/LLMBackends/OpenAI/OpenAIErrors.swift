import Foundation
import JSONHTTP
import NIOHTTP1
import SummarizerCore

extension OpenAISummarizer {
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
                .unauthorized,
                "the server refused the API key (\(shownCode)): \(message)",
                reason: "unauthorized",
                code: shownCode,
                hint: "set OPENAI_API_KEY (or apiKey) to a key the server accepts"
            )
        case 404:
            return PipelineError(
                .misconfigured,
                "the server does not know the model \"\(model)\" or the endpoint (\(shownCode)): \(message)",
                reason: "unknown-model",
                code: shownCode,
                hint: "check model and baseURL (it should end in /v1)"
            )
        case 429 where code == "insufficient_quota":
            return PipelineError(
                .quotaExhausted,
                "the account's quota is spent (\(shownCode)): \(message)",
                reason: "insufficient-quota",
                code: shownCode,
                hint: "the remaining items are left for the next run"
            )
        case 429:
            return PipelineError(
                .rateLimited,
                "rate limit reached (\(shownCode)): \(message)",
                reason: "rate-limited",
                code: shownCode,
                retryAfter: retryAfter(headers)
            )
        case 408, 409, 500...599:
            return PipelineError(.transient, "the server failed (\(shownCode)): \(message)", reason: "http-\(status)", code: shownCode)
        default:
            return PipelineError(
                .invalidContent,
                "the server rejected the request (\(shownCode)): \(message)",
                reason: "llm-bad-request",
                code: shownCode
            )
        }
    }
}
