import Foundation
import JSONHTTP
import SummarizerCore

/// Maps Gemini's HTTP errors and refusals onto the pipeline's error kinds.
enum GeminiErrors {
    /// The error for a non-2xx answer. `secret` is scrubbed from Google's message.
    static func error(status: Int, body: Data, model: String, secret: String?) -> PipelineError {
        let envelope = try? JSONDecoder().decode(GeminiWire.ErrorEnvelope.self, from: body)
        let googleStatus = envelope?.error.status ?? ""
        let message = scrub(envelope?.error.message ?? String(decoding: body.prefix(300), as: UTF8.self), secret: secret)
        let details = envelope?.error.details ?? []
        let code = googleStatus.isEmpty ? String(status) : "\(status) \(googleStatus)"
        let reasons = details.compactMap { $0.objectValue?["reason"]?.stringValue }

        switch status {
        case 400 where reasons.contains("API_KEY_INVALID"):
            return PipelineError(
                .unauthorized,
                "Gemini refused the API key (API_KEY_INVALID): \(message)",
                reason: "api-key-invalid",
                code: code,
                hint: "set GEMINI_API_KEY to a valid key from Google AI Studio"
            )
        case 400 where googleStatus == "FAILED_PRECONDITION":
            return PipelineError(
                .misconfigured,
                "Gemini cannot serve this project: \(message)",
                reason: "failed-precondition",
                code: code,
                hint: "the free tier may not be available in your region; enable billing for the project"
            )
        case 400:
            // A problem with this request only (too long, unsupported content): the item fails.
            return PipelineError(.invalidContent, "Gemini rejected the request: \(message)", reason: "llm-bad-request", code: code)
        case 401, 403:
            return PipelineError(
                .unauthorized,
                "Gemini refused the API key (\(code)): \(message)",
                reason: "permission-denied",
                code: code,
                hint: "check that GEMINI_API_KEY belongs to a project with the Generative Language API enabled"
            )
        case 404:
            return PipelineError(
                .misconfigured,
                "Gemini does not know the model \"\(model)\" (\(code)): \(message)",
                reason: "unknown-model",
                code: code,
                hint: "set model (or GEMINI_MODEL, --model) to a model your key can use, e.g. gemini-2.5-flash"
            )
        case 429:
            return rateLimit(details: details, message: message, code: code)
        case 500...599:
            return PipelineError(.transient, "Gemini failed (\(code)): \(message)", reason: "http-\(status)", code: code)
        default:
            return PipelineError(.invalidContent, "Gemini answered \(code): \(message)", reason: "http-\(status)", code: code)
        }
    }

    /// A 429: a per-day quota stops the run; anything else waits the `RetryInfo` delay.
    static func rateLimit(details: [JSONValue], message: String, code: String) -> PipelineError {
        var delay: Duration?
        var quotaIDs: [String] = []
        for detail in details {
            guard let object = detail.objectValue else { continue }
            let type = object["@type"]?.stringValue ?? ""
            if type.hasSuffix("google.rpc.RetryInfo"), let text = object["retryDelay"]?.stringValue {
                delay = protobufDuration(text)
            }
            if type.hasSuffix("google.rpc.QuotaFailure") {
                for violation in object["violations"]?.arrayValue ?? [] {
                    if let id = violation.objectValue?["quotaId"]?.stringValue { quotaIDs.append(id) }
                }
            }
        }
        if let daily = quotaIDs.first(where: { $0.contains("PerDay") }) {
            return PipelineError(
                .quotaExhausted,
                "the Gemini daily quota is spent (\(daily)); nothing more can be summarized today",
                reason: "quota-per-day",
                code: code,
                hint: "the remaining items are left for the next run; raise the quota or enable billing to go on today"
            )
        }
        let quota = quotaIDs.first.map { " (\($0))" } ?? ""
        return PipelineError(
            .rateLimited,
            "Gemini rate limit reached\(quota): \(message)",
            reason: "quota-per-minute",
            code: code,
            retryAfter: delay
        )
    }

    /// A protobuf JSON duration: `"36.43s"`, `"1.5s"`, `"2s"` (up to nine fractional digits).
    static func protobufDuration(_ text: String) -> Duration? {
        guard text.hasSuffix("s") else { return nil }
        let number = text.dropLast()
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let secondsText = parts.first, let seconds = Int64(secondsText), seconds >= 0 else { return nil }
        var nanoseconds: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy(\.isASCII), let value = Int64(fraction) else { return nil }
            nanoseconds = value * Int64(pow(10, Double(9 - fraction.count)))
        }
        return .seconds(seconds) + .nanoseconds(nanoseconds)
    }

    /// Finish reasons that mean the content was refused, not that the answer went wrong.
    static let filterReasons: Set<String> = [
        "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE",
    ]
}
