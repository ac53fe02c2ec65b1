import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Pushes the metrics of a finished run to a Prometheus Pushgateway (`--push-gateway URL`), the
/// Prometheus convention for batch jobs: one `PUT` of the whole group at the end of the run,
/// under job `summarize` and an instance label.
public struct PushGateway: Sendable {
    /// The gateway's base URL without credentials, e.g. `http://127.0.0.1:9091`.
    public let baseURL: String
    /// `Authorization` header from credentials written in the URL (`http://user:pass@host`).
    let authorization: String?
    /// The `job` label.
    public let job: String
    /// The `instance` label.
    public let instance: String

    /// A pusher to `url`; credentials in it are sent as Basic authorization and never shown.
    public init(url: String, job: String = "summarize", instance: String) throws {
        guard var components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else {
            throw PushGatewayError("--push-gateway must be an http(s) URL such as http://127.0.0.1:9091")
        }
        if let user = components.user {
            let credentials = "\(user.removingPercentEncoding ?? user):\(components.password?.removingPercentEncoding ?? "")"
            authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        components.user = nil
        components.password = nil
        var base = components.string ?? url
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        self.job = job
        self.instance = instance
    }

    /// The grouping path: `/metrics/job/<job>/instance/<instance>`, a value that is not a plain
    /// path segment sent in the gateway's base64url form (`instance@base64/...`).
    public var groupPath: String {
        "/metrics" + Self.segment("job", job) + Self.segment("instance", instance)
    }

    static func segment(_ label: String, _ value: String) -> String {
        let plain =
            !value.isEmpty && value.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.:".unicodeScalars.contains($0) }
        if plain, value.allSatisfy(\.isASCII) { return "/\(label)/\(value)" }
        // An empty value is `=` in base64 form, as the gateway documents.
        let encoded =
            value.isEmpty
            ? "="
            : Data(value.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return "/\(label)@base64/\(encoded)"
    }

    /// Replaces the group's metrics with `text` (the Prometheus text format).
    public func push(_ text: String, timeout: Duration = .seconds(10)) async throws {
        var request = HTTPClientRequest(url: baseURL + groupPath)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: PrometheusExporter.contentType)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(string: text))
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
        } catch {
            throw PushGatewayError("could not reach the push gateway at \(baseURL): \(error)")
        }
        let body = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(Int(response.status.code)) else {
            let detail = body.map { String(buffer: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            throw PushGatewayError("the push gateway at \(baseURL) answered \(response.status.code)\(detail.isEmpty ? "" : ": \(detail)")")
        }
    }
}

/// A push to the gateway failed.
public struct PushGatewayError: Error, CustomStringConvertible {
    /// What went wrong; never holds credentials.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
