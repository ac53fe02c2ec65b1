import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import Resilience
import SummarizerCore
import Synchronization

/// Building requests and bounding them in time.
extension HTTPFetcher {
    /// Runs `body`, cancelling it when `deadline` passes.
    static func withDeadline<T: Sendable>(
        _ deadline: NIODeadline,
        url: URL,
        timeout: Duration,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let remaining = deadline.uptimeNanoseconds.subtractingReportingOverflow(NIODeadline.now().uptimeNanoseconds)
        let limit: Duration = remaining.overflow ? .zero : .nanoseconds(Int64(clamping: remaining.partialValue))
        switch try await withTimeLimit(limit, body) {
        case .finished(let value):
            return value
        case .expired:
            throw PipelineError(.transient, "fetching \(url.absoluteString) took longer than \(timeout.seconds) s", reason: "timeout")
        }
    }

    /// A request for `url` that connects where the address policy looked: every request the
    /// fetcher makes is built here.
    static func request(_ url: URL, checkedAddresses addresses: [IPAddress]) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: pinned(url, to: addresses))
        request.headers.add(name: "Host", value: hostHeader(url))
        return request
    }

    /// For plain HTTP, the URL with its host replaced by the address the policy checked, so the
    /// client connects where the check looked (a name resolving differently the second time
    /// cannot slip through). HTTPS keeps the name: its certificate is checked against it.
    static func pinned(_ url: URL, to addresses: [IPAddress]) -> String {
        guard url.scheme?.lowercased() == "http", let address = addresses.first,
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        else { return url.absoluteString }
        components.host = address.isIPv4 ? address.description : "[\(address.description)]"
        return components.url?.absoluteString ?? url.absoluteString
    }

    static func hostHeader(_ url: URL) -> String {
        let host = url.host ?? ""
        let bracketed = host.contains(":") ? "[\(host)]" : host
        if let port = url.port { return "\(bracketed):\(port)" }
        return bracketed
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
