import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import Resilience
import SummarizerCore
import Synchronization

/// What a status or a client error means in the error taxonomy.
extension HTTPFetcher {
    /// The error a non-2xx status means (DESIGN §6: a web page's refusal is that page's problem).
    static func error(forStatus status: Int, headers: HTTPHeaders, url: URL) -> PipelineError {
        let code = String(status)
        let page = url.absoluteString
        switch status {
        case 429:
            let hint = headers.first(name: "retry-after").flatMap { RetryAfter.parse($0) }
            return PipelineError(
                .rateLimited,
                "\(page) answered 429 Too Many Requests",
                reason: "http-429",
                code: code,
                retryAfter: hint
            )
        case 500...599:
            return PipelineError(.transient, "\(page) answered \(status)", reason: "http-\(status)", code: code)
        case 404, 410:
            return PipelineError(.notFound, "\(page) answered \(status)", reason: "http-\(status)", code: code)
        case 401, 403:
            return PipelineError(.blocked, "\(page) refused us with \(status)", reason: "http-\(status)", code: code)
        case 408:
            return PipelineError(.transient, "\(page) answered 408 Request Timeout", reason: "http-408", code: code)
        default:
            return PipelineError(.invalidContent, "\(page) answered \(status)", reason: "http-\(status)", code: code)
        }
    }

    /// Maps the client's errors into the taxonomy.
    static func map(_ error: any Error, url: URL, timeout: Duration) -> any Error {
        if error is CancellationError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .tlsHandshakeTimeout:
                return PipelineError(
                    .transient,
                    "fetching \(url.absoluteString) timed out (\(error))",
                    reason: "timeout"
                )
            case .cancelled:
                return CancellationError()
            default:
                return PipelineError(.transient, "fetching \(url.absoluteString) failed: \(error)", reason: "network")
            }
        }
        if error is NIOHTTPDecompression.DecompressionError {
            return PipelineError(
                .invalidContent,
                "\(url.absoluteString): the compressed body expands beyond the allowed ratio",
                reason: "decompression-bomb"
            )
        }
        return PipelineError(.transient, "fetching \(url.absoluteString) failed: \(error)", reason: "network")
    }
}
