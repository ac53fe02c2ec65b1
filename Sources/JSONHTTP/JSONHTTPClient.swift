import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SummarizerCore
import Synchronization

/// The HTTP client of the services the pipeline talks JSON to (LLM backends, PostgREST): one
/// pooled AsyncHTTPClient per stage, made on first use and shut down with the run (it is a
/// ``PipelineService``).
///
/// It never logs or echoes headers (they carry the API key), and it scrubs the key from any
/// text a service sends back before that text can reach an error message.
package final class JSONHTTPClient: PipelineService {
    package struct Response: Sendable {
        package var status: Int
        package var headers: HTTPHeaders
        package var body: Data
    }

    package let timeout: Duration
    let maxConnections: Int
    /// Replies larger than this are refused rather than buffered.
    let maxResponseBytes: Int
    private let clientState = Mutex<HTTPClient?>(nil)

    package init(timeout: Duration, maxConnections: Int, maxResponseBytes: Int = 8 << 20) {
        self.timeout = timeout
        self.maxConnections = maxConnections
        self.maxResponseBytes = maxResponseBytes
    }

    private var client: HTTPClient {
        clientState.withLock { state in
            if let client = state { return client }
            let settings = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .seconds(10)),
                connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
            )
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
            state = client
            return client
        }
    }

    deinit {
        // A summarizer used outside a run (a test, a library user) may never see the run's
        // end; shutting the client down here keeps AsyncHTTPClient from trapping on release.
        clientState.withLock { $0 }?.shutdown { _ in }
    }

    package func run() async {
        await waitUntilCancelled()
        await shutdown()
    }

    package func shutdown() async {
        let client = clientState.withLock { state -> HTTPClient? in
            defer { state = nil }
            return state
        }
        try? await client?.shutdown()
    }

    /// POSTs `body` as JSON. Transport failures (refused, reset, timed out) become `transient`
    /// errors naming `service`; any HTTP status is returned for the caller to interpret.
    package func post(_ url: String, headers: [(String, String)], body: Data, service: String, context: StageContext) async throws -> Response {
        try await send(.POST, url, headers: headers, body: body, service: service, context: context)
    }

    /// Sends one request with `body` (if any) as JSON; see ``post(_:headers:body:service:context:)``.
    package func send(
        _ method: HTTPMethod,
        _ url: String,
        headers: [(String, String)],
        body: Data? = nil,
        service: String,
        context: StageContext
    ) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if body != nil { request.headers.add(name: "Content-Type", value: "application/json") }
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "summarize/0.1")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(request, timeout: .init(timeout), logger: context.logger)
            let length = response.headers.first(name: "content-length").flatMap(Int.init) ?? 0
            guard length <= maxResponseBytes else {
                throw PipelineError(
                    .transient,
                    "\(service) sent a \(length)-byte reply, over the \(maxResponseBytes)-byte limit",
                    reason: "reply-too-large"
                )
            }
            let buffer = try await response.body.collect(upTo: maxResponseBytes)
            return Response(status: Int(response.status.code), headers: response.headers, body: Data(buffer.readableBytesView))
        } catch let error as PipelineError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw PipelineError(.transient, "\(service) did not answer within \(timeout.seconds) s", reason: "timeout")
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw PipelineError(.transient, "could not connect to \(service) within 10 s", reason: "connect-timeout")
        } catch {
            // Transport errors name hosts and ports, never headers, so the text is safe to keep.
            throw PipelineError(.transient, "\(service) could not be reached: \(error)", reason: "connection")
        }
    }
}

/// Removes `secret` from text a service sent back, in case it echoes what it was given.
package func scrub(_ text: String, secret: String?) -> String {
    guard let secret, secret.count >= 4 else { return text }
    return text.replacingOccurrences(of: secret, with: "<redacted>")
}

/// The wait hint of a response's headers: `retry-after-ms` when the API sends it, else `Retry-After`.
package func retryAfter(_ headers: HTTPHeaders, now: Date = Date()) -> Duration? {
    if let hint = headers.first(name: "retry-after-ms").flatMap({ RetryAfter.parse(milliseconds: $0) }) { return hint }
    return headers.first(name: "retry-after").flatMap { RetryAfter.parse($0, now: now) }
}

/// A base URL from config: http(s), a host, no query or fragment (keys never go into URLs),
/// without a trailing slash.
package func checkedBaseURL(_ text: String, config: PluginConfig, key: String = "baseURL") throws(ConfigError) -> String {
    let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
    guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
        scheme == "http" || scheme == "https", components.host?.isEmpty == false
    else {
        throw config.problem(key, "\"\(text)\" is not an http(s) URL with a host")
    }
    guard components.query == nil, components.fragment == nil else {
        throw config.problem(key, "must not have a query or fragment (API keys go in headers, never in URLs)")
    }
    return trimmed
}
