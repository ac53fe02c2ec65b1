import Foundation

/// One failed item, as the dead-letter sink stores it.
///
/// A failure is never written as if it were a summary. For a failure at the sink stage the
/// summary record itself travels along, so replaying it costs no second LLM call.
public struct FailureRecord: Sendable, Hashable, Codable {
    /// One attempt at the failing stage.
    public struct Attempt: Sendable, Hashable, Codable {
        /// When the attempt failed.
        public var at: Date
        /// The error kind of the attempt.
        public var kind: PipelineError.Kind
        /// What the attempt's error said.
        public var message: String

        /// One failed attempt.
        public init(at: Date, kind: PipelineError.Kind, message: String) {
            self.at = at
            self.kind = kind
            self.message = message
        }

        enum CodingKeys: String, CodingKey { case at, kind, message }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ISO8601.string(from: at), forKey: .at)
            try container.encode(kind, forKey: .kind)
            try container.encode(message, forKey: .message)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            at = ISO8601.date(from: try container.decode(String.self, forKey: .at)) ?? Date(timeIntervalSince1970: 0)
            kind = try container.decode(PipelineError.Kind.self, forKey: .kind)
            message = try container.decode(String.self, forKey: .message)
        }
    }

    /// The item's id (`news_url_id`).
    public var newsURLID: String
    /// The item's URL, as the source gave it.
    public var url: String
    /// The stage the item failed at.
    public var stage: Stage
    /// The kind of the final error.
    public var errorKind: PipelineError.Kind
    /// A short machine-friendly reason, e.g. `no-article`, `http-404`, `robots`.
    public var reason: String?
    /// What the final error said.
    public var message: String
    /// The service's own error code (an HTTP status, a SQLSTATE, `PGRST102`...), when it gave one.
    public var code: String?
    /// The service's hint, when it gave one.
    public var hint: String?
    /// How many attempts were made at the failing stage.
    public var attempts: Int
    /// Every failed attempt at the failing stage, oldest first.
    public var history: [Attempt]
    /// When the item failed.
    public var failedAt: Date
    /// The summary that could not be stored, for failures at the sink stage.
    public var record: SummaryRecord?
    /// Tokens the item's LLM calls cost before it failed (they are paid for all the same).
    public var tokens: TokenUsage?
    /// Their estimated price.
    public var costUSD: Double?
    /// How many runs the item failed in: 1 for a new failure; the dead-letter file adds up the
    /// runs of an item that keeps failing, and `run.maxItemAttempts` compares against it.
    public var failedRuns: Int
    /// For a failure at the sink stage: the sinks that hold the record (stored it or held it
    /// already), by ``PipelineStage/name``.
    public var storedIn: [String]?
    /// For a failure at the sink stage: the sinks that did not store the record; a replay
    /// writes it to exactly these.
    public var failedIn: [String]?

    /// A failure of `item` at `stage` with `error` as its final error.
    public init(
        item: WorkItem,
        stage: Stage,
        error: PipelineError,
        history: [Attempt] = [],
        failedAt: Date,
        record: SummaryRecord? = nil
    ) {
        self.newsURLID = item.id
        self.url = item.url
        self.stage = stage
        self.errorKind = error.kind
        self.reason = error.reason
        self.message = error.message
        self.code = error.code
        self.hint = error.hint
        let history = history.isEmpty ? [Attempt(at: failedAt, kind: error.kind, message: error.message)] : history
        self.attempts = history.count
        self.history = history
        self.failedAt = failedAt
        self.record = record
        self.tokens = error.spend?.tokens ?? record?.tokens
        self.costUSD = error.spend?.costUSD ?? record?.costUSD
        self.failedRuns = 1
    }

    enum CodingKeys: String, CodingKey {
        case newsURLID = "news_url_id"
        case url, stage
        case errorKind = "error_kind"
        case reason, message, code, hint
        case attempts, history
        case failedAt = "failed_at"
        case record, tokens
        case costUSD = "cost_usd"
        case failedRuns = "failed_runs"
        case storedIn = "stored_in"
        case failedIn = "failed_in"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(newsURLID, forKey: .newsURLID)
        try container.encode(url, forKey: .url)
        try container.encode(stage, forKey: .stage)
        try container.encode(errorKind, forKey: .errorKind)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(code, forKey: .code)
        try container.encodeIfPresent(hint, forKey: .hint)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(history, forKey: .history)
        try container.encode(ISO8601.string(from: failedAt), forKey: .failedAt)
        try container.encodeIfPresent(record, forKey: .record)
        try container.encodeIfPresent(tokens, forKey: .tokens)
        try container.encodeIfPresent(costUSD, forKey: .costUSD)
        try container.encode(failedRuns, forKey: .failedRuns)
        try container.encodeIfPresent(storedIn, forKey: .storedIn)
        try container.encodeIfPresent(failedIn, forKey: .failedIn)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        newsURLID = try container.decode(String.self, forKey: .newsURLID)
        url = try container.decode(String.self, forKey: .url)
        stage = try container.decode(Stage.self, forKey: .stage)
        errorKind = try container.decode(PipelineError.Kind.self, forKey: .errorKind)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        message = try container.decode(String.self, forKey: .message)
        code = try container.decodeIfPresent(String.self, forKey: .code)
        hint = try container.decodeIfPresent(String.self, forKey: .hint)
        attempts = try container.decode(Int.self, forKey: .attempts)
        history = try container.decodeIfPresent([Attempt].self, forKey: .history) ?? []
        failedAt = ISO8601.date(from: try container.decode(String.self, forKey: .failedAt)) ?? Date(timeIntervalSince1970: 0)
        record = try container.decodeIfPresent(SummaryRecord.self, forKey: .record)
        tokens = try container.decodeIfPresent(TokenUsage.self, forKey: .tokens)
        costUSD = try container.decodeIfPresent(Double.self, forKey: .costUSD)
        // Lines written before the count existed stand for one run each.
        failedRuns = max(1, try container.decodeIfPresent(Int.self, forKey: .failedRuns) ?? 1)
        storedIn = try container.decodeIfPresent([String].self, forKey: .storedIn)
        failedIn = try container.decodeIfPresent([String].self, forKey: .failedIn)
    }
}

extension FailureRecord {
    /// One failure standing for all the given failures of one item, oldest first: the newest
    /// failure's details, the histories joined, the runs added up.
    public static func merged(_ failures: [FailureRecord]) -> FailureRecord? {
        guard var merged = failures.last else { return nil }
        guard failures.count > 1 else { return merged }
        merged.history = failures.flatMap(\.history)
        merged.attempts = merged.history.count
        merged.failedRuns = failures.reduce(0) { $0 + $1.failedRuns }
        return merged
    }

    /// The record with `spend` (an earlier call of the same item) added to its tokens and cost.
    func addingSpend(_ spend: Spend?) -> FailureRecord {
        guard let spend else { return self }
        var copy = self
        let total = Spend(tokens: tokens ?? .zero, costUSD: costUSD) + spend
        copy.tokens = total.tokens
        copy.costUSD = total.costUSD
        return copy
    }
}
