import Foundation
import Hummingbird
import SummarizerCore

/// The bearer tokens `summarize serve` accepts (`SUMMARIZE_API_TOKENS`, comma-separated).
///
/// Tokens are kept as SHA-256 digests and a presented token is compared with every one of them
/// in full, so how long a check takes says nothing of how much of a token was right. Tokens are
/// never logged.
struct BearerAuth: Sendable {
    private let digests: [[UInt8]]

    /// No tokens: the API is open.
    var isEnabled: Bool { !digests.isEmpty }

    /// How many tokens are accepted.
    var count: Int { digests.count }

    init(tokens: [String]) {
        digests = tokens.map { SHA256.digest(Array($0.utf8)) }
    }

    /// The tokens of `SUMMARIZE_API_TOKENS`: comma-separated, blanks around them ignored.
    init(environment value: String?) {
        self.init(tokens: (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// Whether `token` is one of the accepted tokens.
    func accepts(_ token: String) -> Bool {
        let presented = SHA256.digest(Array(token.utf8))
        var matched = false
        for digest in digests {
            var difference: UInt8 = 0
            for (left, right) in zip(digest, presented) { difference |= left ^ right }
            matched = matched || difference == 0
        }
        return matched
    }
}

/// Refuses requests without an accepted bearer token (401 with `WWW-Authenticate: Bearer`), but
/// for the open endpoints (`serve.openEndpoints`: health, readiness, metrics by default) and the
/// OpenAPI document.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let auth: BearerAuth
    let open: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let endpoint = path.hasPrefix("/") ? String(path.dropFirst()) : path
        guard auth.isEnabled, !open.contains(endpoint), endpoint != "openapi.json" else {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization] else {
            throw APIError(
                401,
                "this endpoint needs a bearer token (Authorization: Bearer <token>)",
                headers: [("WWW-Authenticate", "Bearer realm=\"summarize\"")]
            )
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", auth.accepts(String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw APIError(
                401,
                "the bearer token is not accepted",
                headers: [("WWW-Authenticate", "Bearer realm=\"summarize\", error=\"invalid_token\"")]
            )
        }
        return try await next(request, context)
    }
}
