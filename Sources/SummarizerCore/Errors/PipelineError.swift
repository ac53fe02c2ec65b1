/// The one error type every stage throws, or maps its failures into.
///
/// Its ``Kind`` drives retry, circuit breakers, the dead-letter record and metrics alike, so a
/// plugin only has to say *what* went wrong; the middleware and orchestrator decide what to do.
///
/// ```swift
/// throw PipelineError(.notFound, "the page answered 404", reason: "http-404", code: "404")
/// ```
public struct PipelineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. New kinds may be added: don't switch exhaustively.
    public struct Kind: Sendable, Hashable, Codable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable, CaseIterable {
            case transient, rateLimited, quotaExhausted, unauthorized, misconfigured
            case blocked, notFound, invalidContent, contentFiltered, invalidOutput, cancelled
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// 5xx, connection reset, timeout: retried with backoff; counts for breakers.
        public static let transient = Kind(.transient)
        /// 429 and friends: retried after the server's hint; does not count for breakers.
        public static let rateLimited = Kind(.rateLimited)
        /// A daily quota or the run's budget is spent: the run stops.
        public static let quotaExhausted = Kind(.quotaExhausted)
        /// A configured service refuses our key: the run stops.
        public static let unauthorized = Kind(.unauthorized)
        /// Unknown model, missing table, wrong service URL: the run stops.
        public static let misconfigured = Kind(.misconfigured)
        /// A page refuses us (401/403, bot challenge, paywall, robots, address policy).
        public static let blocked = Kind(.blocked)
        /// A page answers 404/410 or a file does not exist.
        public static let notFound = Kind(.notFound)
        /// Not HTML, no article, too large, undecodable.
        public static let invalidContent = Kind(.invalidContent)
        /// The LLM refused the content (safety filters, block reasons).
        public static let contentFiltered = Kind(.contentFiltered)
        /// An LLM reply that does not match the schema.
        public static let invalidOutput = Kind(.invalidOutput)
        /// The run was shut down before the item finished.
        public static let cancelled = Kind(.cancelled)

        /// Every kind, in the order of the design's table.
        public static let allKinds: [Kind] = Base.allCases.map(Kind.init)

        /// The kind named `name` (as in `error_kind`), if there is one.
        public init?(name: String) {
            guard let base = Base(rawValue: name) else { return nil }
            self.base = base
        }

        /// The name used in records and config, e.g. `rateLimited`.
        public var name: String { base.rawValue }
        public var description: String { base.rawValue }

        /// Whether the retry middleware may try again.
        public var isRetryable: Bool {
            self == .transient || self == .rateLimited
        }

        /// Whether a failure of this kind says something about the target's health.
        public var countsForBreaker: Bool {
            self == .transient || self == .blocked
        }

        /// Whether this failure means every further item would fail the same way.
        public var stopsRun: Bool {
            self == .quotaExhausted || self == .unauthorized || self == .misconfigured
        }

        public init(from decoder: any Decoder) throws {
            let name = try decoder.singleValueContainer().decode(String.self)
            guard let kind = Kind(name: name) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "unknown error kind '\(name)'")
                )
            }
            self = kind
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// A sentence a person can act on. Never contains a secret.
    public var message: String
    /// A short machine-friendly reason, e.g. `robots`, `no-article`, `http-503`.
    public var reason: String?
    /// The service's own error code, when it gave one.
    public var code: String?
    /// The service's hint, when it gave one.
    public var hint: String?
    /// How long the server asked us to wait, for ``Kind/rateLimited``.
    public var retryAfter: Duration?
    /// Whether retry middleware may try again; defaults to the kind's ``Kind/isRetryable``.
    ///
    /// Set it to `false` for a failure of a retryable kind that another attempt cannot fix
    /// now, such as an open circuit breaker.
    public var isRetryable: Bool
    /// Tokens and money a failed LLM call (or a failed repair) still cost, so they are counted.
    public var spend: Spend?

    /// An error of `kind`; `reason` and `code` reach the dead-letter record, `retryAfter` the retry.
    public init(
        _ kind: Kind,
        _ message: String,
        reason: String? = nil,
        code: String? = nil,
        hint: String? = nil,
        retryAfter: Duration? = nil,
        retryable: Bool? = nil,
        spend: Spend? = nil
    ) {
        self.kind = kind
        self.message = message
        self.reason = reason
        self.code = code
        self.hint = hint
        self.retryAfter = retryAfter
        self.isRetryable = retryable ?? kind.isRetryable
        self.spend = spend
    }

    /// The reason of the failure a URL-mode summarizer throws when the service could not read
    /// the page; the orchestrator then fetches and extracts the page itself and tries again.
    public static let urlRetrievalFailedReason = "url-retrieval-failed"

    public var description: String {
        var text = "\(kind): \(message)"
        if let code { text += " (code \(code))" }
        if let hint { text += " hint: \(hint)" }
        return text
    }

    /// Maps any error to a pipeline error: cancellation becomes ``Kind/cancelled``, and an
    /// unknown error is treated as transient so that it is retried rather than lost.
    public static func from(_ error: any Error) -> PipelineError {
        if let error = error as? PipelineError { return error }
        if error is CancellationError { return PipelineError(.cancelled, "the item was cancelled before it finished") }
        return PipelineError(.transient, String(describing: error))
    }
}
